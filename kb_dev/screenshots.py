"""The screenshots the docs show, made small from the browser tests' own.

    python -m kb_dev.screenshots        # after the browser tests (make screenshots)

The browser tests save every key page, whole, to artifacts/screenshots/ (not
committed). This keeps the top of the few the docs show and writes them to
docs/images/ in 256 colours, so the committed files stay small.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "artifacts" / "screenshots"
TARGET = ROOT / "docs" / "images"
# The pages the docs show: the browser tests' screenshot name -> the docs' image name and
# how much of the page's top to keep (width, height in pixels).
SHOWN = {
    "search-results-desktop": ("search-results", (1280, 900)),
    "clause-desktop": ("clause", (1280, 1700)),  # down to its lineage
}


def main() -> None:
    from PIL import Image  # the dev extra's

    TARGET.mkdir(parents=True, exist_ok=True)
    for source_name, (name, (keep_width, keep_height)) in SHOWN.items():
        source = SOURCE / f"{source_name}.png"
        if not source.exists():
            sys.exit(f"{source}: missing; the browser tests write it (make screenshots)")
        with Image.open(source) as image:
            width, height = min(image.width, keep_width), min(image.height, keep_height)
            screen = image.convert("RGB").crop((0, 0, width, height))
        small = screen.quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        path = TARGET / f"{name}.png"
        small.save(path, optimize=True)
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
