"""The bundled district-environment scheme and the example submissions."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

import civscore

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def pm():
    return civscore.plugin_manager(plugins=["civscore_cleanliness"], strict=True)


def test_the_plugin_provides_the_scorer_and_the_scheme(pm):
    info = {p.name: p for p in pm.registry.plugins}
    mine = [p for p in info.values() if "dust-weight" in p.provides.get("scorers", [])]
    assert len(mine) == 1 and mine[0].status == "ok"
    assert mine[0].provides["schemes"] == ["district-environment"]


def test_the_scheme_loads_by_name(pm):
    scheme = civscore.load("district-environment", registry=pm.registry)
    assert scheme.title == "长安区城市环境卫生检查"
    assert scheme.full_marks == 100
    dust = [leaf for leaf in scheme.items if leaf.scorer == "dust-weight"]
    assert [leaf.id for leaf in dust] == ["roads.inner_dust", "roads.outer_dust", "roads.pavement_dust"]


def test_the_examples(pm):
    ev = civscore.evaluate("district-environment", [str(EXAMPLES)], registry=pm.registry)
    assert ev.errors == [] and ev.exit_status == 0
    results = {r["unit"]["id"]: r for r in ev.results()}
    assert set(results) == {"jianbei", "qingyuan", "guangan", "yucai", "tangu", "fengshou"}
    assert all(r["complete"] for r in results.values())
    assert results["jianbei"]["rank"] == 1 and results["jianbei"]["stars"] == 5
    assert results["fengshou"]["vetoed"] and results["fengshou"]["rank"] is None
    dust = results["qingyuan"]["items"]["roads.pavement_dust"]
    assert dust["points"] == 3.0   # 2 of 4 points within their limits
    assert "worst point: 广安街北侧人行道 23.5 g/m²" in dust["reasons"][1]
    inner = results["jianbei"]["items"]["roads.inner_dust"]
    assert inner["points"] == 12 and "北马路（青园街—建设大街） 4.8 g/m²" in inner["reasons"][1]


def test_the_command_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "civscore", "evaluate", "district-environment", str(EXAMPLES),
                          "-p", "civscore_cleanliness", "--format", "json"],
                         capture_output=True, text=True, env=_env())
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["scheme"]["id"] == "district-environment"
    assert len(doc["results"]) == 6


def _env():
    import os
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return env


def test_init_templates_say_what_to_write(pm, capsys):
    from civscore.cli import main
    assert main(["init", "district-environment", "-p", "civscore_cleanliness"]) == 0
    out = capsys.readouterr().out
    assert "各采样点尘土残存量（克/平方米）" in out
    assert "至少 3 个点，限值 20 克/平方米，按达标点位比例计分" in out      # the pavement item
