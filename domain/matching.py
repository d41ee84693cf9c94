"""Fuzzy matching of needs by title and description, held in memory for speed."""

from __future__ import annotations

import sys
import unicodedata
from array import array
from bisect import bisect_left, insort
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process, utils

TITLE_MATCH_MIN = 60.0
SIMILAR_MIN = 72.0


@dataclass(frozen=True)
class Match:
    need_id: int
    score: float


def _prepare(text: str) -> str:
    return utils.default_process(text)


@dataclass(frozen=True)
class Choices:
    """Texts to match and their need numbers, in one order: a snapshot, so a lookup reads
    one consistent state while the index takes in changes."""

    keys: list[int]
    texts: list[str]

    @classmethod
    def of(cls, mapping: Mapping[int, str]) -> Choices:
        return cls(list(mapping), list(mapping.values()))


def best(
    query: str, choices: Choices, scorer: Callable, limit: int, cutoff: float = 0.0
) -> list[tuple[int, float]]:
    """The `limit` best (number, score), best first and ties in the choices' order: what
    `process.extract` gives. Scored by `process.cdist`, which lets other threads run while it
    works; `extract` holds the GIL throughout, so every request of the process (every ack)
    waited for each lookup: 15 ms at 10,000 needs, 150 ms at 100,000."""
    if not choices.keys or limit <= 0:
        return []
    scores = process.cdist([query], choices.texts, scorer=scorer, processor=None,
                           score_cutoff=cutoff, dtype=np.float64, workers=1)[0]  # fmt: skip
    floor = np.partition(scores, -limit)[-limit] if len(scores) > limit else scores.min()
    picked = np.flatnonzero(scores >= max(floor, cutoff))
    ranked = picked[np.lexsort((picked, -scores[picked]))][:limit]
    return [(choices.keys[i], float(scores[i])) for i in ranked]


def _choices(titles: Mapping[int, str] | Choices) -> Choices:
    return titles if isinstance(titles, Choices) else Choices.of(titles)


def best_titles(query: str, titles: Mapping[int, str] | Choices, limit: int = 5) -> list[Match]:
    """Needs whose title resembles the query, best first."""
    query = _prepare(query)
    if not query:
        return []
    found = best(query, _choices(titles), fuzz.WRatio, limit, TITLE_MATCH_MIN)
    return [Match(need_id, score) for need_id, score in found]


def clear_winner(
    matches: list[Match], query: str = "", titles: Mapping[int, str] | None = None
) -> Match | None:
    """One match that stands out: a near-exact hit, or far ahead of the next. Not ahead, though,
    of another title that holds every word of the query too (WRatio scores a short query
    lower in a longer title: `vård` is 90 in *Beroendevård för unga vuxna*, 60 in *… i vård
    och omsorg*)."""
    if not matches:
        return None
    top = matches[0]
    if len(matches) == 1 and top.score >= 80:
        return top
    if top.score >= 95 and (len(matches) == 1 or matches[1].score < top.score - 5):
        return top
    if len(matches) > 1 and top.score - matches[1].score >= 15:
        words = query_words(query)
        others = [fold(titles[m.need_id]) for m in matches[1:] if titles and m.need_id in titles]
        if not words or not any(all(w in title for w in words) for title in others):
            return top
    return None


def similar_needs(
    title: str,
    description: str,
    titles: Mapping[int, str] | Choices,
    texts: Mapping[int, str],
    limit: int = 5,
) -> list[Match]:
    """Needs that look like the draft: by title, or by title and description together."""
    by_title = best(_prepare(title), _choices(titles), fuzz.token_set_ratio, limit * 2)
    scores: dict[int, float] = {}
    combined = _prepare(f"{title} {description}")
    for need_id, title_score in by_title:
        text_score = fuzz.token_set_ratio(combined, texts.get(need_id, ""))
        scores[need_id] = max(title_score * 0.9, (title_score + text_score) / 2)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    return [Match(i, s) for i, s in ranked if s >= SIMILAR_MIN][:limit]


# ---------------------------------------------------------------- search by words

# Words too common to narrow a search (folded, as in `fold`); dropped unless nothing else is left.
STOP_WORDS = frozenset(
    ("och", "i", "att", "det", "som", "en", "pa", "ar", "av", "for", "med", "till", "den")
    + ("har", "de", "inte", "om", "ett", "vi", "kan", "men", "sa", "the", "of", "and", "to")
    + ("in", "a", "an", "on", "with", "is")
)
FUZZY_WORD_MIN = 80.0


