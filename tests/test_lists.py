"""`/behov lista` and `/behov sök` without Slack: the search, the pages, what each line shows."""

import json

import pytest

from bot.i18n import EN, SV
from commands import ids
from commands.render.lists import PAGE_SIZE, ListState, list_message, search_message
from domain.matching import WordIndex, fold, query_words
from fakeslack import check_blocks
from storage.listing import CLOSED, Page, Row, bucket_counts, needs_page, search_page
from storage.models import Need
from storage.title_index import TitleIndex
from tests.lists_support import NOW, add_needs
from tests.test_render import HOSTILE, all_text, need

# ---------------------------------------------------------------- the word search (pure)


def index_of(**texts) -> WordIndex:
    index = WordIndex()
    for key, (title, description) in texts.items():
        index.put(int(key[1:]), title, description)
    return index


def found(index: WordIndex, query: str) -> list[int]:
    return [m.need_id for m in index.search(query)]


def test_search_finds_words_anywhere_in_the_description():
    long_text = "Inledning. " * 300 + "Vi behöver trygghetslarm i hemtjänsten."
    index = index_of(n1=("Digitala hjälpmedel", long_text), n2=("Annat", "Inget här"))
    assert found(index, "trygghetslarm") == [1]


def test_needs_changed_out_of_order_and_removed_are_found_rightly():
    index = index_of(n3=("Fallprevention", "hemtjänst"), n1=("Munhälsa", "hemtjänst"))
    index.put(2, "Nutrition", "hemtjänst och boende")
    assert found(index, "hemtjänst") == [3, 2, 1]  # newest first
    index.put(1, "Munhälsa", "tandvård")  # changed: no longer about hemtjänst
    index.remove(3)
    assert found(index, "hemtjänst") == [2] and found(index, "tandvård") == [1]
    assert index.containing_all("hemtj") == {2} and len(index) == 2
    index.remove(2)
    assert found(index, "boende") == [] and index.containing_all("boende") == set()


def test_search_forgives_accents_typos_and_finds_parts_of_compounds():
    index = index_of(
        n1=("Samordnad vårdplanering", "Utskrivning från sjukhus"),
        n2=("Mobila team", "Närsjukvård för äldre"),
    )
    assert found(index, "vardplanering") == [1]  # typed without å
    assert found(index, "vårdplanring") == [1]  # a letter missing
    assert found(index, "planering") == [1]  # the end of a compound
    assert found(index, "sjukv") == [2]  # the start of a word
    assert fold("Vårdplanering!") == "vardplanering"


def test_every_word_must_match_when_some_need_has_them_all():
    index = index_of(
        n1=("Mobila team", "för barn"),
        n2=("Mobila team för äldre", "hemsjukvård"),
        n3=("Äldre", ""),
    )
    assert found(index, "mobila äldre") == [2]
    # no need has both words: the needs with one of them, title hits first, newest first
    assert found(index, "äldre barn") == [3, 2, 1]


def test_common_words_do_not_narrow_a_search():
    assert query_words("Vård och omsorg för äldre") == ["vard", "omsorg", "aldre"]
    assert query_words("och") == ["och"]
    assert query_words("  !!  ") == []
    assert found(index_of(n1=("a", "b")), "!!") == []


def test_title_matches_rank_before_description_matches():
    index = index_of(n1=("Annat", "om demens"), n2=("Demens", "annat"))
    assert found(index, "demens") == [2, 1]


def test_a_changed_need_is_found_by_its_new_words_only():
    index = index_of(n1=("Gammal titel", "gammal text"))
    index.put(1, "Ny titel", "ny text")
    assert found(index, "gammal") == [] and found(index, "ny") == [1]
    index.remove(1)
    assert found(index, "ny") == [] and len(index) == 0


# ---------------------------------------------------------------- storage (both databases)


def test_counts_per_phase_and_closed_come_from_one_group_by(db):
    add_needs(db, 3, phase=1)
    add_needs(db, 2, phase=2)
    add_needs(db, 1, phase=2, outcome="ej_prioriterat")
    add_needs(db, 1, phase=4)
    with db.session() as s:
        assert bucket_counts(s) == {1: 3, 2: 2, 3: 0, 4: 1, CLOSED: 1}


