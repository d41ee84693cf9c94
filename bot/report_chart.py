"""The annual report's chart as a PNG (matplotlib, no display needed)."""

from __future__ import annotations

import io

from bot.i18n import Texts
from domain.phases import Phase
from domain.report import STATUS_COLUMNS, AnnualReport

# Distinguishable in grey-scale and for colour-blind readers (Okabe–Ito).
COLOURS = ["#0072B2", "#009E73", "#E69F00", "#D55E00", "#999999"]


def report_chart_png(report: AnnualReport, tx: Texts) -> bytes:
    """Left: needs per phase at year end, stacked by outcome. Right: median days per phase."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 4.2), dpi=110)
    status, times = figure.subplots(1, 2)
    phases = [int(p) for p in Phase]
    names = [f"{p}" for p in phases]
    bottom = [0] * len(phases)
    for column, colour in zip(STATUS_COLUMNS, COLOURS, strict=True):
        values = [report.status[p][column] for p in phases]
        status.bar(names, values, bottom=bottom, color=colour,
                   label=tx(f"report.status.{column}"))  # fmt: skip
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    status.set_title(tx("report.chart.status"))
    status.set_xlabel(tx("report.col.phase"))
    status.yaxis.get_major_locator().set_params(integer=True)
    status.set_ylim(0, max(bottom + [1]) * 1.5)  # room for the legend above the bars
    status.legend(fontsize="small", loc="upper left", ncols=2)
    measured = [t for t in report.phase_times if t.phase != Phase.COMPLETED]
    times.bar([str(t.phase) for t in measured], [t.median_days or 0 for t in measured],
              color=COLOURS[0])  # fmt: skip
    for index, t in enumerate(measured):
        label = "–" if t.median_days is None else f"{t.median_days:g}"
        times.annotate(label, (index, t.median_days or 0), ha="center", va="bottom")
    times.set_title(tx("report.chart.median"))
    times.set_xlabel(tx("report.col.phase"))
    figure.suptitle(tx("report.chart.title", year=report.year))
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
