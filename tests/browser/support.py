"""Helpers for the browser tests: screenshots, the axe-core accessibility check, and where
the Nu HTML checker is."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

NODE_MODULES = Path(settings.BASE_DIR) / "var" / "node" / "node_modules"
AXE_SCRIPT = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# What the suite treats as a failure: axe's two highest impact levels.
BLOCKING_IMPACTS = {"serious", "critical"}


def save_screenshots(page, name: str, directory: Path = SCREENSHOTS) -> None:
    """Save the whole page at desktop and phone width: ``NAME-desktop.png``, ``NAME-phone.png``."""
    if not re.fullmatch(r"[a-z0-9-]+", name):
        raise ValueError(f"screenshot name {name!r}: lower-case letters, digits and dashes only")
    page.wait_for_load_state()
    page.screenshot(path=directory / f"{name}-desktop.png", full_page=True)
    # Reloaded at each width so the page's script sees the width a phone would have.
    page.set_viewport_size(PHONE)
    page.reload()
    page.screenshot(path=directory / f"{name}-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    page.reload()


def blocking_accessibility_violations(page) -> list[str]:
    """axe-core's serious and critical WCAG 2.x A/AA violations on the page, one line each."""
    # evaluate() runs the script through the DevTools protocol, so the page's CSP (which forbids
    # inline scripts, rightly) does not block it the way an injected <script> tag would be.
    page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async () => {
            const results = await axe.run(document, {
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                 "wcag22aa", "best-practice"]},
            });
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
            }));
        }"""
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['targets'])}"
        for v in violations
        if v["impact"] in BLOCKING_IMPACTS
    ]
