"""README.md and docs/ link only to files inside the repository, and every such link resolves."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_links_stay_inside_the_repository(page):
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if target.startswith("#"):
            continue
        assert "://" not in target and not target.startswith("mailto:"), f"{page.name}: external link {target}"
        path = (page.parent / target.split("#")[0]).resolve()
        assert path.is_relative_to(REPO), f"{page.name}: {target} points outside the repository"
        assert path.exists(), f"{page.name}: {target} does not exist"


def test_readme_links_the_scheme_authors_reference():
    assert "](docs/criteria.md)" in (REPO / "README.md").read_text(encoding="utf-8")
