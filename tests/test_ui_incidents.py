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

import pytest
from PIL import Image
from sqlalchemy import select

from clearance.incidents import records
from clearance.service.app import create_app
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.incident_models import Incident
from clearance.storage.monitor_models import MonitorAlert
from clearance.storage.review_models import ReviewItem
from test_ui import login
from test_ui_monitor import add_monitor_data
from ui_world import UIWorld, build, clone

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def incident_world(folder: Path) -> tuple[UIWorld, int]:
    """The UI world with the monitor's backlash: the incident its alert opened, with the world's
    drawn key art linked by hand (so the page has a picture to blur)."""
    w = build(folder)
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
