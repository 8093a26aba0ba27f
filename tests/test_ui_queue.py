"""The queue at volume, through the pages (TestClient on SQLite and PostgreSQL): the rule filter
is a select of the live policy's rule names, rows show their age against the service-level
target and overdue items can be listed alone, and a decision goes on to the next item of the
same filtered queue (claim-next keeps the filters)."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from clearance.policy.loader import load_policy
from clearance.review import access, audit, items
from clearance.service.app import create_app
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.models import Asset, AssetVersion
from clearance.storage.review_models import Review, ReviewItem
from ui_world import PASSWORD, UIWorld, build, csrf_of, screening_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def plain_result(item: str, rule: str, label: str, text: str) -> dict[str, Any]:
    """A copy screening that queues for review without any ``minor.*`` finding (one person
    decides it)."""
    finding = {"label": label, "score": 0.6, "detector": "constructed",
               "detector_version": "test",
               "evidence": {"kind": "text_span", "start": 0, "end": len(text), "text": text,
                            "sentence": 0}}
    return {"item": item, "kind": "text", "decision": "review", "policy": "default@test",
            "findings": [finding],
            "rules": [{"rule": rule, "outcome": "review", "description": "constructed",
                       "findings": [{"source": "this", **finding}]}]}


def add_copy_item(world: UIWorld, locale: str, text: str, *, rule: str = "teen-sexualised-copy",
                  label: str = "suggestive.text", kind: str = "synopsis") -> int:
    """One more queued copy item (submitted by ``sub`` for the studio), on a channel of its
    own."""
    blobs = LocalBlobStore(world.settings.resolved_blob_dir)
    with session_scope(world.engine) as s:
        channel = f"partner-{s.scalar(select(func.count(Asset.id)))}"
        asset = Asset(title_id="t-light", kind=kind, locale=locale, channel=channel)
        s.add(asset)
        s.flush()
        data = text.encode()
        version = AssetVersion(asset_id=asset.id, number=1, content_sha256=blobs.put(data),
                               content_type="text/plain; charset=utf-8", size_bytes=len(data),
                               created_by="sub")
        s.add(version)
        s.flush()
        sub = access.actor_for(access.get_user(s, "sub"), "session")
        item, _ = items.submit(s, sub, version,
                               screening_of(s, version, plain_result(kind, rule, label, text)),
                               team_id="studio")
        return item.id


def set_age(world: UIWorld, item_id: int, hours: float) -> None:
    with session_scope(world.engine) as s:
        s.execute(update(ReviewItem).where(ReviewItem.id == item_id).values(
            created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours)))


@pytest.fixture
def world(tmp_path: Path, database_url: str) -> Iterator[UIWorld]:
    w = build(tmp_path / "world", database_url=database_url)
    yield w
    with Session(w.engine) as s:
        assert audit.verify(s).ok
    w.engine.dispose()


@pytest.fixture
def client(world: UIWorld) -> Iterator[TestClient]:
    with TestClient(create_app(world.settings, engine=world.engine,
                               webhook_worker=False)) as c:
        yield c


def login(client: TestClient, username: str) -> str:
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    resp = client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf": token, "next": "/"}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    return csrf_of(client.get("/settings").text)


def row_ids(html: str) -> list[int]:
    return [int(m) for m in re.findall(r'<tr data-href="/items/(\d+)"', html)]


def test_rule_filter_is_a_select_of_the_policy_rules(client: TestClient,
                                                     world: UIWorld) -> None:
    login(client, "rev")
    page = client.get("/queue").text
    assert 'id="f-rule" type="text"' not in page
    select = page[page.index('<select id="f-rule"'):]
    select = select[:select.index("</select>")]
    names = [r.name for r in load_policy(None).rules]
    for name in names:
        assert f'<option value="{name}"' in select, name
    assert '<option value="minor.apparent"' in select  # the labels, in their own group
    only = client.get("/queue", params={"rule": "apparent_minor"}).text
    assert row_ids(only) == [world.image_item]
    assert '<option value="apparent_minor" selected>' in only  # an older policy's rule kept
    labelled = client.get("/queue", params={"rule": "minor.mentioned"}).text
    assert row_ids(labelled) == [world.text_item]
    assert '<option value="minor.mentioned" selected>' in labelled


def test_rows_show_age_against_the_target_and_overdue_filters(client: TestClient,
                                                              world: UIWorld) -> None:
    fresh = add_copy_item(world, "fr", "Un été au phare.")
    set_age(world, world.image_item, 30.5)  # review: 24 h target -> overdue by 6 h
    set_age(world, world.text_item, 19.5)  # 19.5 of 24 h -> due soon, in 4 h
    login(client, "rev")
    page = client.get("/queue").text
    cells = dict(re.findall(r'<tr data-href="/items/(\d+)">.*?<td class="nowrap sla (\w+)"',
                            page, flags=re.S))
    assert cells == {str(world.image_item): "overdue", str(world.text_item): "due_soon",
                     str(fresh): "ok"}
    assert "overdue by 6 h" in page and "due in 4 h" in page and "due in 23 h" in page
    assert row_ids(client.get("/queue", params={"overdue": "1"}).text) == [world.image_item]
    # a tighter target for screening "review" makes both overdue
    world.settings.review_target_hours["review"] = 10.0
    overdue = client.get("/queue", params={"overdue": "1"}).text
    assert sorted(row_ids(overdue)) == sorted([world.image_item, world.text_item])


def _location(resp: Any) -> tuple[str, dict[str, list[str]]]:
    assert resp.status_code == 303, resp.text
    parts = urlsplit(resp.headers["location"])
    return parts.path, parse_qs(parts.query)


def test_a_decision_goes_on_to_the_next_item_of_the_filtered_queue(
        client: TestClient, world: UIWorld) -> None:
    fr_one = add_copy_item(world, "fr", "Un été au phare, premier.")
    fr_two = add_copy_item(world, "fr", "Un été au phare, second.")
    set_age(world, fr_one, 2)  # the older of the two French items comes first
    add_copy_item(world, "de", "Ein Sommer am Leuchtturm.")
    token = login(client, "rev")
    path, query = _location(client.post("/queue/claim-next", data={
        "csrf": token, "locale": "fr"}, follow_redirects=False))
    assert path == f"/items/{fr_one}" and query == {"q": ["locale=fr"]}
    page = client.get(f"/items/{fr_one}", params={"q": "locale=fr"}).text
    assert 'name="q" value="locale=fr"' in page and 'id="then-next"' in page
    assert 'href="/queue?locale=fr"' in page
    path, query = _location(client.post(f"/items/{fr_one}/decision", data={
        "csrf": token, "outcome": "reject", "then": "next", "q": "locale=fr"},
        follow_redirects=False))
    assert path == f"/items/{fr_two}" and query == {"q": ["locale=fr"]}
    with Session(world.engine) as s:
        assert s.get_one(ReviewItem, fr_one).state == "rejected"
        second = s.get_one(ReviewItem, fr_two)
        assert second.state == "claimed" and second.claimed_by is not None
    # the last French item: decided, and the queue says nothing is left with that filter
    path, query = _location(client.post(f"/items/{fr_two}/decision", data={
        "csrf": token, "outcome": "approve", "then": "next", "q": "locale=fr"},
        follow_redirects=False))
    assert path == "/queue" and query == {"locale": ["fr"], "after": [str(fr_two)]}
    done = client.get("/queue", params={"locale": "fr", "after": fr_two}).text
    assert f"Item {fr_two} is recorded" in done
    with Session(world.engine) as s:
        assert s.get_one(ReviewItem, fr_two).state == "approved"
    # without "then next" the page stays on the item
    token = login(client, "senior")
    client.post(f"/items/{world.text_item}/claim", data={"csrf": token})
    path, _ = _location(client.post(f"/items/{world.text_item}/decision", data={
        "csrf": token, "outcome": "reject"}, follow_redirects=False))
    assert path == f"/items/{world.text_item}"


def test_a_refused_decision_does_not_claim_the_next_item(client: TestClient,
                                                         world: UIWorld) -> None:
    other = add_copy_item(world, "fr", "Un été au phare.")
    token = login(client, "rev")
    client.post(f"/items/{world.image_item}/claim", data={"csrf": token})
    resp = client.post(f"/items/{world.image_item}/decision", data={
        "csrf": token, "outcome": "request_changes", "then": "next"}, follow_redirects=False)
    assert resp.status_code == 422
    with Session(world.engine) as s:
        assert s.get_one(ReviewItem, other).state == "queued"
        assert s.get_one(ReviewItem, world.image_item).state == "claimed"


@pytest.mark.parametrize("targets", [{"block": 0}, {"review": -1}, {"review": float("inf")},
                                     {"pass": 4}])
def test_service_level_targets_are_checked(targets: dict[str, float]) -> None:
    from clearance.errors import ConfigurationError
    from clearance.settings import get_settings

    with pytest.raises(ConfigurationError, match="CLEARANCE_REVIEW_TARGET_HOURS"):
        get_settings(review_target_hours=targets)


def test_bulk_decision_from_the_queue_page(client: TestClient, world: UIWorld) -> None:
    plain = [add_copy_item(world, "fr", f"Un été au phare, {n}.") for n in range(3)]
    token = login(client, "rev")
    page = client.get("/queue").text
    boxes = {int(i) for i in re.findall(r'name="item" value="(\d+)" form="bulk-form"', page)}
    assert boxes == {*plain, world.image_item, world.text_item}
    resp = client.post("/queue/bulk-decision", data={
        "csrf": token, "item": [str(plain[0]), str(plain[1]), str(world.image_item)],
        "outcome": "reject", "reason": "off-brief", "q": "locale=fr"})
    assert resp.status_code == 200, resp.text
    results = dict(re.findall(r'data-item="(\d+)" data-result="(\w+)"', resp.text))
    assert results == {str(plain[0]): "decided", str(plain[1]): "decided",
                       str(world.image_item): "first_review"}
    assert 'href="/queue?locale=fr"' in resp.text
    with Session(world.engine) as s:
        assert [s.get_one(ReviewItem, i).state for i in plain] == ["rejected", "rejected",
                                                                   "queued"]
    # the image item now awaits a senior: no box for anyone; the senior decides it on its page
    token = login(client, "senior")
    page = client.get("/queue").text
    assert f'name="item" value="{world.image_item}"' not in page
    resp = client.post("/queue/bulk-decision", data={
        "csrf": token, "item": [str(world.image_item)], "outcome": "reject"})
    assert 'data-result="skipped"' in resp.text and "second review" in resp.text
    # CSRF, role and input checks
    assert client.post("/queue/bulk-decision", data={
        "item": [str(plain[2])], "outcome": "reject"}).status_code == 403
    assert client.post("/queue/bulk-decision", data={
        "csrf": token, "item": ["x"], "outcome": "reject"}).status_code == 422
    assert client.post("/queue/bulk-decision", data={
        "csrf": token, "outcome": "reject"}).status_code == 422
    token = login(client, "sub")
    assert client.post("/queue/bulk-decision", data={
        "csrf": token, "item": [str(plain[2])], "outcome": "reject"}).status_code == 403
    with Session(world.engine) as s:
        assert s.get_one(ReviewItem, plain[2]).state == "queued"


def test_escalate_assign_and_reason_codes_on_the_item_page(client: TestClient,
                                                           world: UIWorld) -> None:
    plain = add_copy_item(world, "fr", "Un été au phare.")
    other = add_copy_item(world, "fr", "Un autre été.")
    token = login(client, "rev")
    client.post(f"/items/{plain}/claim", data={"csrf": token})
    page = client.get(f"/items/{plain}").text
    assert 'id="escalate-form"' in page and 'id="assign-form"' not in page
    assert '<option value="rating-mismatch">' in page  # the reason codes, by outcome
    resp = client.post(f"/items/{plain}/escalate", data={
        "csrf": token, "reason": "Is this a costume?", "q": "locale=fr"},
        follow_redirects=False)
    assert resp.headers["location"] == f"/queue?locale=fr&escalated={plain}"
    queue_page = client.get("/queue", params={"locale": "fr", "escalated": plain}).text
    assert f"Item {plain} is escalated" in queue_page
    row = queue_page[queue_page.index(f'<tr data-href="/items/{plain}"'):]
    row = row[:row.index("</tr>")]
    assert "escalated" in row and 'name="item"' not in row  # no bulk box below senior
    assert client.post(f"/items/{plain}/claim", data={"csrf": token}).status_code == 409
    # the senior sees why, assigns the other item to rev, and decides with a reason code
    token = login(client, "senior")
    page = client.get(f"/items/{plain}").text
    assert "Escalated to the senior reviewers</strong> by rev" in page
    assert "Is this a costume?" in page
    client.post(f"/items/{other}/assign", data={"csrf": token, "username": "rev"})
    assert "Assigned to <strong>rev</strong>" in client.get(f"/items/{other}").text
    client.post(f"/items/{plain}/claim", data={"csrf": token})
    resp = client.post(f"/items/{plain}/decision", data={
        "csrf": token, "outcome": "reject", "reason_code": "rating-mismatch"},
        follow_redirects=False)
    assert resp.status_code == 303
    reviews = client.get(f"/items/{plain}").text
    reviews = reviews[reviews.index('id="reviews"'):]
    reviews = reviews[:reviews.index("</table>")]
    assert ('<span class="tag reason-code" title="rating-mismatch">Not suitable for the '
            "title&#39;s rating or audience</span>") in reviews  # the code, shown by its label
    taken = client.post(f"/items/{other}/claim", data={"csrf": token})
    assert taken.status_code == 200  # a senior may take an item assigned to another
    resp = client.post(f"/items/{other}/decision", data={
        "csrf": token, "outcome": "reject", "reason": "keep this", "reason_code": "adult-cast"})
    assert resp.status_code == 422 and "keep this" in resp.text  # typed text kept
    assert 'value="adult-cast" selected' in resp.text
    with Session(world.engine) as s:
        codes = [r.reason_code for r in s.scalars(select(Review).where(Review.item_id == plain))]
        assert codes == ["rating-mismatch"]
    # a reviewer cannot assign
    token = login(client, "rev")
    assert client.post(f"/items/{other}/assign", data={
        "csrf": token, "username": "rev"}).status_code == 403


def test_saved_filters_and_routes_pages(client: TestClient, world: UIWorld) -> None:
    fr_item = add_copy_item(world, "fr", "Un été au phare.")
    token = login(client, "rev")
    resp = client.post("/queue/filters", data={"csrf": token, "name": "French desk",
                                               "q": "locale=fr&offset=50", "shared": "1"},
                       follow_redirects=False)
    assert resp.headers["location"] == "/queue?locale=fr"
    page = client.get("/queue").text
    assert '<a href="/queue?locale=fr"' in page and ">French desk</a>" in page
    assert 'id="route-form"' not in client.get("/queue/routes").text
    assert client.post("/queue/routes", data={"csrf": token, "team": "studio",
                                              "locales": "fr"}).status_code == 403
    token = login(client, "admin")
    routes = client.get("/queue/routes").text
    assert 'id="route-form"' in routes and "No routes" in routes
    assert ">French desk</a>" in client.get("/queue").text  # shared with every reviewer
    resp = client.post("/queue/routes", data={
        "csrf": token, "team": "studio", "locales": "fr, fr-CA",
        "rules": ["minor.apparent", "teen-sexualised-copy"], "decisions": ["review"],
        "note": "French copy"}, follow_redirects=False)
    assert resp.status_code == 303
    routes = client.get("/queue/routes").text
    assert "locale fr, fr-CA; rule or label minor.apparent, teen-sexualised-copy; " \
           "screening review" in routes
    # rev has no team: the French item is the studio's now
    token = login(client, "rev")
    assert client.post(f"/items/{fr_item}/claim", data={"csrf": token}).status_code == 409
    page = client.get("/queue", params={"routed": "studio"}).text
    assert row_ids(page) == [fr_item] and "team studio" in page
    assert "Routed to team <strong>studio</strong>" in client.get(f"/items/{fr_item}").text
    token = login(client, "admin")
    route_id = re.search(r'data-route="(\d+)"', client.get("/queue/routes").text)
    assert route_id is not None
    client.post(f"/queue/routes/{route_id.group(1)}/delete", data={"csrf": token})
    assert "No routes" in client.get("/queue/routes").text
    saved = re.search(r'action="/queue/filters/(\d+)/delete"', client.get("/queue").text)
    assert saved is not None  # an admin may delete a filter someone shared
    client.post(f"/queue/filters/{saved.group(1)}/delete", data={"csrf": token})
    assert "French desk" not in client.get("/queue").text
