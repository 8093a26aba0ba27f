"""The incident pages (TestClient, a real SQLite database): the monitor's backlash about The
Lighthouse opens an incident through the child-sexualisation rule; reviewers read the list and the
page (versions with blurred thumbnails and a link to their review item, charts, timeline, the
learning on request), submitters see nothing; a senior acts through the forms (a statement, a
state change, an owner), each refused to a reviewer; the alert's page points to its incident and
offers a senior to open one from an alert that has none (tested in Chromium)."""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.catalog.publication import was_withdrawn
from clearance.incidents import records
from clearance.service.app import create_app
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.incident_models import Incident, IncidentAction
from clearance.storage.models import Asset, AssetVersion, Title
from clearance.storage.monitor_models import MonitorAlert
from clearance.storage.review_models import ReviewItem
from test_ui import login
from test_ui_bank import thumbnail_of
from test_ui_monitor import add_monitor_data
from ui_world import UIWorld, build, clone

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def incident_world(folder: Path, **overrides: Any) -> tuple[UIWorld, int]:
    """The UI world with the monitor's backlash: the incident its alert opened, with the world's
    drawn key art linked by hand (so the page has a picture to blur)."""
    w = build(folder, **overrides)
    add_monitor_data(w.engine, LocalBlobStore(w.settings.resolved_blob_dir), folder)
    with session_scope(w.engine) as s:
        incident = s.scalars(select(Incident)).one()
        version_id = s.get_one(ReviewItem, w.image_item).version_id
        records.link_version(s, incident, version_id, by="user:senior")
        return w, incident.id


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[UIWorld, int]]:
    w, incident_id = incident_world(tmp_path_factory.mktemp("ui-incidents"))
    yield w, incident_id
    w.engine.dispose()


@pytest.fixture
def client(template: tuple[UIWorld, int], tmp_path: Path) -> Iterator[TestClient]:
    w = clone(template[0], tmp_path)
    with TestClient(create_app(w.settings, engine=w.engine, webhook_worker=False)) as c:
        yield c
    w.engine.dispose()


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_reviewers_read_incidents_and_submitters_do_not(client: TestClient,
                                                        template: tuple[UIWorld, int]) -> None:
    incident_id = template[1]
    login(client, "sub")
    assert client.get("/incidents").status_code == 403
    assert client.get(f"/incidents/{incident_id}").status_code == 403
    login(client, "rev")
    listed = client.get("/incidents")
    assert listed.status_code == 200 and f'href="/incidents/{incident_id}"' in listed.text
    page = client.get(f"/incidents/{incident_id}")
    assert page.status_code == 200
    assert page.text.count("<svg") >= 4 and "alert-mark" in page.text
    assert "opened by alert rule child-sexualisation" in page.text
    assert "key_art v1" in page.text and "(reveal there, audited)" in page.text
    assert 'id="incident-act"' not in page.text  # no forms for a reviewer
    thumb = re.search(r'src="(/incidents/\d+/versions/\d+/thumb)"', page.text)
    assert thumb is not None
    image = client.get(thumb.group(1))
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(image.content)) as im:
        assert max(im.size) <= 320 and im.mode == "L"  # small, greyscale: the blurred one
    assert client.get(f"/incidents/{incident_id}/versions/99999/thumb").status_code == 404
    learning = client.get(f"/incidents/{incident_id}?learning=1")
    assert learning.status_code == 200 and "Rules that acted" in learning.text
    refused = client.post(f"/incidents/{incident_id}/actions",
                          data={"csrf": _csrf(page.text), "kind": "escalation", "to": "legal",
                                "reason": "x"}, follow_redirects=False)
    assert refused.status_code == 403


