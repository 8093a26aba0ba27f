"""Assets belong to a team, and one team's submitter cannot write to, read into or guess at
another team's asset (issue 10, item 9), on SQLite and PostgreSQL.

Reproduced first: bob (team ``rival``) added a version to alice's (team ``studio``) synopsis by
uploading to the same title, kind, locale and channel; his item's context then listed every
version of that asset with its SHA-256 and creator; uploading a guess of alice's text answered 409
("already submitted by another team") when right and 201 when wrong; and his upload made a new
version the asset's newest, changing what it was screened as. The class of test: every way a
submitter writes to an asset (one upload, a batch screened now, a batch run in the background)
is refused the same way, whatever the content, on an asset of another team or of none; and
every answer a submitter gets (item detail, its context, listings) is checked for another team's
hashes, creators and assets.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from api_world import BENIGN, World, world
from clearance.catalog.write import add_asset_version, upsert_asset
from clearance.policy.engine import Decision
from clearance.review import access, items
from clearance.screening.records import ScreeningInputs, record_screening
from clearance.screening.screener import ScreenResult
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.models import Asset, AssetVersion, Title
from clearance.storage.review_models import ReviewItem
from clearance.storage.screening_models import Screening

ALICES = "A lighthouse keeper's daughter learns to sail one stormy summer."


@pytest.fixture
def w(tmp_path: Path, database_url: str) -> Iterator[World]:
    with world(tmp_path, database_url) as built:
        yield built


def _asset(w: World, channel: str = "web", locale: str = "en", kind: str = "synopsis"
           ) -> Asset:
    with session_scope(w.engine) as s:
        asset = s.scalar(select(Asset).where(Asset.title_id == "t1", Asset.kind == kind,
                                             Asset.locale == locale, Asset.channel == channel))
        assert asset is not None
        s.expunge(asset)
        return asset


def _writes(w: World, as_: str, text: str, channel: str = "web") -> list[Any]:
    """Every way a submitter writes a version of t1/synopsis/en/<channel>."""
    form = {"kind": "synopsis", "locale": "en", "channel": channel}
    return [
        w.call("POST", "/api/titles/t1/assets", as_, data={**form, "text": text}),
        w.call("POST", "/api/batches", as_, data={**form, "title_id": "t1", "texts": [text]}),
        w.call("POST", "/api/batches", as_,  # five files: a background job
               data={**form, "title_id": "t1",
                     "texts": [text] + [f"{BENIGN} Take {n}." for n in range(4)]}),
    ]


def _versions(w: World) -> int:
    with session_scope(w.engine) as s:
        return s.scalar(select(func.count(AssetVersion.id))) or 0


def _screenings(w: World) -> int:
    with session_scope(w.engine) as s:
        return s.scalar(select(func.count(Screening.id))) or 0


def test_another_teams_asset_is_refused_the_same_way_whatever_the_content(w: World) -> None:
    assert w.upload_text("alice", ALICES).status_code == 201
    assert _asset(w).team_id == "studio"  # set by the first upload
    versions, screenings = _versions(w), _screenings(w)
    right, wrong = _writes(w, "bob", ALICES), _writes(w, "bob", "A guess at alice's copy.")
    for a, b in zip(right, wrong, strict=True):
        assert (a.status_code, b.status_code) == (403, 403), (a.text, b.text)
        assert a.json()["detail"] == b.json()["detail"]  # no oracle in the answer either
    assert (_versions(w), _screenings(w)) == (versions, screenings)  # nothing added or screened
    # bob's own asset next to it is his team's
    assert w.upload_text("bob", "Rival copy.", channel="press").status_code == 201
    assert _asset(w, channel="press").team_id == "rival"


def test_a_teamless_asset_waits_for_an_admin(w: World) -> None:
    """An imported asset belongs to no team: submitters are refused until an admin says whose
    it is; reviewers are not."""
    blobs = LocalBlobStore(w.settings.resolved_blob_dir)
    with session_scope(w.engine) as s:
        title = s.get(Title, "t1")
        assert title is not None
        asset, _ = upsert_asset(s, title, kind="synopsis", locale="en", channel="web")
        add_asset_version(s, blobs, asset, b"The imported synopsis.",
                          content_type="text/plain; charset=utf-8", created_by="import")
    for answer in _writes(w, "alice", ALICES):
        assert answer.status_code == 403 and "no team" in answer.json()["detail"]
    assert w.upload_text("rita", "A reviewer's copy of it.").status_code == 201
    asset_id = _asset(w).id
    assert w.call("PUT", f"/api/assets/{asset_id}/team", "alice",
                  json={"team_id": "studio"}).status_code == 403
    set_team = w.call("PUT", f"/api/assets/{asset_id}/team", "ada", json={"team_id": "studio"})
    assert set_team.status_code == 200, set_team.text
    assert set_team.json()["team_id"] == "studio"
    assert w.upload_text("alice", ALICES).status_code == 201
    assert w.upload_text("bob", ALICES).status_code == 403
    audit = w.call("GET", "/api/audit", "sam", params={"type": "asset.team"}).json()
    assert [json.loads(json.dumps(e["data"])) for e in audit["events"]] == [
        {"team_id": "studio", "previous": None}]


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_a_submitter_never_sees_another_teams_hashes_creators_or_assets(w: World) -> None:
    """A title with an asset of each team, and a legacy asset (before ownership) holding
    versions of both: nothing a submitter is answered names the other team's content."""
    mine = w.upload_text("alice", ALICES).json()
    bobs = w.upload_text("bob", "Rival copy for the press.", channel="press").json()
    blobs = LocalBlobStore(w.settings.resolved_blob_dir)
    with session_scope(w.engine) as s:  # a legacy asset: versions of both teams, no owner
        title = s.get(Title, "t1")
        assert title is not None
        legacy, _ = upsert_asset(s, title, kind="tagline", locale="en", channel="web")
        for who, team, text in (("alice", "studio", "Alice's tagline."),
                                ("bob", "rival", "Bob's tagline.")):
            version, _ = add_asset_version(s, blobs, legacy, text.encode(),
                                           content_type="text/plain; charset=utf-8",
                                           created_by=f"user:{who}")
            s.flush()
            result = ScreenResult("x", "text", Decision.from_dict(
                {"decision": "review", "policy": "p@1", "rules": []}), ())
            screening, _ = record_screening(s, version, result, ScreeningInputs({}),
                                            requested_by="cli", actor="system")
            actor = access.actor_for(access.get_user(s, who), "token")
            items.submit(s, actor, version, screening, team_id=team)
    with session_scope(w.engine) as s:
        bob_hashes = {v.content_sha256 for v in s.scalars(select(AssetVersion))
                      if v.created_by.endswith(":bob") or v.created_by.startswith("token:bob/")}
        alice_tagline = s.scalar(select(ReviewItem.id).join(
            AssetVersion, AssetVersion.id == ReviewItem.version_id).where(
            AssetVersion.created_by == "user:alice"))
    assert len(bob_hashes) == 2 and bobs["id"] and alice_tagline is not None
    seen = [w.call("GET", f"/api/items/{mine['id']}", "alice").json(),
            w.call("GET", "/api/items/mine", "alice").json(),
            w.call("GET", f"/api/items/{alice_tagline}", "alice").json()]
    texts = [t for answer in seen for t in _strings(answer)]
    assert not bob_hashes & set(texts)
    assert not [t for t in texts if "bob" in t]
    others = seen[0]["context"]["other_assets"]
    assert all(o["channel"] != "press" for o in others)  # bob's asset is not listed
    history = seen[2]["context"]["history"]
    assert len(history) == 2 and [h["sha256"] is None for h in history] == [False, True]