def fold(text: str) -> str:
    """Lower case, no punctuation, no accents: `Vårdplanering!` and `vardplanering` are equal."""
    decomposed = unicodedata.normalize("NFKD", _prepare(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words_of(text: str) -> frozenset[str]:
    return frozenset(fold(text).split())


def query_words(query: str) -> list[str]:
    """The words of a query that narrow it, in order, each once."""
    found = list(dict.fromkeys(fold(query).split()))
    narrowing = [w for w in found if w not in STOP_WORDS]
    return narrowing or found


def matching_words(token: str, vocabulary: list[str]) -> set[str]:
    """Words a query word finds: those it begins, sits inside (Swedish compounds) or nearly
    spells (one slip in five letters)."""
    found = {w for w in vocabulary if w.startswith(token) or (len(token) >= 4 and token in w)}
    if len(token) >= 5 and vocabulary:  # scored by cdist: other threads run meanwhile
        scores = process.cdist(
            [token], vocabulary, scorer=fuzz.ratio, processor=None,
            score_cutoff=FUZZY_WORD_MIN, dtype=np.float64, workers=1,
        )[0]  # fmt: skip
        found.update(vocabulary[i] for i in np.flatnonzero(scores >= FUZZY_WORD_MIN))
    return found


class WordIndex:
    """Which needs hold which words (title and whole description): search without the database.

    It holds every word of every need, so it is kept compact (100,000 needs fit in the 300 MB
    a process may use): each distinct word is one interned string, a need keeps its words in
    a tuple, and a word its needs in a sorted array of numbers rather than a set.
    """

    def __init__(self) -> None:
        self._needs_with: dict[str, array] = {}
        self._title_words: dict[int, tuple[str, ...]] = {}
        self._all_words: dict[int, tuple[str, ...]] = {}

    def put(self, need_id: int, title: str, description: str) -> None:
        self.remove(need_id)
        title_words = words_of(title)
        every = tuple(sys.intern(word) for word in title_words | words_of(description))
        self._title_words[need_id] = tuple(sys.intern(word) for word in title_words)
        self._all_words[need_id] = every
        for word in every:
            holders = self._needs_with.get(word)
            if holders is None:
                self._needs_with[word] = array("I", (need_id,))
            elif holders[-1] < need_id:  # the usual case: needs arrive in number order
                holders.append(need_id)
            else:
                insort(holders, need_id)

    def remove(self, need_id: int) -> None:
        for word in self._all_words.pop(need_id, ()):
            holders = self._needs_with.get(word)
            if holders is None:
                continue
            at = bisect_left(holders, need_id)
            if at < len(holders) and holders[at] == need_id:
                del holders[at]
            if not holders:
                del self._needs_with[word]
        self._title_words.pop(need_id, None)

    def __len__(self) -> int:
        return len(self._all_words)

    def containing_all(self, query: str) -> set[int]:
        """Needs in which every word of the query occurs inside a word of the title or the
        description, or is the need's number: the public page's plain, exact search."""
        found: set[int] | None = None
        vocabulary = list(self._needs_with)
        for token in dict.fromkeys(fold(query).split()):
            holders: set[int] = set()
            for word in vocabulary:
                if token in word:
                    holders.update(self._needs_with[word])
            if token.isdigit() and int(token) in self._all_words:
                holders.add(int(token))
            found = holders if found is None else found & holders
            if not found:
                return set()
        return found or set()

    def search(self, query: str) -> list[Match]:
        """Every need holding all words of the query (or, if none does, most of them).

        Best first: more query words found, then more of them in the title, then newer.
        """
        tokens = query_words(query)
        if not tokens:
            return []
        vocabulary = list(self._needs_with)
        hits: dict[int, list[int]] = {}  # need -> [words found, words found in the title]
        for token in tokens:
            words = matching_words(token, vocabulary)
            found: set[int] = set()
            for word in words:
                found.update(self._needs_with[word])
            for need_id in found:
                counts = hits.setdefault(need_id, [0, 0])
                counts[0] += 1
                if not words.isdisjoint(self._title_words[need_id]):
                    counts[1] += 1
        if not hits:
            return []
        best = max(counts[0] for counts in hits.values())
        wanted = len(tokens) if best == len(tokens) else max(1, best)
        ranked = sorted(
            ((need_id, counts) for need_id, counts in hits.items() if counts[0] >= wanted),
            key=lambda item: (-item[1][0], -item[1][1], -item[0]),
        )
        return [
            Match(need_id, 100.0 * (counts[0] + counts[1]) / (2 * len(tokens)))
            for need_id, counts in ranked
        ]
