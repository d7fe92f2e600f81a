"""The report's charts as PNG (matplotlib, Agg backend), where a picture reads better than the table: referrals per
month by outcome, lead times, life domains, ZRM change. Each on its own opaque neutral background with mid-tone
colours and dark text, so it reads the same in Element's light and dark theme; each with alt text (a message, in
the reader's language) that carries the figures the picture shows. Hidden counts are not drawn: a month's hidden
part is a hatched grey block (its size follows from the shown total and shown parts), a hidden bar is absent and
labelled "<10" or "x"."""
from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from typing import Any

from commands.report_tables import LEAD_TIMES, OUTCOMES
from commands.report_view import Labels, Shown
from core.messages import Msg
from core.vocabulary import LIFE_DOMAINS

BACKGROUND = "#e9ecef"  # neither white nor black: the picture keeps its edge in both themes
INK = "#212529"
GRID = "#adb5bd"
# Mid tones, readable on the light background; one per outcome of a referral.
COLOURS = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#9d7bb0")
HIDDEN_FILL = "#adb5bd"
DPI = 110


@dataclass(frozen=True)
class Chart:
    filename: str
    png: bytes
    alt: Msg
    width: int
    height: int


def _pyplot() -> Any:
    """matplotlib only when a chart is drawn (the bot starts without it), and never a display backend."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    pyplot.rcParams.update({"font.family": "DejaVu Sans", "font.size": 9, "text.color": INK, "axes.labelcolor": INK,
                            "xtick.color": INK, "ytick.color": INK, "axes.edgecolor": GRID,
                            "svg.hashsalt": "zvh", "axes.titleweight": "bold"})
    return pyplot


def _figure(pyplot: Any, title: str, size: tuple[float, float]) -> tuple[Any, Any]:
    fig, ax = pyplot.subplots(figsize=size, dpi=DPI)
    fig.patch.set_facecolor(BACKGROUND)
    ax.set_facecolor(BACKGROUND)
    fig.suptitle(textwrap.fill(title, 70), x=0.01, ha="left", fontweight="bold")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


def _chart(pyplot: Any, fig: Any, filename: str, alt: Msg) -> Chart:
    fig.tight_layout()
    data = io.BytesIO()
    fig.savefig(data, format="png", facecolor=BACKGROUND, metadata={"Software": None})
    width, height = (int(v) for v in fig.get_size_inches() * DPI)
    pyplot.close(fig)
    return Chart(filename, data.getvalue(), alt, width, height)


def _rows(ax: Any, names: list[str], axis: str) -> None:
    """A chart of horizontal rows: their names top to bottom, the values' axis and a light grid."""
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(len(names) - 0.4, -0.6)  # top to bottom, with room for a row that has only its label
    ax.set_xlabel(axis)
    ax.xaxis.grid(True, color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)


def charts(shown: Shown, labels: Labels, period: dict[str, Any]) -> list[Chart]:
    pyplot = _pyplot()
    return [_months(pyplot, shown, labels, period), _lead_times(pyplot, shown, labels, period),
            _domains(pyplot, shown, labels, period), _zrm(pyplot, shown, labels, period)]


