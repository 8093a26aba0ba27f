"""Team word lists on SQLite and PostgreSQL: an admin adds terms (category, language) to a team's
list, versioned and audited; the team's copy is screened with them — the finding names the list
and version, the policy fires on it, the reason cites it — while another team's copy is not; the
list's version is part of the findings cache key; the API and the page."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api_world import World as ApiWorld
from api_world import shared_screener
from api_world import world as api_world
from clearance.detectors.lexicon import SUGGESTIVE_CATEGORIES
from clearance.detectors.team_words import TeamTerm, TeamWords
from clearance.errors import Forbidden, InputError, NotFound, ReviewConflict
from clearance.review import access
from clearance.review.audit import verify
from clearance.screening import team_lexicon
from clearance.screening.records import findings_of, latest_screenings
from clearance.service.api_queue import LexiconTermIn
from clearance.service.app import create_app
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.models import Asset, AssetVersion
from clearance.storage.review_models import AuditEvent
from test_ui_queue import login
from ui_world import UIWorld, build

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

#: A teenager next to a dance the shipped lexicon does not know.
COPY = "A teen girl learns the moonlight shimmy at summer camp."


@pytest.fixture
def w(tmp_path: Path, database_url: str) -> Iterator[ApiWorld]:
    with api_world(tmp_path, database_url) as built:
        yield built
        with Session(built.engine) as s:
            assert verify(s).ok


def actor(w: ApiWorld, name: str) -> access.Actor:
    with Session(w.engine) as s:
        return access.actor_for(access.get_user(s, name), "session")


def test_the_list_is_versioned_and_audited(w: ApiWorld) -> None:
    ada, sam = actor(w, "ada"), actor(w, "sam")
    with session_scope(w.engine) as s:
        assert team_lexicon.current(s, "studio") is None
        with pytest.raises(Forbidden):
            team_lexicon.add_term(s, sam, "studio", "x", "seduction", "en")
        with pytest.raises(NotFound):
            team_lexicon.add_term(s, ada, "nobody", "x", "seduction", "en")
        with pytest.raises(InputError, match="category"):
            team_lexicon.add_term(s, ada, "studio", "x", "spicy", "en")
        with pytest.raises(InputError, match="language"):
            team_lexicon.add_term(s, ada, "studio", "x", "seduction", "it")
        first = team_lexicon.add_term(s, ada, "studio", "moonlight  shimmy",
                                      "sexualised_dance", "en")
        team_lexicon.add_term(s, ada, "studio", "velvet gaze", "seduction", "any")
        with pytest.raises(ReviewConflict, match="already"):
            team_lexicon.add_term(s, ada, "studio", "Moonlight Shimmy", "seduction", "en")
    with session_scope(w.engine) as s:
        team_lexicon.remove_term(s, ada, "studio", first.id)
        with pytest.raises(ReviewConflict, match="removed in version 3"):
            team_lexicon.remove_term(s, ada, "studio", first.id)
    with Session(w.engine) as s:
        now = team_lexicon.current(s, "studio")
        assert now is not None and now.version == 3
        assert now.terms == (TeamTerm("velvet gaze", "seduction", "any"),)
        assert team_lexicon.words_at(s, "studio", 1).terms == (
            TeamTerm("moonlight shimmy", "sexualised_dance", "en"),)
        assert [t.term for t in team_lexicon.words_at(s, "studio", 2).terms] == [
            "moonlight shimmy", "velvet gaze"]
        events = [(e.type, e.subject, json.loads(e.data)["version"]) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.type.like("lexicon.%")).order_by(AuditEvent.seq))]
    assert events == [("lexicon.add", "team:studio", 1), ("lexicon.add", "team:studio", 2),
                      ("lexicon.remove", "team:studio", 3)]


def test_the_teams_copy_is_screened_with_its_list(w: ApiWorld) -> None:
    before = w.upload_text("alice", COPY, kind="synopsis")
    assert before.status_code == 201, before.text
    assert before.json()["screening_decision"] == "pass"
    r = w.call("POST", "/api/teams/studio/lexicon", "ada",
               json={"term": "moonlight shimmy", "category": "sexualised_dance",
                     "language": "en"})
    assert r.status_code == 201, r.text
    after = w.upload_text("alice", COPY, kind="tagline").json()
    assert after["screening_decision"] in ("review", "block")
    detail = w.call("GET", f"/api/items/{after['id']}", "rita").json()
    team = [f for f in detail["findings"] if f["detector"] == "team-lexicon"]
    assert len(team) == 1 and team[0]["label"] == "suggestive.text"
    assert team[0]["attributes"]["word_list"] == "studio v1"
    assert any("(team word list studio v1)" in r["text"] for r in detail["reasons"])
    # another team's copy is screened with the shipped lexicon alone
    other = w.upload_text("bob", COPY, kind="synopsis", title="t2").json()
    assert other["screening_decision"] == "pass"


def test_a_context_copy_is_screened_with_its_own_teams_list(w: ApiWorld) -> None:
    """The title's other copy, screened beside an upload because it has no screening yet (a
    catalog import leaves none), is screened with its own team's list: the studio's copy finds
    the studio's term, the rival's copy of the same words does not."""
    r = w.call("POST", "/api/teams/studio/lexicon", "ada",
               json={"term": "moonlight shimmy", "category": "sexualised_dance",
                     "language": "en"})
    assert r.status_code == 201, r.text
    blobs = LocalBlobStore(w.settings.resolved_blob_dir)
    data = COPY.encode()
    imported: dict[str, int] = {}
    with session_scope(w.engine) as s:
        for team, kind in (("studio", "synopsis"), ("rival", "tagline")):
            asset = Asset(title_id="t1", kind=kind, locale="en", channel="web", team_id=team)
            s.add(asset)
            s.flush()
            version = AssetVersion(asset_id=asset.id, number=1, content_sha256=blobs.put(data),
                                   content_type="text/plain; charset=utf-8",
                                   size_bytes=len(data), created_by="import")
            s.add(version)
            s.flush()
            imported[team] = version.id
    up = w.upload_text("alice", "A quiet summer at the lighthouse.", kind="synopsis",
                       locale="de")
    assert up.status_code == 201, up.text
    with Session(w.engine) as s:
        screened = latest_screenings(s, list(imported.values()))
        assert {screened[v].requested_by for v in imported.values()} == {"context"}
        team = {name: [(f.attr("term"), f.attr("word_list"))
                       for f in findings_of(screened[v]) if f.detector == "team-lexicon"]
                for name, v in imported.items()}
    assert team == {"studio": [("moonlight shimmy", "studio v1")], "rival": []}


def test_the_lists_version_is_in_the_findings_cache_key() -> None:
    screener = shared_screener()
    detector = next(d for d in screener.detectors if d.name == "team-lexicon")
    v1 = TeamWords("studio", 1, (TeamTerm("moonlight shimmy", "sexualised_dance", "en"),))
    v2 = TeamWords("studio", 2, (*v1.terms, TeamTerm("velvet gaze", "seduction", "any")))
    keys = {words.version if words else 0: {s.detector: s.key for s in screener.cache_slots(
        screener.text_item(COPY, team_words=words)).values()} for words in (None, v1, v2)}
    assert keys[0]["team-lexicon"] != keys[1]["team-lexicon"] != keys[2]["team-lexicon"]
    others = [n for n in keys[1] if n != "team-lexicon"]
    assert others and all(keys[1][n] == keys[2][n] == keys[0][n] for n in others)
    assert detector.input_key(screener.text_item(COPY, team_words=v2)) == "team=studio@2"
    found = detector.detect(screener.text_item(
        "Her velvet-gaze stare at the Moonlight SHIMMY party.", team_words=v2))
    assert sorted(f.attr("term") for f in found) == ["moonlight shimmy", "velvet gaze"]


def test_the_api_and_its_roles(w: ApiWorld) -> None:
    assert set(LexiconTermIn.model_fields["category"].annotation.__args__) == set(  # type: ignore[union-attr]
        SUGGESTIVE_CATEGORIES)
    r = w.call("POST", "/api/teams/studio/lexicon", "sam",
               json={"term": "x", "category": "seduction"})
    assert r.status_code == 403
    r = w.call("POST", "/api/teams/studio/lexicon", "ada",
               json={"term": "velvet gaze", "category": "seduction"})
    assert r.status_code == 201 and r.json()["language"] == "any"
    term = r.json()["id"]
    assert w.call("POST", "/api/teams/studio/lexicon", "ada",
                  json={"term": "velvet gaze", "category": "seduction"}).status_code == 409
    assert w.call("POST", "/api/teams/nope/lexicon", "ada",
                  json={"term": "a", "category": "seduction"}).status_code == 404
    assert w.call("DELETE", f"/api/teams/studio/lexicon/{term}", "ada").status_code == 204
    listed = w.call("GET", "/api/teams/studio/lexicon", "rita").json()
    assert listed == {"team_id": "studio", "version": 2, "terms": []}
    history = w.call("GET", "/api/teams/studio/lexicon", "rita",
                     params={"removed": "true"}).json()["terms"]
    assert [(t["term"], t["added_in"], t["removed_in"]) for t in history] == [
        ("velvet gaze", 1, 2)]
    assert w.call("GET", "/api/teams/studio/lexicon", "alice").status_code == 403


@pytest.fixture
def ui(tmp_path: Path, database_url: str) -> Iterator[tuple[UIWorld, TestClient]]:
    world = build(tmp_path / "world", database_url=database_url)
    with TestClient(create_app(world.settings, engine=world.engine,
                               webhook_worker=False)) as client:
        yield world, client
    world.engine.dispose()


def test_the_lexicon_page(ui: tuple[UIWorld, TestClient]) -> None:
    _world, client = ui
    token = login(client, "rev")
    page = client.get("/lexicon", params={"team": "studio"}).text
    assert "No terms" in page and 'id="term-form"' not in page
    assert client.post("/lexicon/studio/terms", data={
        "csrf": token, "term": "x", "category": "seduction", "language": "en"}
        ).status_code == 403
    token = login(client, "admin")
    resp = client.post("/lexicon/studio/terms", data={
        "csrf": token, "term": "moonlight shimmy", "category": "sexualised_dance",
        "language": "en"}, follow_redirects=False)
    assert resp.status_code == 303
    page = client.get("/lexicon", params={"team": "studio"}).text
    assert "version 1" in page and "<strong>moonlight shimmy</strong>" in page
    term = re.search(r'data-term="(\d+)"', page)
    assert term is not None
    client.post(f"/lexicon/studio/terms/{term.group(1)}/remove", data={"csrf": token})
    assert "No terms" in client.get("/lexicon", params={"team": "studio"}).text
    history = client.get("/lexicon", params={"team": "studio", "removed": 1}).text
    assert "moonlight shimmy" in history and "v2" in history
    bad = client.post("/lexicon/studio/terms", data={
        "csrf": token, "term": "x", "category": "spicy", "language": "en"})
    assert bad.status_code == 422


def test_a_rescreen_task_carries_the_list_to_its_worker() -> None:
    from clearance.screening.tasks import ScreenTask

    words = TeamWords("studio", 4, (TeamTerm("velvet gaze", "seduction", "any"),))
    task = ScreenTask(7, 3, "t1", 2, "synopsis/en/web v2", "a" * 64, "text/plain", "PG",
                      team_words=words)
    assert ScreenTask.from_json(task.to_json()) == task
    bare = ScreenTask(7, 3, "t1", 2, "synopsis/en/web v2", "a" * 64, "text/plain")
    assert ScreenTask.from_json(bare.to_json()).team_words is None
