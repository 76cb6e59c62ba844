"""explain --format html: the rubric as a page, every scheme text escaped."""
import subprocess
import sys


def test_explain_html_lists_every_indicator_and_escapes(tmp_path):
    crit = tmp_path / "c.toml"
    crit.write_text('''format = "civscore/1"
[scheme]
id = "x"
title = "<script>alert(1)</script> 测评"
version = "1"
full_marks = 10
[rating]
levels = [{ stars = 1, min_score = 5 }]
[criteria.a]
title = "类别 & <b>"
[criteria.a.b]
title = "指标<img src=x>"
points = 10
scorer = "boolean"
''', encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "civscore", "explain", str(crit), "-f", "html"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    page = proc.stdout
    assert "<script>" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 测评" in page
    assert "指标&lt;img src=x&gt;" in page and "a.b" in page and "boolean" in page
