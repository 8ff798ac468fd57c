"""The brief's pictures as standalone SVG: bills by topic x stage, and a U.S. tile-grid map.

Both are plain SVG 1.1 with explicit fonts and sizes so WeasyPrint (PDF), cairosvg (PNG for
DOCX) and mail clients draw them the same. Every label is XML-escaped even though the
labels are ours: the map and chart must never carry markup from scraped text.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

# Stage colours run from pale (early) to dark (enacted); terminal stages are warm.
STAGE_COLORS = {
    "introduced": "#c6dbef",
    "in_committee": "#9ecae1",
    "passed_origin": "#6baed6",
    "passed_second": "#4292c6",
    "to_executive": "#2171b5",
    "enacted": "#08306b",
    "vetoed": "#e6550d",
    "failed": "#a63603",
    "withdrawn": "#969696",
}
STAGE_LABELS = {
    "introduced": "Introduced",
    "in_committee": "In committee",
    "passed_origin": "Passed one chamber",
    "passed_second": "Passed both chambers",
    "to_executive": "To governor/president",
    "enacted": "Enacted",
    "vetoed": "Vetoed",
    "failed": "Failed",
    "withdrawn": "Withdrawn",
}

# NPR-style tile grid (row, column) for the 50 states and DC; PR sits off the coast and
# the federal "US" tile stands apart at the top so Congress is visible next to the states.
TILES: dict[str, tuple[int, int]] = {
    "AK": (0, 0), "ME": (0, 10),
    "VT": (1, 9), "NH": (1, 10),
    "WA": (2, 0), "ID": (2, 1), "MT": (2, 2), "ND": (2, 3), "MN": (2, 4), "IL": (2, 5),
    "WI": (2, 6), "MI": (2, 7), "NY": (2, 8), "RI": (2, 9), "MA": (2, 10),
    "OR": (3, 0), "NV": (3, 1), "WY": (3, 2), "SD": (3, 3), "IA": (3, 4), "IN": (3, 5),
    "OH": (3, 6), "PA": (3, 7), "NJ": (3, 8), "CT": (3, 9),
    "CA": (4, 0), "UT": (4, 1), "CO": (4, 2), "NE": (4, 3), "MO": (4, 4), "KY": (4, 5),
    "WV": (4, 6), "VA": (4, 7), "MD": (4, 8), "DE": (4, 9),
    "AZ": (5, 1), "NM": (5, 2), "KS": (5, 3), "AR": (5, 4), "TN": (5, 5), "NC": (5, 6),
    "SC": (5, 7), "DC": (5, 8),
    "OK": (6, 3), "LA": (6, 4), "MS": (6, 5), "AL": (6, 6), "GA": (6, 7),
    "HI": (7, 0), "TX": (7, 3), "FL": (7, 8), "PR": (7, 10),
    "US": (0, 3),
}  # fmt: skip

# The brief's own family first: one typeface across body, footer and charts in the PDF.
_FONT = "font-family='Arial, Helvetica, DejaVu Sans, sans-serif'"


def _text(
    x: float, y: float, text: str, size: int = 11, anchor: str = "start", **attrs: str
) -> str:
    extra = "".join(f" {k.replace('_', '-')}='{escape(v)}'" for k, v in attrs.items())
    return (
        f"<text x='{x:.1f}' y='{y:.1f}' font-size='{size}' {_FONT} "
        f"text-anchor='{anchor}'{extra}>{escape(text)}</text>"
    )


def topic_stage_svg(
    counts: dict[str, dict[str, int]], topic_labels: dict[str, str], stages: tuple[str, ...]
) -> str:
    """A horizontal stacked bar per topic: how many tracked bills sit at each stage."""
    topics = list(topic_labels)
    width, label_w, bar_w, row_h = 640, 170, 400, 26
    top = 34
    legend_rows = (len(stages) + 2) // 3
    height = top + max(1, len(topics)) * row_h + 24 + legend_rows * 18 + 10
    biggest = max((sum(counts.get(t, {}).values()) for t in topics), default=0) or 1
    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img' aria-label='Tracked bills by topic and stage'>",
        f"<rect width='{width}' height='{height}' fill='#ffffff'/>",
        _text(0, 18, "Tracked bills by topic and stage", 14, font_weight="bold"),
    ]
    for i, topic in enumerate(topics):
        y = top + i * row_h
        row = counts.get(topic, {})
        out.append(_text(label_w - 8, y + 15, topic_labels[topic], 11, "end"))
        x = float(label_w)
        for stage in stages:
            n = row.get(stage, 0)
            if not n:
                continue
            w = bar_w * n / biggest
            out.append(
                f"<rect x='{x:.1f}' y='{y + 3}' width='{w:.1f}' height='{row_h - 8}' "
                f"fill='{STAGE_COLORS.get(stage, '#cccccc')}'>"
                f"<title>{escape(f'{topic_labels[topic]}: {n} {STAGE_LABELS.get(stage, stage)}')}"
                "</title></rect>"
            )
            x += w
        out.append(_text(x + 6, y + 15, str(sum(row.values())), 11))
    if not topics:
        out.append(_text(label_w, top + 15, "No tracked bills", 11))
    ly = top + max(1, len(topics)) * row_h + 16
    for j, stage in enumerate(stages):
        lx = (j % 3) * 210
        yy = ly + (j // 3) * 18
        out.append(
            f"<rect x='{lx}' y='{yy - 9}' width='11' height='11' "
            f"fill='{STAGE_COLORS.get(stage, '#cccccc')}'/>"
        )
        out.append(_text(lx + 16, yy, STAGE_LABELS.get(stage, stage), 10))
    out.append("</svg>")
    return "".join(out)


def _shade(n: int, biggest: int) -> str:
    if n <= 0:
        return "#eeeeee"
    # Five steps from light to dark green; a step per fifth of the busiest state's count.
    steps = ("#c7e9c0", "#a1d99b", "#74c476", "#31a354", "#006d2c")
    return steps[min(4, (n * 5 - 1) // max(1, biggest))]


def state_tile_svg(
    activity: dict[str, int],
    title: str = "Bill activity by state",
    note: str = "Number = actions on tracked bills in the period; US = Congress.",
) -> str:
    """A tile-grid map: one square per state (plus DC, PR and US), darker for more activity."""
    size, gap, top = 46, 4, 30
    cols = 1 + max(c for _, c in TILES.values())
    rows = 1 + max(r for r, _ in TILES.values())
    width = cols * (size + gap)
    height = top + rows * (size + gap) + 24
    biggest = max(activity.values(), default=0)
    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img' aria-label='{escape(title)}'>",
        f"<rect width='{width}' height='{height}' fill='#ffffff'/>",
        _text(0, 18, title, 14, font_weight="bold"),
    ]
    for abbr, (r, c) in TILES.items():
        n = activity.get(abbr, 0)
        x, y = c * (size + gap), top + r * (size + gap)
        fill = _shade(n, biggest)
        ink = "#ffffff" if n and biggest and (n * 5 - 1) // max(1, biggest) >= 3 else "#222222"
        stroke = " stroke='#333333' stroke-width='2'" if abbr == "US" else ""
        out.append(
            f"<rect x='{x}' y='{y}' width='{size}' height='{size}' rx='3' fill='{fill}'{stroke}>"
            f"<title>{escape(f'{abbr}: {n}')}</title></rect>"
        )
        out.append(_text(x + size / 2, y + 20, abbr, 12, "middle", fill=ink, font_weight="bold"))
        if n:
            out.append(_text(x + size / 2, y + 36, str(n), 11, "middle", fill=ink))
    out.append(_text(0, height - 6, note, 10))
    out.append("</svg>")
    return "".join(out)
