"""Chart geometry for the HTML reports: numbers only, no markup.

Each function returns a plain dict of SVG coordinates and labels that the
``_charts.html`` macros draw; the numbers are the same the page showed when
the SVG was written in Python, so the charts look exactly as before.
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

__all__ = ["star_chart", "histogram", "category_bars", "ticks", "stars_over_periods"]


def ticks(peak: float) -> list[int]:
    """Gridline values from 0 to ``peak``: about four steps of a whole number."""
    if peak <= 0:
        return [0]
    step = max(1, math.ceil(peak / 4))
    return list(range(0, int(peak) + 1, step))


def star_chart(counts: Sequence[tuple[str, int, str]], label: str) -> dict[str, Any]:
    """Vertical bars: ``counts`` is (label, count, css class) per bar."""
    n = max(len(counts), 1)
    bar_w, gap, left, top, bottom = 56, 18, 34, 22, 40
    height = 200
    plot_h = height - top - bottom
    width = left + n * (bar_w + gap) + gap
    peak = max([c for _, c, _ in counts] + [1])
    grid = [{"y": top + plot_h - plot_h * tick / peak, "tick": tick} for tick in ticks(peak)]
    bars = []
    for i, (name, count, cls) in enumerate(counts):
        x = left + gap + i * (bar_w + gap)
        h = plot_h * count / peak
        bars.append({"x": x, "y": top + plot_h - h, "w": bar_w, "h": h, "cls": cls, "label": name,
                     "count": count, "cx": x + bar_w / 2, "star": "★" in name})
    return {"width": width, "height": height, "label": label, "cls": "chart", "left": left,
            "right": width - 4, "base": top + plot_h, "label_y": top + plot_h + 18,
            "grid": grid, "bars": bars}


def histogram(values: Sequence[float], maximum: float, label: str, bins: int = 10) -> dict[str, Any]:
    """A histogram of ``values`` over [0, maximum], with the mean's position."""
    width, height, left, right, top, bottom = 280, 130, 28, 10, 10, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    maximum = maximum if maximum and maximum > 0 else 1.0
    counts = [0] * bins
    for v in values:
        idx = int(min(max(v, 0.0), maximum) / maximum * bins)
        counts[min(idx, bins - 1)] += 1
    peak = max(counts + [1])
    grid = [{"y": top + plot_h - plot_h * tick / peak, "tick": tick} for tick in ticks(peak)]
    bw = plot_w / bins
    bars = [{"x": left + i * bw + 1, "y": top + plot_h - plot_h * count / peak, "w": bw - 2,
             "h": plot_h * count / peak, "lo": maximum * i / bins, "hi": maximum * (i + 1) / bins,
             "count": count} for i, count in enumerate(counts)]
    axis = [{"x": left + plot_w * frac, "value": maximum * frac,
             "anchor": "start" if frac == 0 else ("end" if frac == 1 else "middle")} for frac in (0, 0.5, 1)]
    mean = None
    if values:
        avg = sum(values) / len(values)
        mean = {"x": left + plot_w * min(max(avg, 0.0), maximum) / maximum, "value": avg}
    return {"width": width, "height": height, "label": label, "cls": "chart hist", "left": left,
            "right": width - right, "top": top, "base": top + plot_h, "tick_y": top + plot_h + 14,
            "grid": grid, "bars": bars, "axis": axis, "mean": mean}


def category_bars(rows: Sequence[tuple[str, float, float]], label: str,
                  floor: float | None = None) -> dict[str, Any]:
    """Horizontal bars, one per (label, score, maximum); each track is its maximum."""
    label_w, bar_w, val_w, row_h, top = 150, 320, 120, 26, 6
    width = label_w + bar_w + val_w
    height = top * 2 + row_h * max(len(rows), 1) + (14 if floor else 0)
    bars = []
    for i, (name, score, maximum) in enumerate(rows):
        y = top + i * row_h
        ratio = score / maximum if maximum > 0 else 0.0
        bars.append({"y": y, "label": name, "short": _truncate(name, 11), "score": score, "max": maximum,
                     "ratio": ratio, "fill_w": bar_w * min(max(ratio, 0.0), 1.0),
                     "low": floor is not None and ratio + 1e-9 < floor})
    line = None
    if floor:
        line = {"x": label_w + bar_w * floor, "y2": top + row_h * len(rows), "ratio": floor}
    return {"width": width, "height": height, "label": label, "cls": "chart bars", "label_w": label_w,
            "bar_w": bar_w, "row_h": row_h, "top": top, "bars": bars, "floor": line}


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def stars_over_periods(periods: Sequence[str], records: Sequence[Mapping[str, Any]], max_stars: int,
                       label: str) -> dict[str, Any]:
    """One unit's stars over the file's periods (SPEC §8): awarded stars as a
    line (broken where the unit has no record), earned stars as dots where the
    history lowered them, vetoed periods marked. ``records`` carry ``period``,
    ``stars``, ``earned_stars`` and ``vetoed``."""
    step, left, top, bottom, right = 64, 30, 12, 30, 16
    top_stars = max([max_stars, 1] + [int(r["earned_stars"] or 0) for r in records])
    plot_h = 16 * top_stars
    height = top + plot_h + bottom
    width = left + max(len(periods), 1) * step + right
    x_of = {p: left + step / 2 + k * step for k, p in enumerate(periods)}

    def y(stars: float) -> float:
        return top + plot_h - plot_h * stars / top_stars
    lines: list[list[tuple[float, float]]] = []
    points, earned, vetoes = [], [], []
    prev_index = None
    index = {p: k for k, p in enumerate(periods)}
    for r in records:
        k = index.get(r["period"])
        if k is None:
            continue
        pt = (x_of[r["period"]], y(r["stars"]))
        if prev_index is None or k != prev_index + 1:
            lines.append([])
        lines[-1].append(pt)
        prev_index = k
        points.append({"x": pt[0], "y": pt[1], "title": f"{r['period']}: {r['stars']} ★"})
        if r.get("earned_stars") is not None and r["earned_stars"] != r["stars"] and not r.get("vetoed"):
            earned.append({"x": pt[0], "y": y(r["earned_stars"]), "title": f"{r['period']}: {r['earned_stars']} ★"})
        if r.get("vetoed"):
            vetoes.append({"x": pt[0], "y": pt[1]})
    grid = [{"y": y(s), "tick": s} for s in range(0, top_stars + 1)]
    return {"width": width, "height": height, "label": label, "cls": "chart history", "left": left,
            "right": width - right, "base": y(0), "label_y": y(0) + 18, "grid": grid,
            "periods": [{"x": x_of[p], "label": p} for p in periods],
            "lines": [" ".join(f"{x:.1f},{yy:.1f}" for x, yy in line) for line in lines],
            "points": points, "earned": earned, "vetoes": vetoes}