def test_500_needs_in_one_phase_every_one_on_exactly_one_page(db):
    wanted = set(add_needs(db, 500, phase=2))
    add_needs(db, 7, phase=1)
    add_needs(db, 4, phase=2, outcome="aterkallat")  # closed: not in phase 2's list
    seen: list[int] = []
    with db.session() as s:
        first = needs_page(s, bucket=2, page=0, size=PAGE_SIZE)
        assert first.total == 500 and first.pages == 25
        for number in range(first.pages):
            page = needs_page(s, bucket=2, page=number, size=PAGE_SIZE)
            assert page.number == number and len(page.rows) == PAGE_SIZE
            _, blocks = list_message(page, SV, bucket=2)
            assert len(blocks) <= 50 and check_blocks(blocks) == []
            seen += [n.id for n in page.needs]
        past_the_end = needs_page(s, bucket=2, page=99, size=PAGE_SIZE)
        everything = needs_page(s, bucket=None, page=0, size=PAGE_SIZE)
    assert len(seen) == len(set(seen)) == 500 and set(seen) == wanted
    assert seen == sorted(seen, reverse=True)  # newest first
    assert past_the_end.number == 24  # a stale button shows the last page
    assert everything.total == 511


def test_search_pages_reach_every_match_once(db):
    matching = set(add_needs(db, 45, title="Mobila team {i}", description="hemsjukvård"))
    add_needs(db, 10, title="Annat {i}", description="inget", submitted_by="UOTHER")
    titles = TitleIndex()
    seen: list[int] = []
    with db.session() as s:
        for number in range(3):
            page = search_page(s, titles=titles, query="hemsjukvard", page=number, size=PAGE_SIZE)
            assert page.total == 45 and page.pages == 3
            seen += [n.id for n in page.needs]
        empty = search_page(s, titles=titles, query="xyzzy", page=0, size=PAGE_SIZE)
    assert len(seen) == 45 and set(seen) == matching
    assert empty.total == 0 and empty.rows == [] and empty.pages == 1


def test_search_sees_a_need_changed_after_the_index_was_built(db):
    (need_id,) = add_needs(db, 1, title="Gammal", description="text")
    titles = TitleIndex()
    with db.session() as s:
        assert search_page(s, titles=titles, query="kompetens", page=0, size=5).total == 0
    with db.session(write=True) as s:
        stored = s.get(Need, need_id)
        stored.description = "Kompetensförsörjning i hemtjänsten"
        stored.updated_at = NOW.replace(hour=10)
        s.add(stored)
    with db.session() as s:
        page = search_page(s, titles=titles, query="kompetens", page=0, size=5)
    assert [n.id for n in page.needs] == [need_id]


# ---------------------------------------------------------------- the messages (pure)


def page_of(needs, total=None, number=0, size=PAGE_SIZE) -> Page:
    return Page(
        rows=[Row(n) for n in needs],
        total=len(needs) if total is None else total,
        number=number,
        size=size,
    )


def test_a_list_line_has_number_title_phase_and_a_details_button():
    _, blocks = list_message(page_of([need(id=7, title="Bättre SIP", phase=2)]), SV, bucket=2)
    row = blocks[1]
    assert row["text"]["text"] == (
        "*#7 · Bättre SIP* · Fas 2 av 4: Ställningstagande och prioritering"
    )
    assert row["accessory"]["action_id"] == ids.DETAILS and row["accessory"]["value"] == "7"
    assert row["accessory"]["text"]["text"] == "Visa"
    assert blocks[0]["text"]["text"] == (
        "*Fas 2 av 4: Ställningstagande och prioritering* · 1 behov"
    )


def test_a_closed_need_says_where_and_how_it_ended():
    _, blocks = list_message(
        page_of([need(id=3, phase=2, outcome="ej_prioriterat")]), SV, bucket=None
    )
    assert "Avslutat i fas 2: Ej prioriterat" in blocks[1]["text"]["text"]


