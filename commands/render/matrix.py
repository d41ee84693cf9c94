"""The Eisenhower matrix (Appendix 1 of seed 004) of the needs in phase 2: a PNG and a text.

x is urgency (share of votes for bråttom), y importance (share for viktigt), so Gör nu is top
right, Planera top left, Delegera bottom right, Avvakta bottom left. Needs without a vote
result are listed apart, never placed.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass

from bot.i18n import Texts
from commands.render.kit import context, escape, line_sections, section, shorten
from commands.render.votes import choice_label, percent
from domain.phases import Quadrant
from domain.votes import CHOICES

MAX_BLOCKS = 45
LABELS_PER_POINT = 4
CORNERS = {  # quadrant -> (x, y, horizontal alignment, vertical alignment)
    Quadrant.DO_NOW: (0.98, 0.98, "right", "top"),
    Quadrant.PLAN: (0.02, 0.98, "left", "top"),
    Quadrant.DELEGATE: (0.98, 0.02, "right", "bottom"),
    Quadrant.WAIT: (0.02, 0.02, "left", "bottom"),
}
COLOURS = {
    Quadrant.DO_NOW: "#f8d7d3",
    Quadrant.PLAN: "#d6e6f5",
    Quadrant.DELEGATE: "#fbebc8",
    Quadrant.WAIT: "#e4e4e4",
}


@dataclass(frozen=True)
class Placed:
    """One need in phase 2 as the matrix sees it."""

    number: int
    title: str
    quadrant: str | None
    importance: float | None
    urgency: float | None
    voting: bool = False  # a vote is open right now

    @property
    def has_result(self) -> bool:
        return self.importance is not None and self.urgency is not None


def matrix_png(needs: list[Placed], tx: Texts) -> bytes:
    """The matrix as a PNG picture (Agg, no display needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 9), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for quadrant, (x, y) in {
        Quadrant.DO_NOW: (0.5, 0.5),
        Quadrant.PLAN: (0, 0.5),
        Quadrant.DELEGATE: (0.5, 0),
        Quadrant.WAIT: (0, 0),
    }.items():
        axes.add_patch(_rectangle(x, y, COLOURS[quadrant]))
        cx, cy, ha, va = CORNERS[quadrant]
        axes.text(
            cx,
            cy,
            choice_label(quadrant, tx).replace(" · ", "\n"),
            ha=ha,
            va=va,
            fontsize=13,
            fontweight="bold",
            color="#333333",
            zorder=1,
        )
    axes.axhline(0.5, color="#555555", linewidth=1)
    axes.axvline(0.5, color="#555555", linewidth=1)
    groups: dict[tuple[float, float], list[int]] = defaultdict(list)
    for need in needs:
        if need.has_result:
            groups[(round(need.urgency, 3), round(need.importance, 3))].append(need.number)
    for (x, y), numbers in sorted(groups.items()):
        axes.scatter([x], [y], s=60, color="#1d4f91", zorder=3)
        shown = ", ".join(f"#{n}" for n in sorted(numbers)[:LABELS_PER_POINT])
        if len(numbers) > LABELS_PER_POINT:
            shown += f" +{len(numbers) - LABELS_PER_POINT}"
        axes.annotate(
            shown, (x, y), xytext=(7, 5), textcoords="offset points", fontsize=11, zorder=4
        )
    ticks = [0, 0.25, 0.5, 0.75, 1]
    axes.set_xticks(ticks, [percent(t, tx) for t in ticks])
    axes.set_yticks(ticks, [percent(t, tx) for t in ticks])
    axes.set_xlim(-0.03, 1.03)
    axes.set_ylim(-0.03, 1.03)
    axes.set_xlabel(tx("matrix.axis.urgency"), fontsize=12)
    axes.set_ylabel(tx("matrix.axis.importance"), fontsize=12)
    axes.set_title(tx("matrix.title"), fontsize=15)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _rectangle(x: float, y: float, colour: str):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), 0.5, 0.5, facecolor=colour, edgecolor="none", zorder=0)


def matrix_text(needs: list[Placed], tx: Texts) -> tuple[str, list[dict]]:
    """The same matrix as text, grouped by quadrant; the rest listed apart."""
    if not needs:
        return tx("matrix.empty"), [section(tx("matrix.empty"))]
    groups: list[tuple[str, list[Placed]]] = [
        (f"*{choice_label(q, tx)}*", [n for n in needs if n.quadrant == q.value]) for q in CHOICES
    ]
    groups.append((f"*{tx('matrix.tie')}*", [n for n in needs if n.has_result and not n.quadrant]))
    groups.append((f"*{tx('matrix.no_result')}*", [n for n in needs if not n.has_result]))
    blocks = [section(tx.plural("matrix.intro", len(needs)))]
    for heading, members in groups:
        if not members:
            continue
        lines = [_line(n, tx) for n in sorted(members, key=lambda n: n.number)]
        blocks += line_sections(heading, lines)
    if len(blocks) > MAX_BLOCKS:
        blocks = blocks[:MAX_BLOCKS] + [context(tx("matrix.more"))]
    return tx.plural("matrix.fallback", len(needs)), blocks


def picture_comment(needs: list[Placed], tx: Texts) -> str:
    """How many of the needs the picture places (only those with a vote result)."""
    placed = sum(1 for n in needs if n.has_result)
    return tx.plural("matrix.comment", placed, total=len(needs))


def _line(need: Placed, tx: Texts) -> str:
    title = escape(shorten(need.title, 90))
    if need.has_result:
        shares = tx(
            "matrix.shares",
            importance=percent(need.importance, tx),
            urgency=percent(need.urgency, tx),
        )
        return f"• #{need.number} {title} ({shares})"
    if need.voting:
        return f"• #{need.number} {title} ({tx('matrix.voting')})"
    return f"• #{need.number} {title}"
