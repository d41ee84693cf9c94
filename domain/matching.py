"""Fuzzy matching of needs by title and description, held in memory for speed."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

TITLE_MATCH_MIN = 60.0
SIMILAR_MIN = 72.0


@dataclass(frozen=True)
class Match:
    need_id: int
    score: float


def _prepare(text: str) -> str:
    return utils.default_process(text)


def best_titles(query: str, titles: dict[int, str], limit: int = 5) -> list[Match]:
    """Needs whose title resembles the query, best first."""
    query = _prepare(query)
    if not query:
        return []
    found = process.extract(
        query, titles, scorer=fuzz.WRatio, processor=None, limit=limit, score_cutoff=TITLE_MATCH_MIN
    )
    return [Match(need_id, score) for _, score, need_id in found]


def clear_winner(matches: list[Match]) -> Match | None:
    """One match that stands out: a near-exact hit, or far ahead of the next."""
    if not matches:
        return None
    top = matches[0]
    if len(matches) == 1 and top.score >= 80:
        return top
    if top.score >= 95 and (len(matches) == 1 or matches[1].score < top.score - 5):
        return top
    if len(matches) > 1 and top.score - matches[1].score >= 15:
        return top
    return None


def similar_needs(
    title: str, description: str, titles: dict[int, str], texts: dict[int, str], limit: int = 5
) -> list[Match]:
    """Needs that look like the draft: by title, or by title and description together."""
    by_title = process.extract(
        _prepare(title), titles, scorer=fuzz.token_set_ratio, processor=None, limit=limit * 2
    )
    scores: dict[int, float] = {}
    combined = _prepare(f"{title} {description}")
    for _, title_score, need_id in by_title:
        text_score = fuzz.token_set_ratio(combined, texts.get(need_id, ""))
        scores[need_id] = max(title_score * 0.9, (title_score + text_score) / 2)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    return [Match(i, s) for i, s in ranked if s >= SIMILAR_MIN][:limit]