def test_hostile_titles_are_escaped_in_lists_and_searches():
    page = page_of([need(title=HOSTILE)])
    for _, blocks in (
        list_message(page, SV, bucket=1),
        search_message(page, SV, query=HOSTILE),
        search_message(page_of([]), SV, query=HOSTILE),
    ):
        text = all_text(blocks)
        assert check_blocks(blocks) == []
        assert "<!channel>" not in text and "<@U123>" not in text and "<https" not in text
        assert "&lt;!channel&gt;" in text


def test_pager_buttons_carry_the_state_of_the_neighbouring_pages():
    needs = [need(id=i) for i in range(PAGE_SIZE)]
    _, blocks = list_message(page_of(needs, total=100, number=2), SV, bucket=3)
    assert blocks[-2]["elements"][0]["text"] == "Sida 3 av 5"
    prev, nxt = blocks[-1]["elements"]
    assert prev["action_id"] == "list_page:prev" and nxt["action_id"] == "list_page:next"
    assert ListState.decode(prev["value"]) == ListState(bucket=3, page=1)
    assert ListState.decode(nxt["value"]) == ListState(bucket=3, page=3)
    assert check_blocks(blocks) == []
    assert len(blocks) == PAGE_SIZE + 3


def test_first_and_last_pages_have_one_button_and_a_single_page_none():
    needs = [need(id=i) for i in range(3)]
    _, first = list_message(page_of(needs, total=50, number=0), SV, bucket=None)
    _, last = list_message(page_of(needs, total=50, number=2), SV, bucket=None)
    _, single = list_message(page_of(needs), SV, bucket=None)
    assert [e["action_id"] for e in first[-1]["elements"]] == ["list_page:next"]
    assert [e["action_id"] for e in last[-1]["elements"]] == ["list_page:prev"]
    assert single[-1]["type"] == "context"


def test_a_search_keeps_its_query_in_the_buttons_and_in_english():
    query = "mobila team " + "x" * 500
    needs = [need(id=i) for i in range(PAGE_SIZE)]
    _, blocks = search_message(page_of(needs, total=40), EN, query=query)
    state = ListState.decode(blocks[-1]["elements"][0]["value"])
    assert state.query == query[:200] and state.page == 1
    assert len(blocks[-1]["elements"][0]["value"]) < 2000 and check_blocks(blocks) == []
    assert blocks[0]["text"]["text"].startswith("*Search: “mobila team")


@pytest.mark.parametrize(
    "value",
    ["", "nonsense", "[]", '{"f": 9}', '{"f": true}', '{"q": 5}', '{"n": "x"}', "null"],
)
def test_crafted_list_states_are_refused(value):
    assert ListState.decode(value) is None


def test_empty_lists_say_so():
    _, blocks = list_message(page_of([]), SV, bucket=3)
    assert "Inga behov är i fasen *Genomförande* just nu." in all_text(blocks)
    _, blocks = list_message(page_of([]), SV, bucket=None)
    assert "/behov ny" in all_text(blocks)
    assert json.loads(ListState(query="å").encode()) == {"n": 0, "q": "å"}


# ---------------------------------------------------------------- answers to the subcommands


class Services:
    def __init__(self, db):
        self.db, self.titles = db, TitleIndex()


@pytest.mark.parametrize("argument", ["7", "abc", "0", "1 2", "<!channel>"])
def test_a_bad_phase_gets_a_short_answer_with_the_help_line(db, argument):
    from commands.lists import answer_list

    text, blocks = answer_list(Services(db), SV, argument)
    shown = all_text(blocks)
    assert "är ingen fas" in text and "Skriv en siffra 1–4" in text
    assert "`/behov lista [1-4]`" in shown and "<!channel>" not in shown


def test_an_empty_search_gets_the_usage_and_the_help_line(db):
    from commands.lists import answer_search

    text, blocks = answer_search(Services(db), SV, "   ")
    assert text.startswith("Skriv vad du söker efter")
    assert "`/behov sök <text>`" in all_text(blocks)
