"""Slack mrkdwn and date tokens as the sandbox shows them: formatted, escaped, local time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from demo.mrkdwn import Viewer, render

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def viewer(lang="sv", tz=STOCKHOLM) -> Viewer:
    return Viewer(
        users={"U1": "Anna Andersson"},
        channels={"C1": "vvg-prioritering"},
        tz=tz,
        lang=lang,
        now=lambda: NOW,
    )


def test_bold_italic_strike_code_and_links():
    html = render(
        "*fet* _kursiv_ ~struken~ `kod` <https://vgregion.se/a?b=1&amp;c=2|länk>", viewer()
    )
    assert "<strong>fet</strong>" in html
    assert "<em>kursiv</em>" in html
    assert "<del>struken</del>" in html
    assert "<code>kod</code>" in html
    assert '<a href="https://vgregion.se/a?b=1&amp;c=2"' in html
    assert ">länk</a>" in html


def test_mentions_show_names_not_ids():
    html = render("Hej <@U1>, se <#C1> och <!here>", viewer())
    assert "@Anna Andersson" in html
    assert "#vvg-prioritering" in html and 'href="/c/C1"' in html
    assert "@here" in html
    assert "U1" not in html.replace("/c/C1", "")


def test_user_text_cannot_inject_html_or_ping():
    html = render("&lt;script&gt;alert(1)&lt;/script&gt; &lt;!channel&gt; &amp; <b>x</b>", viewer())
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;!channel&gt;" in html
    assert "&amp;" in html


def test_only_web_links_become_links():
    html = render("<javascript:alert(1)|klicka>", viewer())
    assert "href" not in html and "klicka" in html


def test_lists_quotes_and_code_blocks():
    html = render("• ett\n• två\n&gt; citat\n```*inte fet*```", viewer())
    assert "<ul><li>ett</li><li>två</li></ul>" in html
    assert "<blockquote>citat" in html
    assert "<pre>*inte fet*</pre>" in html


def test_date_token_in_the_viewers_time_zone_and_language():
    moment = int(datetime(2026, 12, 1, 7, 30, tzinfo=UTC).timestamp())  # 08:30 in Stockholm
    token = f"<!date^{moment}^{{date_num}} {{time}}|fallback>"
    assert str(render(token, viewer())) == "2026-12-01 08:30"
    london = viewer(lang="en", tz=ZoneInfo("Europe/London"))
    assert str(render(token, london)) == "2026-12-01 7:30\u202fAM"
    assert "december" in render(f"<!date^{moment}^{{date}}|x>", viewer())


def test_pretty_dates_and_broken_tokens():
    today = int(NOW.timestamp())
    assert str(render(f"<!date^{today}^{{date_pretty}}|x>", viewer())) == "i dag"
    assert str(render(f"<!date^{today}^{{date_pretty}}|x>", viewer("en"))) == "today"
    assert str(render("<!date^notanumber^{date}|reservtext>", viewer())) == "reservtext"
