"""The charts of the year, drawn on the server with matplotlib as SVG in Noto Sans CJK SC.

Each chart is a self-contained SVG (the glyphs are paths, so the reader needs no Chinese font)
shown as an ``<img>`` with a ``data:`` address: the Content-Security-Policy allows images as
``data:`` and refuses inline scripts and styles, which an inline ``<svg>`` from matplotlib would
carry. The same bytes come out for the same figures (no date, a fixed id salt), so a published
report's stored HTML does not depend on the moment it was rendered.

matplotlib is imported inside ``_drawing`` (it takes about a second to load, and only the report
pages draw charts).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

FONT = "Noto Sans CJK SC"
COLORS = ("#1f4e79", "#c55a11", "#548235", "#7f6000")
WIDTH_IN, HEIGHT_IN = 5.2, 2.6  # shown about 400–650 px wide: the text stays readable
MONTHS = tuple(f"{m}月" for m in range(1, 13))
# The same figures draw the same chart: a preview shown again reuses it (about 0.1 s of CPU
# each). Arguments are tuples for that reason.
CACHED = 256


@dataclass(frozen=True)
class Chart:
    title: str
    svg: bytes
    alt: str  # the figures in words, for a screen reader and a failed image

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg).decode("ascii")


@contextmanager
def _drawing():
    """A figure and its axes, with the report's style in force while the chart is drawn and
    saved (matplotlib reads its settings when each piece is made)."""
    import matplotlib

    matplotlib.use("svg", force=False)
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    # A missing font would silently draw empty boxes: fail instead.
    font_manager.findfont(FONT, fallback_to_default=False)
    params = {
        "font.family": [FONT],
        "font.size": 10,
        "svg.fonttype": "path",
        "svg.hashsalt": "ogi-report",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.axisbelow": True,
        "axes.grid": True,
        "grid.color": "#dddddd",
        "grid.linewidth": 0.6,
    }
    with matplotlib.rc_context(params):
        figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), layout="constrained")
        yield figure, figure.add_subplot()


def _svg(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _integers(axis) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _label_bars(axes, bars, values: Sequence[int]) -> None:
    axes.bar_label(bars, labels=[str(v) for v in values], padding=2, fontsize=9)


def _words(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]) -> str:
    """The chart's figures as a sentence: "标题：新收1月3件，2月0件……；办结……"."""
    parts = [
        name + "，".join(f"{k}{v}件" for k, v in zip(labels, values, strict=True))
        for name, values in series
    ]
    return f"{title}：" + "；".join(parts) + "。"


@lru_cache(maxsize=CACHED)
def bar_chart(title: str, labels: Sequence[str], values: Sequence[int]) -> Chart:
    """Horizontal bars, first label on top, each bar with its figure."""
    with _drawing() as (figure, axes):
        bars = axes.barh(list(labels)[::-1], list(values)[::-1], color=COLORS[0], height=0.6)
        _integers(axes.xaxis)
        axes.grid(axis="y", visible=False)
        axes.set_xlim(0, max([*values, 1]) * 1.15)
        _label_bars(axes, bars, list(values)[::-1])
        svg = _svg(figure)
    return Chart(title, svg, _words(title, labels, [("", values)]))


@lru_cache(maxsize=CACHED)
def grouped_bar_chart(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]
) -> Chart:
    """Vertical bars, one colour per series, side by side for each label."""
    with _drawing() as (figure, axes):
        width = 0.8 / len(series)
        positions = list(range(len(labels)))
        for i, (name, values) in enumerate(series):
            offset = (i - (len(series) - 1) / 2) * width
            axes.bar(
                [p + offset for p in positions], values, width=width, label=name, color=COLORS[i]
            )
        axes.set_xticks(positions, list(labels))
        _integers(axes.yaxis)
        axes.grid(axis="x", visible=False)
        top = max([v for _name, values in series for v in values] + [1])
        axes.set_ylim(0, top * 1.2)
        axes.legend(frameon=False, ncols=len(series), loc="upper right")
        svg = _svg(figure)
    return Chart(title, svg, _words(title, labels, series))


@lru_cache(maxsize=CACHED)
def line_chart(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]
) -> Chart:
    """One line per series (its own marker and dash, so equal series stay visible), each point
    with its figure (once where several series have the same figure)."""
    styles = (("o", "-"), ("s", "--"), ("^", ":"))
    with _drawing() as (figure, axes):
        positions = list(range(len(labels)))
        labelled: set[tuple[int, int]] = set()
        for i, (name, values) in enumerate(series):
            marker, dash = styles[i % len(styles)]
            axes.plot(
                positions,
                values,
                marker=marker,
                linestyle=dash,
                label=name,
                color=COLORS[i],
                linewidth=1.6,
            )
            for x, y in zip(positions, values, strict=True):
                if (x, y) not in labelled:
                    labelled.add((x, y))
                    axes.annotate(
                        str(y),
                        (x, y),
                        textcoords="offset points",
                        xytext=(0, 6),
                        ha="center",
                        fontsize=9,
                    )
        axes.set_xticks(positions, list(labels))
        axes.set_xlim(-0.5, len(labels) - 0.5)
        _integers(axes.yaxis)
        top = max([v for _name, values in series for v in values] + [1])
        axes.set_ylim(0, top * 1.25)
        axes.legend(frameon=False, ncols=len(series), loc="upper left")
        svg = _svg(figure)
    return Chart(title, svg, _words(title, labels, series))