def test_a_senior_acts_through_the_forms(client: TestClient,
                                         template: tuple[UIWorld, int]) -> None:
    incident_id = template[1]
    csrf = login(client, "senior")
    done = client.post(f"/incidents/{incident_id}/actions",
                       data={"csrf": csrf, "kind": "statement", "text": "We are sorry.",
                             "channel": "x"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    no_csrf = client.post(f"/incidents/{incident_id}/actions",
                          data={"kind": "statement", "text": "x", "channel": "x"},
                          follow_redirects=False)
    assert no_csrf.status_code == 403
    moved = client.post(f"/incidents/{incident_id}/state",
                        data={"csrf": csrf, "state": "monitoring", "reason": "watching"},
                        follow_redirects=False)
    assert moved.status_code == 303
    owner = client.post(f"/incidents/{incident_id}/owner", data={"csrf": csrf,
                                                                 "owner": "senior"},
                        follow_redirects=False)
    assert owner.status_code == 303
    page = client.get(f"/incidents/{incident_id}").text
    assert "“We are sorry.”" in page and 'id="incident-state">monitoring' in page
    assert "owner <strong>senior</strong>" in page
    bad = client.post(f"/incidents/{incident_id}/state",
                      data={"csrf": csrf, "state": "closed"}, follow_redirects=False)
    assert bad.status_code == 422 and "closing an incident needs a reason" in bad.text
    # the alert's page points to its incident
    with session_scope(client.app.state.clearance.engine) as s:  # type: ignore[attr-defined]
        alert_id = s.scalars(select(Incident.alert_id)).one()
    assert f'href="/incidents/{incident_id}"' in client.get(f"/monitor/alerts/{alert_id}").text


def test_a_senior_opens_an_incident_from_an_alert(client: TestClient,
                                                  template: tuple[UIWorld, int]) -> None:
    engine = client.app.state.clearance.engine  # type: ignore[attr-defined]
    with session_scope(engine) as s:
        first = s.get_one(MonitorAlert, s.scalars(select(Incident.alert_id)).one())
        alert = MonitorAlert(
            rule="manual", signal="volume", title_id=first.title_id, version_id=0, step=300,
            onset=first.onset, window_start=first.window_start, window_end=first.window_end,
            score=1.0, value=1.0, message="an alert no rule linked", themes={}, languages={},
            top_posts=[], live_versions=[], dedup_key="manual:1")
        s.add(alert)
        s.flush()
        alert_id = alert.id
    csrf = login(client, "senior")
    page = client.get(f"/monitor/alerts/{alert_id}").text
    assert 'id="open-from-alert"' in page
    opened = client.post("/incidents", data={"csrf": csrf, "alert_id": str(alert_id)},
                         follow_redirects=False)
    assert opened.status_code == 303
    new = client.get(opened.headers["location"]).text
    assert "from person" in new and f'href="/monitor/alerts/{alert_id}"' in new
    login(client, "rev")
    assert 'id="open-from-alert"' not in client.get(f"/monitor/alerts/{template[1]}").text


# -- withdraw everywhere: preview, then confirm --------------------------------------------

@pytest.fixture
def withdrawing(tmp_path: Path, database_url: str
                ) -> Iterator[tuple[TestClient, int, dict[str, int]]]:
    """The incident world on SQLite and PostgreSQL, with the linked key art's near-copies: a
    thumbnail cut from it (fr/partner), a copy of the same bytes (de/social) and the thumbnail
    again as another title's key art."""
    w, incident_id = incident_world(tmp_path / "world", database_url=database_url)
    blobs = LocalBlobStore(w.settings.resolved_blob_dir)
    ids: dict[str, int] = {}
    with session_scope(w.engine) as s:
        art = s.get_one(AssetVersion, s.get_one(ReviewItem, w.image_item).version_id)
        ids["art"] = art.id
        data = blobs.get(art.content_sha256)
        thumb = thumbnail_of(data)
        s.add(Title(id="t-other", original_title="Another Film", type="movie", rating="PG"))
        for key, title, kind, locale, channel, content, kind_of in (
                ("thumb", "t-light", "thumbnail", "fr", "partner", thumb, "image/jpeg"),
                ("copy", "t-light", "key_art", "de", "social", data, art.content_type),
                ("other", "t-other", "key_art", "en", "web", thumb, "image/jpeg")):
            asset = Asset(title_id=title, kind=kind, locale=locale, channel=channel)
            s.add(asset)
            s.flush()
            version = AssetVersion(asset_id=asset.id, number=1, content_sha256=blobs.put(content),
                                   content_type=kind_of, size_bytes=len(content),
                                   created_by="sub")
            s.add(version)
            s.flush()
            ids[key] = version.id
    with TestClient(create_app(w.settings, engine=w.engine, webhook_worker=False)) as c:
        yield c, incident_id, ids
    w.engine.dispose()


def _withdrawn(client: TestClient, *version_ids: int) -> list[bool]:
    engine = client.app.state.clearance.engine  # type: ignore[attr-defined]
    with Session(engine) as s:
        return [was_withdrawn(s, v) is not None for v in version_ids]


def test_incident_withdraw_everywhere_lists_then_confirms(
        withdrawing: tuple[TestClient, int, dict[str, int]]) -> None:
    client, incident_id, ids = withdrawing
    art, thumb, copy, other = ids["art"], ids["thumb"], ids["copy"], ids["other"]
    preview = f"/incidents/{incident_id}/withdraw"
    login(client, "rev")
    assert client.get(preview, params={"version_id": art}).status_code == 403
    csrf = login(client, "senior")
    page = client.get(f"/incidents/{incident_id}").text
    # the incident page asks for the version only: no form withdraws in one step any more
    form = page[page.index('id="incident-withdraw"'):]
    form = form[:form.index("</form>")]
    assert 'method="get"' in page[page.index('<form method="get" action="'
                                             f'/incidents/{incident_id}/withdraw"'):]
    assert 'name="version_id"' in form and 'name="reason"' not in form
    assert 'value="withdraw_everywhere"' not in page

    # the preview: the version and what else it takes down, where each lives; nothing changes
    shown = client.get(preview, params={"version_id": str(art)})
    assert shown.status_code == 200, shown.text
    assert f"For incident {incident_id}:" in shown.text
    # across locales, channels and titles: the other title's copy is listed (and taken down)
    for vid, where in ((thumb, "fr · partner"), (copy, "de · social"),
                       (other, "Another Film")):
        row = shown.text[shown.text.index(f'<tr data-version="{vid}"'):]
        assert where in row[:row.index("</tr>")]
    assert "Withdraw 4 versions everywhere" in shown.text
    assert f'action="/incidents/{incident_id}/actions"' in shown.text
    assert 'name="kind" value="withdraw_everywhere"' in shown.text
    for vid in (art, thumb, copy, other):
        assert f'name="expect" value="{vid}"' in shown.text
    assert _withdrawn(client, art, thumb, copy, other) == [False] * 4
    # a version that is not of the incident's title, or none, or no id: refused before listing
    assert client.get(preview, params={"version_id": other}).status_code == 422
    assert client.get(preview, params={"version_id": 999999}).status_code == 422
    assert client.get(preview, params={"version_id": "x"}).status_code == 422

    act = f"/incidents/{incident_id}/actions"
    form_data = {"csrf": csrf, "kind": "withdraw_everywhere", "version_id": str(art),
                 "reason": "the artwork sexualises a child"}
    # without the confirmed list (the old one-step form): refused, nothing withdrawn
    unconfirmed = client.post(act, data=form_data, follow_redirects=False)
    assert unconfirmed.status_code == 422 and "confirm the list first" in unconfirmed.text
    # a list that is not what withdraw everywhere would take down now: refused
    stale = client.post(act, data={**form_data, "expect": [str(art), str(thumb), str(copy)]},
                        follow_redirects=False)
    assert stale.status_code == 409 and "changed" in stale.text
    assert _withdrawn(client, art, thumb, copy, other) == [False] * 4

    listed = [str(v) for v in (art, thumb, copy, other)]
    done = client.post(act, data={**form_data, "expect": listed}, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/incidents/{incident_id}#actions"
    assert _withdrawn(client, art, thumb, copy, other) == [True] * 4
    engine = client.app.state.clearance.engine  # type: ignore[attr-defined]
    with Session(engine) as s:
        recorded = s.scalars(select(IncidentAction).where(
            IncidentAction.incident_id == incident_id,
            IncidentAction.kind == "withdraw_everywhere")).one()
        assert sorted(w["version_id"] for w in recorded.detail["withdrawn"]) == sorted(
            [art, thumb, copy, other])
    assert "4 withdrawn now" in client.get(f"/incidents/{incident_id}").text
