"""The bundled schemes in criteria/ are written for a 文明办 reader: each file's
header names its sources and where it simplifies, and every scored item and
veto says, in the comment above it and in its ``method``, how it is checked."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FILES = sorted((REPO / "criteria").glob("*.toml"))
METHODS = ("实地考察", "材料审核", "问卷调查", "网上申报", "民主测评")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_header_names_sources_and_simplifications(path):
    header = path.read_text(encoding="utf-8").split('format = "civscore/1"')[0]
    assert "依据" in header and "DOMAIN.md" in header
    assert "简化之处" in header


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_item_says_how_it_is_checked(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    data = tomllib.loads("\n".join(lines))
    for i, line in enumerate(lines):
        m = re.match(r"^\[((?:criteria|bonus|penalty|veto)\.[^\]]+)\]$", line)
        if not m:
            continue
        node = data
        for part in m.group(1).split("."):
            node = node[part]
        if "scorer" not in node and not m.group(1).startswith("veto."):
            continue          # a group
        comment = []
        j = i - 1
        while j >= 0 and lines[j].startswith("#"):
            comment.append(lines[j])
            j -= 1
        assert any(word in "".join(comment) for word in METHODS), f"{path.name}: {m.group(1)} has no method comment"
        if "scorer" in node:
            assert node.get("method") in METHODS, f"{path.name}: {m.group(1)}.method"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_titles_in_chinese_and_locale(path):
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["scheme"]["locale"] == "zh-CN"
    assert re.search(r"[\u4e00-\u9fff]", data["scheme"]["title"])