def test_the_migration_gives_existing_assets_the_team_of_their_items(w: World) -> None:
    """0007's backfill: an asset whose items all name one team is that team's; one with items
    of several teams, or of none, or with no items, belongs to no team."""
    import importlib

    from sqlalchemy import text, update

    backfill = importlib.import_module(
        "clearance.storage.migrations.versions.0007_asset_team")._BACKFILL
    studio = w.upload_text("alice", ALICES).json()
    w.upload_text("bob", "Rival copy.", channel="press")
    mixed = w.upload_text("alice", "Alice's tagline.", kind="tagline").json()
    with session_scope(w.engine) as s:  # as before 0007: no owners, and a mixed asset
        s.execute(update(Asset).values(team_id=None))
        tagline = s.scalar(select(Asset).where(Asset.kind == "tagline"))
        assert tagline is not None
        version, _ = add_asset_version(s, LocalBlobStore(w.settings.resolved_blob_dir),
                                       tagline, b"Bob's tagline.",
                                       content_type="text/plain; charset=utf-8",
                                       created_by="user:bob")
        s.flush()
        result = ScreenResult("x", "text", Decision.from_dict(
            {"decision": "review", "policy": "p@1", "rules": []}), ())
        screening, _ = record_screening(s, version, result, ScreeningInputs({}),
                                        requested_by="cli", actor="system")
        items.submit(s, access.actor_for(access.get_user(s, "bob"), "token"), version,
                     screening, team_id="rival")
        title = s.get(Title, "t2")
        assert title is not None
        upsert_asset(s, title, kind="still", locale="und", channel="web")  # no items at all
    with session_scope(w.engine) as s:
        s.execute(text(backfill))
    owners = {(a.title_id, a.kind, a.channel): a.team_id
              for a in session_scope_all(w)}
    assert owners == {("t1", "synopsis", "web"): "studio", ("t1", "synopsis", "press"): "rival",
                      ("t1", "tagline", "web"): None, ("t2", "still", "web"): None}
    assert studio["id"] and mixed["id"]


def session_scope_all(w: World) -> list[Asset]:
    with session_scope(w.engine) as s:
        assets = list(s.scalars(select(Asset)))
        for a in assets:
            s.expunge(a)
        return assets