def _months(pyplot: Any, shown: Shown, labels: Labels, period: dict[str, Any]) -> Chart:
    figures = shown.figures
    months = figures.months
    fig, ax = _figure(pyplot, labels.text("report.chart.months"), (max(6.0, 0.28 * len(months) + 3), 3.8))
    bottoms = [0.0] * len(months)
    rows: list[dict[str, Any]] = []
    hidden_label = labels.text("report.chart.hidden")
    for i, outcome in enumerate(OUTCOMES):
        heights = [shown.number(f"referrals.month.{m}:{outcome}") or 0 for m in months]
        ax.bar(range(len(months)), heights, bottom=bottoms, color=COLOURS[i], label=labels.category(
            "referrals.outcome", outcome), width=0.8)
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    for x, month in enumerate(months):
        total = shown.number(f"referrals.month:{month}")
        if total is not None and total > bottoms[x]:
            ax.bar(x, total - bottoms[x], bottom=bottoms[x], color=HIDDEN_FILL, hatch="///", edgecolor=INK,
                   linewidth=0, width=0.8, label=hidden_label)
        ax.annotate(str(shown.cell(f"referrals.month:{month}")), (x, total if total is not None else 0),
                    ha="center", va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")
        rows.append({"month": month, "total": shown.cell(f"referrals.month:{month}"),
                     "outcomes": [(o, shown.cell(f"referrals.month.{month}:{o}")) for o in OUTCOMES]})
    ax.set_xticks(range(len(months)), [labels.month(m) for m in months], rotation=45 if len(months) > 6 else 0,
                  ha="right" if len(months) > 6 else "center")
    ax.set_ylim(0, max([shown.threshold, *(shown.number(f"referrals.month:{m}") or 0 for m in months)]) * 1.15)
    ax.set_ylabel(labels.text("report.chart.referrals"))
    ax.yaxis.grid(True, color=GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    handles, names = ax.get_legend_handles_labels()
    unique = dict(zip(names, handles, strict=True))  # the hidden block once, however many months have one
    ax.legend(unique.values(), unique.keys(), fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    return _chart(pyplot, fig, "meldingen-per-maand.png", Msg.of("report.alt.months", period=period, rows=rows,
                                                         small=shown.small))


def _lead_times(pyplot: Any, shown: Shown, labels: Labels, period: dict[str, Any]) -> Chart:
    fig, ax = _figure(pyplot, labels.text("report.chart.lead"), (7.0, 3.2))
    names = list(LEAD_TIMES)
    rows: list[dict[str, Any]] = []
    for y, name in enumerate(names):
        stats = shown.lead(name)
        count = shown.cell(shown.figures.lead_times[name].count)
        rows.append({"name": name, "count": count, "median": stats[0] if stats else None,
                     "p90": stats[1] if stats else None})
        if stats is None:
            ax.annotate(labels.text("report.chart.too_few").format(small=shown.small), (0, y), va="center",
                        fontsize=8, xytext=(4, 0), textcoords="offset points")
            continue
        ax.barh(y, stats[1], color=COLOURS[0], alpha=0.45, height=0.6)
        ax.barh(y, stats[0], color=COLOURS[0], height=0.6)
        ax.annotate(labels.text("report.chart.lead_values").format(median=labels.number(stats[0]),
                                                                      p90=labels.number(stats[1])), (stats[1], y),
                    va="center", fontsize=8, xytext=(4, 0), textcoords="offset points")
    _rows(ax, [labels.text(f"report.lead.{n}") for n in names], labels.text("report.chart.days"))
    right = max([r["p90"] or 0 for r in rows] + [1])
    ax.set_xlim(0, right * 1.45)
    return _chart(pyplot, fig, "doorlooptijden.png", Msg.of("report.alt.lead", period=period, rows=rows))


def _domains(pyplot: Any, shown: Shown, labels: Labels, period: dict[str, Any]) -> Chart:
    fig, ax = _figure(pyplot, labels.text("report.chart.domains"), (7.0, 4.4))
    domains = list(LIFE_DOMAINS)
    rows: list[dict[str, Any]] = []
    for y, domain in enumerate(domains):
        cell = f"referrals.domain:{domain}"
        value = shown.number(cell)
        rows.append({"domain": domain, "value": shown.cell(cell)})
        if value is not None:
            ax.barh(y, value, color=COLOURS[2], height=0.65)
        ax.annotate(str(shown.cell(cell)), (value or 0, y), va="center", fontsize=7, xytext=(3, 0),
                    textcoords="offset points")
    _rows(ax, [labels.domain(d) for d in domains], labels.text("report.chart.referrals"))
    return _chart(pyplot, fig, "leefgebieden.png", Msg.of("report.alt.domains", period=period, rows=rows))


def _zrm(pyplot: Any, shown: Shown, labels: Labels, period: dict[str, Any]) -> Chart:
    fig, ax = _figure(pyplot, labels.text("report.chart.zrm"), (7.0, 4.4))
    domains = list(LIFE_DOMAINS)
    rows: list[dict[str, Any]] = []
    labelled = False
    for y, domain in enumerate(domains):
        means = shown.zrm(domain)
        rows.append({"domain": domain, "count": shown.cell(f"zrm.{domain}"),
                     "first": means[0] if means else None, "last": means[1] if means else None})
        if means is None:
            ax.annotate(str(shown.cell(f"zrm.{domain}")), (1, y), va="center", fontsize=7, xytext=(3, 0),
                        textcoords="offset points", color="#495057")
            continue
        ax.plot(means, (y, y), color=GRID, linewidth=2, zorder=1)
        ax.scatter([means[0]], [y], color=COLOURS[1], zorder=2,
                   label=None if labelled else labels.text("report.chart.first"))
        ax.scatter([means[1]], [y], color=COLOURS[0], zorder=2,
                   label=None if labelled else labels.text("report.chart.last"))
        labelled = True
    _rows(ax, [labels.domain(d) for d in domains], labels.text("report.chart.zrm_scale"))
    ax.set_xlim(0.8, 5.2)
    ax.set_xticks([1, 2, 3, 4, 5])
    if labelled:
        ax.legend(fontsize=7, frameon=False, loc="lower right")
    return _chart(pyplot, fig, "zrm-verandering.png", Msg.of("report.alt.zrm", period=period, rows=rows,
                                                             small=shown.small))
