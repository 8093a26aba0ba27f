"""The API's queue page and item detail read as rows (:mod:`clearance.service.item_rows`) answer
exactly what the ORM views answer (:mod:`clearance.service.views`), for every kind of caller, on
SQLite and PostgreSQL: items of two teams on one title, a version history with rounds, a
two-person round, reviewers' and submitters' comments, a cast with ages, a depicted person, a
quarantined version and an asset without versions."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter
from sqlalchemy import Select, Subquery, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors

from api_world import BENIGN, RISKY, World, world
from clearance.errors import NotFound
from clearance.review import access, queue
from clearance.review.filters import QueueFilter, conditions
from clearance.review.items import QUEUE_ORDER, not_quarantined, utcnow
from clearance.service import answers, item_rows, views
from clearance.service.models_public import ItemDetail, ItemPublic, UtcTime
from clearance.storage.models import Asset, AssetVersion, Person, VersionPerson
from clearance.storage.quarantine_models import QuarantineHold
from clearance.storage.review_models import ReviewItem

CALLERS = ("alice", "bob", "rita", "ravi", "sam", "ada")


@pytest.fixture
def w(tmp_path: Path, database_url: str) -> Iterator[World]:
    with world(tmp_path, database_url) as built:
        yield built


def _ok(r: Any) -> dict[str, Any]:
    assert r.status_code in (200, 201), r.text
    body: dict[str, Any] = r.json()
    return body


def _actor(s: Session, name: str) -> access.Actor:
    return access.actor_for(access.get_user(s, name), "token", 1)


def _busy_title(w: World) -> list[int]:
    """Items of every kind on title t1 (and one on t2); their ids."""
    ids = [w.queued_item("alice"), w.queued_item("alice", kind="tagline"),
           _ok(w.upload_text("alice", BENIGN, kind="synopsis", locale="fr"))["id"],
           w.queued_item("bob", kind="synopsis", locale="de"),
           w.queued_item("alice", title="t2")]
    # a second version of the first asset: a new item (its own round 1)
    ids.append(w.queued_item("alice", text=RISKY + " Version two."))
    # a two-person round, decided: first review, then a concurring senior
    first = ids[0]
    assert _ok(w.call("POST", f"/api/items/{first}/claim", "rita"))["id"] == first
    _ok(w.call("POST", f"/api/items/{first}/decision", "rita",
               json={"outcome": "reject", "reason": "framing", "comment": "Please reword."}))
    _ok(w.call("POST", f"/api/items/{first}/claim", "sam"))
    _ok(w.call("POST", f"/api/items/{first}/decision", "sam", json={"outcome": "reject"}))
    _ok(w.call("POST", f"/api/items/{first}/comments", "alice", json={"body": "Rewritten."}))
    # a claim held, a first review awaiting its senior
    _ok(w.call("POST", f"/api/items/{ids[1]}/claim", "ravi"))
    _ok(w.call("POST", f"/api/items/{ids[3]}/claim", "rita"))
    _ok(w.call("POST", f"/api/items/{ids[3]}/decision", "rita", json={"outcome": "approve"}))
    with Session(w.engine) as s:
        item = s.get(ReviewItem, ids[5])
        assert item is not None
        version = s.get(AssetVersion, item.version_id)
        assert version is not None
        person = Person(name="Robin Tide, depicted", date_of_birth=dt.date(2009, 1, 2))
        s.add(person)
        s.flush()
        s.add(VersionPerson(version_id=version.id, person_id=person.id))
        # a quarantined version (its item is shown to nobody in review)
        held = s.get(ReviewItem, ids[2])
        assert held is not None
        s.add(QuarantineHold(version_id=held.version_id, item_id=held.id, labels=["test"],
                             sha256="0" * 64, size_bytes=1, content_type="text/plain"))
        s.add(Asset(title_id="t1", kind="key_art", locale="en", channel="web"))  # no version
        s.commit()
    return ids


def test_item_detail_is_the_views_answer_for_every_caller(w: World) -> None:
    ids = _busy_title(w)
    with Session(w.engine) as s:
        every = list(s.scalars(select(ReviewItem.id).order_by(ReviewItem.id)))
        assert set(ids) <= set(every)
        compared = 0
        for name in CALLERS:
            actor = _actor(s, name)
            for item_id in every:
                try:
                    want = views.item_detail(s, actor, queue.get_item(s, actor, item_id))
                except NotFound:
                    with pytest.raises(NotFound):
                        item_rows.item_detail(s, actor, item_id)
                    continue
                got = item_rows.item_detail(s, actor, item_id)
                assert got == want.model_dump(mode="json"), (name, item_id)
                # the JSON the route sends as it is is what its response model gives
                assert ItemDetail.model_validate(got).model_dump(mode="json") == got
                assert json.loads(answers.encode(got)) == got
                compared += 1
                s.expire_all()
    assert compared >= 20
    # the answers compared hold what the title context is for
    detail = w.call("GET", f"/api/items/{ids[5]}", "rita").json()
    assert detail["context"]["version"]["depicted"] == ["Robin Tide, depicted"]
    assert [h["number"] for h in detail["context"]["history"]] == [1, 2]
    assert detail["context"]["cast"][0]["name"] == "Robin Tide"
    assert any(a["kind"] == "key_art" and a["version_id"] is None
               for a in detail["context"]["other_assets"])
    seen = w.call("GET", f"/api/items/{ids[0]}", "alice").json()
    assert [c["author"] for c in seen["comments"]] == [None, "alice"]
    assert all(r["reviewer"] is None for r in seen["reviews"])


@pytest.mark.parametrize("flt", [QueueFilter(), QueueFilter(state="all"),
                                 QueueFilter(state="claimed"), QueueFilter(locale="de"),
                                 QueueFilter(title_id="t2", state="all")])
def test_queue_page_is_the_views_answer(w: World, flt: QueueFilter) -> None:
    _busy_title(w)
    with Session(w.engine) as s:
        for name in ("rita", "sam", "ada"):
            actor = _actor(s, name)
            for limit, offset in ((50, 0), (2, 1)):
                want = views.item_list(s, actor, queue.list_queue(s, actor, flt, limit=limit,
                                                                  offset=offset))
                query = item_rows.page_query([*conditions(flt, utcnow()), not_quarantined()],
                                             QUEUE_ORDER)
                got = item_rows.item_page(s, actor, query, limit=limit, offset=offset)
                assert got == [i.model_dump(mode="json") for i in want], \
                    (name, flt, limit, offset)
                assert [ItemPublic.model_validate(i).model_dump(mode="json")
                        for i in got] == got
                assert json.loads(answers.encode(got)) == got
    page = w.call("GET", "/api/items", "rita", params={"state": "all"}).json()["items"]
    assert len(page) == 5  # six items, one quarantined
    awaiting = [i for i in page if i["awaiting_senior"]]
    assert [(i["state"], i["needs_two"]) for i in awaiting] == [("queued", True)]


@pytest.mark.parametrize("at", [dt.datetime(2026, 12, 6, 21, 40, 58, 123456),
                                dt.datetime(2026, 12, 6, 21, 40, 58),
                                dt.datetime(2026, 12, 6, 21, 40, 58, 5, tzinfo=dt.UTC),
                                dt.datetime(2026, 12, 6, 22, 40, tzinfo=dt.timezone(
                                    dt.timedelta(hours=1)))])
def test_timestamps_are_written_as_the_models_write_them(at: dt.datetime) -> None:
    """Naive (SQLite), UTC and other offsets (PostgreSQL in another time zone) all come out in
    UTC with ``+00:00``, as :data:`~clearance.service.models_public.UtcTime` writes them."""
    expected = TypeAdapter(UtcTime).dump_python(at, mode="json")
    assert answers.iso_utc(at) == expected
    assert expected.endswith("+00:00")


def test_detail_statement_is_one_object_per_kind_of_caller() -> None:
    """Every reviewer gets the same statement object (a copy of the same shape per caller made
    SQLAlchemy adapt its cached result columns on every execution); submitters, who see only
    their team's items, one of their own."""
    def actor(user_id: int, role: str, team: str | None) -> access.Actor:
        return access.Actor(user_id, f"u{user_id}", role, team, "token")

    rita, ravi = actor(1, "reviewer", None), actor(2, "senior_reviewer", "studio")
    alice, bob = actor(3, "submitter", "studio"), actor(4, "submitter", "other")
    assert item_rows._detail_query(rita) is item_rows._detail_query(ravi)
    assert item_rows._detail_query(alice) is item_rows._detail_query(alice)
    assert item_rows._detail_query(alice) is not item_rows._detail_query(bob)
    assert item_rows._detail_query(alice) is not item_rows._detail_query(rita)


def test_queue_page_is_chosen_before_the_joins() -> None:
    """The page's limit and the conditions apply to the items alone, in a subquery; only its
    rows meet the five tables a listed item shows (with the limit outside the joins,
    PostgreSQL joined every open item before keeping fifty: 5.6 ms a page at ~1,500 open
    items under ``bench/bench_load.py``, 1.5 ms this way)."""
    query = item_rows.page_query([*conditions(QueueFilter(), utcnow()), not_quarantined()],
                                 QUEUE_ORDER)
    assert query._limit_clause is None and query._offset_clause is None
    pages = [e for e in visitors.iterate(query)
             if isinstance(e, Subquery) and e.name == "page"]
    assert len(pages) == 1
    inner = pages[0].element
    assert isinstance(inner, Select)
    assert {f.name for f in inner.get_final_froms()} == {"review_items"}
    assert inner._limit_clause is not None and inner._offset_clause is not None
    assert len(inner.whereclause.clauses) == 2  # the state and the quarantine
