"""A retried event or a replayed request acts once, across processes sharing the database."""

from __future__ import annotations

from datetime import timedelta

from storage.db import Database
from storage.requests import first_time, forget_before


def test_a_key_is_new_once_even_for_a_second_process(db, clock):
    other_process = Database.from_url(str(db.engine.url.render_as_string(hide_password=False)))
    with db.session(write=True) as s:
        assert first_time(s, key="event:Ev1", now=clock())
    with other_process.session(write=True) as s:
        assert not first_time(s, key="event:Ev1", now=clock())
        assert first_time(s, key="event:Ev2", now=clock())
    other_process.engine.dispose()


def test_old_keys_are_forgotten(db, clock):
    with db.session(write=True) as s:
        first_time(s, key="sig:old", now=clock())
    clock.advance(hours=3)
    with db.session(write=True) as s:
        first_time(s, key="sig:new", now=clock())
        assert forget_before(s, before=clock() - timedelta(hours=2)) == 1
    with db.session(write=True) as s:
        assert first_time(s, key="sig:old", now=clock())
        assert not first_time(s, key="sig:new", now=clock())
