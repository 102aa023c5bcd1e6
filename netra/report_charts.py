"""The report's charts: matplotlib figures rendered to inline SVG strings, offline and deterministic.

No pyplot (no global state, no GUI backend): each chart is a `Figure` on the Agg canvas,
saved with `format="svg"`. Text is drawn as paths from matplotlib's bundled DejaVu Sans,
so the page looks the same on a machine without that font and loads nothing. The XML
prolog, the DOCTYPE and the RDF metadata (which name w3.org / purl.org URLs) are dropped,
element ids are prefixed per chart (several SVGs share one HTML document), and the fixed
pt size becomes `width="100%"` with the viewBox kept, so a chart scales with the page.
"""
from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

#: Colours: one hue per meaning, readable in greyscale print too.
BLUE, GREEN, GREY, RED = "#1f5fa8", "#2e7d4f", "#8a8f98", "#b3261e"
ELECTION_COLOURS = ("#1f5fa8", "#c26a00", "#6b3fa0", "#2e7d4f")
TEXT = "#1f2328"
_RC: Any = {  # Any: matplotlib types rc keys as a Literal of every rcParam
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.edgecolor": "#c9cdd3",
    "axes.labelcolor": TEXT,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
#: SVG metadata matplotlib would write (Creator, Date, Format, Type: all removed).
_NO_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _svg(fig, chart_id: str, title: str) -> str:
    """The figure as an inline <svg> element: no prolog, ids unique to `chart_id`, scalable, titled."""
    import matplotlib as mpl

    buffer = io.StringIO()
    with mpl.rc_context({"svg.hashsalt": chart_id, "svg.fonttype": "path"}):
        fig.savefig(buffer, format="svg", metadata=_NO_METADATA)
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    ids = set(re.findall(r'\bid="([^"]+)"', text))
    for old in sorted(ids, key=len, reverse=True):
        new = f"{chart_id}-{old}"
        text = text.replace(f'id="{old}"', f'id="{new}"').replace(f"#{old}\"", f"#{new}\"").replace(
            f"#{old})", f"#{new})")
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"',
                  lambda m: f'<svg{m[1]} width="100%" role="img" aria-labelledby="{chart_id}-title"', text, count=1)
    from html import escape

    return text.replace(">", f'><title id="{chart_id}-title">{escape(title)}</title>', 1)


#: Indonesian month abbreviations for the time axis (a January tick shows the year instead).
MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


def _month_tick(x: float, _pos=None) -> str:
    from matplotlib.dates import num2date

    day = num2date(x)
    return str(day.year) if day.month == 1 else MONTHS[day.month - 1]


def _percent_label(value: float) -> str:
    """0.875 -> `87,5 %`, as the tables print it."""
    return f"{value * 100:.1f}".replace(".", ",") + " %"


def _percent_axis(axis) -> None:
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))


def trend_chart(series: Mapping[str, Sequence[tuple[date, float]]], chart_id: str = "trend") -> str:
    """One line per election: the share of recommendations sanctioned at each month end (0..100 %)."""
    fig = trend_figure(series)
    return "" if fig is None else _svg(fig, chart_id, "Share of recommendations sanctioned over time")


def trend_figure(series: Mapping[str, Sequence[tuple[date, float]]]):
    """The figure of `trend_chart`, or None with fewer than two points per line."""
    import matplotlib as mpl
    from matplotlib.dates import AutoDateLocator
    from matplotlib.ticker import FuncFormatter

    drawn = {name: pts for name, pts in series.items() if len(pts) >= 2}
    if not drawn:
        return None
    with mpl.rc_context(_RC):
        fig = _figure(10.0, 3.6)
        ax = fig.add_subplot()
        for i, (name, pts) in enumerate(drawn.items()):
            days, rates = zip(*pts)
            colour = ELECTION_COLOURS[i % len(ELECTION_COLOURS)]
            ax.plot(days, rates, color=colour, linewidth=2, label=name)
            ax.annotate(_percent_label(rates[-1]), (days[-1], rates[-1]), xytext=(4, 0), textcoords="offset points",
                        va="center", color=colour, fontsize=9)
        ax.set_ylim(0, 1.02)
        _percent_axis(ax.yaxis)
        locator = AutoDateLocator(minticks=4, maxticks=10)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(FuncFormatter(_month_tick))
        ax.grid(axis="y", color="#e6e8eb", linewidth=0.8)
        ax.set_ylabel("Dijatuhi sanksi (% dari rekomendasi)")
        ax.set_xlabel("Akhir bulan (month end)")
        if len(drawn) > 1:
            ax.legend(frameon=False, loc="lower right")
        return fig


def bar_chart(rows: Sequence[tuple[str, str, float | None]], *, chart_id: str, title: str, xlabel: str,
              percent: bool = False, colour: str = GREEN, reference: tuple[str, float] | None = None) -> str:
    """Horizontal bars, first row on top: (name, code, value). The code is printed small under its name;
    a None value (suppressed) is drawn as no bar with an en dash. `reference` adds a labelled vertical line.
    """
    fig = bar_figure(rows, xlabel=xlabel, percent=percent, colour=colour, reference=reference)
    return "" if fig is None else _svg(fig, chart_id, title)


def bar_figure(rows: Sequence[tuple[str, str, float | None]], *, xlabel: str, percent: bool = False,
               colour: str = GREEN, reference: tuple[str, float] | None = None):
    """The figure of `bar_chart`, or None without rows."""
    import matplotlib as mpl
    from matplotlib.transforms import blended_transform_factory

    if not rows:
        return None
    with mpl.rc_context(_RC):
        height = 0.8 + 0.36 * len(rows)
        fig = _figure(10.0, height)
        ax = fig.add_subplot()
        values = [v if v is not None else 0 for _, _, v in rows]
        positions = list(range(len(rows)))[::-1]
        ax.barh(positions, values, color=colour, height=0.62)
        top = max(values) if values and max(values) > 0 else 1
        ax.set_xlim(0, 1.09 if percent else top * 1.12)
        ax.set_ylim(-0.6, len(rows) - 0.4)
        if percent:
            _percent_axis(ax.xaxis)
            ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
        else:  # 1.200 as the tables print it
            from matplotlib.ticker import FuncFormatter

            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:,.0f}".replace(",", ".")))
        ax.set_yticks(positions, labels=[""] * len(rows))
        ax.tick_params(axis="y", length=0)
        labels = blended_transform_factory(ax.transAxes, ax.transData)
        for y, (name, code, value) in zip(positions, rows):
            ax.text(-0.015, y + 0.02, name, transform=labels, ha="right", va="bottom", fontsize=9, color=TEXT)
            if code and code != name:
                ax.text(-0.015, y - 0.02, code, transform=labels, ha="right", va="top", fontsize=7,
                        color="#5c636e")
            shown = "–" if value is None else (_percent_label(value) if percent else f"{value:,.0f}".replace(",", "."))
            ax.annotate(shown, (value or 0, y), xytext=(3, 0), textcoords="offset points", va="center",
                        fontsize=9, color=TEXT, zorder=4,
                        bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"})
        if reference is not None:
            name, x = reference
            ax.axvline(x, color=RED, linewidth=1, linestyle="--", zorder=3)
            ax.annotate(name, (x, len(rows) - 0.45), xytext=(3, 0), textcoords="offset points", color=RED,
                        fontsize=8.5, va="top")
        ax.grid(axis="x", color="#e6e8eb", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.set_xlabel(xlabel)
        return fig
