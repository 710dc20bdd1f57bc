"""The README is a front door: short, and every link into the repository leads somewhere.
(The docs themselves are checked by ``mkdocs build --strict`` in ``make test``.)"""

import re

from django.conf import settings

README = settings.BASE_DIR / "README.md"


def test_the_readme_stays_short():
    assert len(README.read_text().splitlines()) <= 200


def test_every_local_link_and_image_of_the_readme_exists():
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README.read_text())
    local = [target for target in targets if "://" not in target]
    assert local
    assert [target for target in local if not (settings.BASE_DIR / target).exists()] == []
