"""Penalty items are described from the penalty side (issue 14, point 3):
templates, reasons, the 整改清单 and the missing list."""
from __future__ import annotations

import json
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "civilized-unit-v1"
SCHEME = FIXTURE / "civilized-unit.toml"


def unit(tmp_path: Path, **penalties: object) -> Path:
    text = (FIXTURE / "units" / "city-tax.toml").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith(('"penalty.', "penalty."))]
    for key, value in penalties.items():
        lines.append(f'"penalty.{key}" = {json.dumps(value, ensure_ascii=False)}')
    path = tmp_path / "unit.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_templates_say_what_costs_points(cli):
    code, out, _ = cli("init", SCHEME)
    assert code == 0
    block = out[out.index("penalty.complaints"):]
    assert "0 deducts nothing, 5 deducts the whole 5 points" in block
    assert "“是” deducts 3 points" in out
    assert "越高越好" not in block and "得分" not in block.split("\n")[1]


def test_reasons_of_a_penalty_say_what_was_deducted(tmp_path, cli):
    code, out, _ = cli("check", SCHEME, unit(tmp_path, complaints=2, negative_list=0, media_exposure="否"), "-f", "json")
    doc = json.loads(out)
    items = doc["result"]["items"]
    assert items["penalty.complaints"]["reasons"] == ["2: nothing deducted at 0, the whole penalty at 5"]
    assert items["penalty.media_exposure"]["reasons"] == ["no: no penalty"]
    lost = {d["id"] for d in doc["lost"]}
    assert "penalty.complaints" in lost                      # it cost 2 points
    assert "penalty.negative_list" not in lost and "penalty.media_exposure" not in lost   # they cost nothing
    assert all("higher is better" not in r for k, it in items.items() if k.startswith("penalty.") for r in it["reasons"])


def test_a_missing_penalty_input_is_no_penalty_not_a_loss(tmp_path, cli):
    code, out, _ = cli("check", SCHEME, unit(tmp_path, complaints=0, negative_list=0))
    lost_section = out.split("Lost points")[1].split("Missing inputs")[0] if "Lost points" in out else ""
    assert "penalty.media_exposure" not in lost_section
    missing = next(line for line in out.splitlines() if line.startswith("Missing inputs: "))
    assert "penalty.media_exposure (no penalty recorded)" in missing
