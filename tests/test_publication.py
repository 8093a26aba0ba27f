"""Publication state on SQLite and PostgreSQL: only cleared versions go live, publishing replaces
the live version, withdrawal ends it for good, "what was live at T", the audit and domain events,
version references, and the ``clearance catalog publish|withdraw|live`` commands."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select

from clearance import events
from clearance.catalog.publication import live_at, publish, resolve_version, withdraw
from clearance.cli.main import cli
from clearance.errors import InputError, NotFound, ReviewConflict
from clearance.findings import Fact, Finding
from clearance.policy.engine import Decision
from clearance.review import queue
from clearance.screening import ScreenResult
from clearance.storage import session_scope, upgrade
from clearance.storage.models import Asset, AssetVersion, Title
from clearance.storage.review_models import AuditEvent
from clearance.storage.screening_models import Publication

T0 = dt.datetime(2020, 8, 20, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def _result(decision: str) -> ScreenResult:
    f = Finding("rating.mature", 1.0, Fact("rating", "TV-MA"), "rating", "1")
    return ScreenResult("x", "image", Decision(decision, "default@1"), (f,))  # type: ignore[arg-type]


@pytest.fixture
def versions(engine: Engine) -> Iterator[dict[str, int]]:
    """key_art v1 (passed screening), v2 (passed), v3 (blocked, in the queue); a synopsis v1
    that was never submitted."""
    with session_scope(engine) as s:
        s.add(Title(id="s2032", original_title="Mignonnes", type="movie", rating="TV-MA"))
        s.flush()
        art = Asset(title_id="s2032", kind="key_art", locale="und", channel="web")
        copy = Asset(title_id="s2032", kind="synopsis", locale="en", channel="web")
        s.add_all([art, copy])
        s.flush()
        vs = [AssetVersion(asset_id=art.id, content_sha256=f"{n:064x}", content_type="image/png",
                           size_bytes=1, created_by="x") for n in range(3)]
        syn = AssetVersion(asset_id=copy.id, content_sha256="f" * 64, content_type="text/plain",
                           size_bytes=1, created_by="x")
        s.add_all([*vs, syn])
        s.flush()
        for v, decision in zip(vs, ("pass", "pass", "block"), strict=True):
            queue.submit_result(s, None, v, _result(decision), team_id=None)
        ids = {"v1": vs[0].id, "v2": vs[1].id, "v3": vs[2].id, "synopsis": syn.id}
    yield ids


def _version(engine: Engine, version_id: int) -> AssetVersion:
    with session_scope(engine) as s:
        v = s.get(AssetVersion, version_id)
        assert v is not None
        v.asset  # noqa: B018 - loaded for use outside the session
        return v


def test_versions_are_numbered_within_their_asset(engine: Engine,
                                                  versions: dict[str, int]) -> None:
    assert [_version(engine, versions[k]).number for k in ("v1", "v2", "v3", "synopsis")] == \
        [1, 2, 3, 1]


def test_only_a_cleared_version_goes_live(engine: Engine, versions: dict[str, int]) -> None:
    with session_scope(engine) as s:
        v3 = s.get(AssetVersion, versions["v3"])
        syn = s.get(AssetVersion, versions["synopsis"])
        assert v3 is not None and syn is not None
        with pytest.raises(ReviewConflict, match=r"key_art v3 .* is queued"):
            publish(s, v3, by="user:ops", now=T0)
        with pytest.raises(ReviewConflict, match="never submitted"):
            publish(s, syn, by="user:ops", now=T0)


def test_publishing_replaces_and_withdrawal_ends_for_good(engine: Engine,
                                                          versions: dict[str, int]) -> None:
    bus = events.EventBus()
    seen: list[events.DomainEvent] = []
    bus.subscribe(events.VersionEvent, seen.append)
    with session_scope(engine, bus=bus) as s:
        v1, v2 = s.get(AssetVersion, versions["v1"]), s.get(AssetVersion, versions["v2"])
        assert v1 is not None and v2 is not None
        first = publish(s, v1, by="user:ops", now=T0)
        assert publish(s, v1, by="user:ops", now=T0 + HOUR) is first  # already live
        publish(s, v2, by="user:ops", now=T0 + 2 * HOUR)
        assert (first.end_reason, first.ended_by) == ("replaced", "user:ops")
        assert seen == []  # domain events wait for the commit
    assert [type(e).__name__ for e in seen] == ["VersionPublished", "VersionPublished"]
    published = seen[1]
    assert isinstance(published, events.VersionPublished)
    assert published.replaced_version_id == versions["v1"]
    with session_scope(engine, bus=bus) as s:
        assert [r.number for r in live_at(s, "s2032", T0 + HOUR)] == [1]
        assert [r.number for r in live_at(s, "s2032", T0 + 3 * HOUR)] == [2]
        assert live_at(s, "s2032", T0 - HOUR) == []
        v2 = s.get(AssetVersion, versions["v2"])
        assert v2 is not None
        withdraw(s, v2, by="user:senior", reason="inappropriate artwork", now=T0 + 4 * HOUR)
    assert isinstance(seen[-1], events.VersionWithdrawn)
    assert seen[-1].reason == "inappropriate artwork"
    with session_scope(engine) as s:
        assert live_at(s, "s2032", T0 + 5 * HOUR) == []
        assert [r.number for r in live_at(s, "s2032", T0 + 3 * HOUR)] == [2]
        v2 = s.get(AssetVersion, versions["v2"])
        assert v2 is not None
        with pytest.raises(ReviewConflict, match="withdrawn by user:senior"):
            publish(s, v2, by="user:ops", now=T0 + 5 * HOUR)
        types = s.scalars(select(AuditEvent.type).order_by(AuditEvent.seq)).all()
        assert types[-3:] == ["publication", "publication", "withdrawal"]


def test_a_version_never_live_can_be_withdrawn_and_never_shows_as_live(
        engine: Engine, versions: dict[str, int]) -> None:
    with session_scope(engine) as s:
        v3 = s.get(AssetVersion, versions["v3"])
        assert v3 is not None
        withdraw(s, v3, by="user:senior", reason="rejected poster", now=T0)
        again = withdraw(s, v3, by="user:other", reason="twice", now=T0 + HOUR)
        assert again.ended_by == "user:senior"  # the first withdrawal stands
        assert live_at(s, "s2032", T0) == []
        with pytest.raises(InputError, match="needs a reason"):
            withdraw(s, v3, by="user:senior", reason="  ")
        rows = s.scalars(select(Publication)).all()
        assert [(r.version_id, r.end_reason) for r in rows] == [(versions["v3"], "withdrawn")]


def test_version_references(engine: Engine, versions: dict[str, int]) -> None:
    with session_scope(engine) as s:
        assert resolve_version(s, str(versions["v2"])).id == versions["v2"]
        assert resolve_version(s, "s2032/key_art/v3").id == versions["v3"]
        assert resolve_version(s, "s2032/synopsis/en/web/v1").id == versions["synopsis"]
        with pytest.raises(NotFound, match="has no version v9"):
            resolve_version(s, "s2032/key_art/v9")
        with pytest.raises(NotFound, match="no still asset"):
            resolve_version(s, "s2032/still/v1")
        with pytest.raises(InputError, match="is not a version"):
            resolve_version(s, "key_art v2")


def test_publication_commands(database_url: str, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    upgrade(database_url)
    monkeypatch.chdir(tmp_path)
    env = {"CLEARANCE_DATABASE_URL": database_url, "CLEARANCE_DATA_DIR": str(tmp_path)}
    from clearance.storage import make_engine

    engine = make_engine(database_url)
    try:
        with session_scope(engine) as s:
            s.add(Title(id="t1", original_title="Night Garden", type="movie"))
            s.flush()
            asset = Asset(title_id="t1", kind="key_art", locale="und", channel="web")
            s.add(asset)
            s.flush()
            v = AssetVersion(asset_id=asset.id, content_sha256="a" * 64,
                             content_type="image/png", size_bytes=1, created_by="x")
            s.add(v)
            s.flush()
            queue.submit_result(s, None, v, _result("pass"), team_id=None)
    finally:
        engine.dispose()
    runner = CliRunner()
    res = runner.invoke(cli, ["catalog", "publish", "t1/key_art/v1"], env=env)
    assert res.exit_code == 0, res.output
    assert "t1/key_art/und/web/v1 is live since" in res.output
    res = runner.invoke(cli, ["catalog", "live", "t1", "--format", "json"], env=env)
    assert res.exit_code == 0, res.output
    live = json.loads(res.stdout)["live"]
    assert [(r["kind"], r["number"]) for r in live] == [("key_art", 1)]
    res = runner.invoke(cli, ["catalog", "withdraw", "t1/key_art/v1"], env=env)
    assert res.exit_code == 2 and "--reason" in res.output  # required option
    res = runner.invoke(cli, ["catalog", "withdraw", "t1/key_art/v1", "--reason", "backlash"],
                        env=env)
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["catalog", "publish", "t1/key_art/v1"], env=env)
    assert res.exit_code == 8 and "withdrawn" in res.output
    res = runner.invoke(cli, ["catalog", "publish", "t1/key_art/v7"], env=env)
    assert res.exit_code == 5 and "has no version v7" in res.output
    assert "Traceback" not in res.output
