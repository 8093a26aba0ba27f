"""Screening a catalog version in its campaign (plan in a session, models outside, record in a
short transaction): stored findings of the title's other assets are reused, copy without a
current screening is screened once and recorded, equal inputs are never recorded twice, the live
version of another asset is the one in scope, and the recorded findings re-evaluate to the
recorded decision."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from clearance.catalog.publication import publish
from clearance.catalog.write import add_asset_version, upsert_asset
from clearance.policy.engine import evaluate
from clearance.review import queue
from clearance.screening import Screener
from clearance.screening.campaign import plan_screening, screen_version
from clearance.screening.records import decision_of, findings_of
from clearance.settings import Settings
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.models import AssetVersion, Title
from clearance.storage.screening_models import Screening

SYNOPSIS = ("Amy, 11, becomes fascinated with a twerking dance crew. Hoping to join them, she "
            "starts to explore her femininity, defying her family's traditions.")
REVISED = ("Eleven-year-old Amy starts to rebel against her conservative family's traditions "
           "when she becomes fascinated with a free-spirited dance crew.")
TAGLINE = "Join the crew."


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.from_settings(Settings(semantic="off"))


@pytest.fixture
def title(engine: Engine, blobs: LocalBlobStore) -> Iterator[dict[str, int]]:
    with session_scope(engine) as s:
        title = Title(id="s2032", original_title="Mignonnes", type="movie", rating="TV-MA")
        s.add(title)
        s.flush()
        synopsis, _ = upsert_asset(s, title, kind="synopsis", locale="en", channel="web")
        tagline, _ = upsert_asset(s, title, kind="tagline", locale="en", channel="web")
        v1, _ = add_asset_version(s, blobs, synopsis, SYNOPSIS.encode(),
                                  content_type="text/plain", created_by="x")
        v2, _ = add_asset_version(s, blobs, synopsis, REVISED.encode(),
                                  content_type="text/plain", created_by="x")
        tag, _ = add_asset_version(s, blobs, tagline, TAGLINE.encode(),
                                   content_type="text/plain", created_by="x")
        s.flush()
        ids = {"synopsis_v1": v1.id, "synopsis_v2": v2.id, "tagline": tag.id}
    yield ids


def _screenings(engine: Engine) -> list[Screening]:
    with session_scope(engine) as s:
        return list(s.scalars(select(Screening).order_by(Screening.id)))


def test_context_copy_is_screened_once_recorded_and_then_reused(
        engine: Engine, blobs: LocalBlobStore, screener: Screener,
        title: dict[str, int]) -> None:
    screening_id, result = screen_version(engine, blobs, screener, title["tagline"],
                                          requested_by="cli", actor="cli:test")
    rows = _screenings(engine)
    # the synopsis in scope (its newest version, v2: nothing is live) was screened for context
    assert [(r.version_id, r.requested_by) for r in rows] == [
        (title["synopsis_v2"], "context"), (title["tagline"], "cli")]
    assert rows[1].id == screening_id and rows[1].context == {
        "synopsis/en/web": title["synopsis_v2"]}
    assert rows[1].actor == "cli:test" and result.decision.outcome == rows[1].decision
    # the same inputs again: nothing new is recorded
    again, _ = screen_version(engine, blobs, screener, title["tagline"], requested_by="cli")
    assert again == screening_id and len(_screenings(engine)) == 2
    # screening the synopsis now reuses the tagline's stored findings (no copy to screen)
    pairs = [(d.name, d.version) for d in screener.detectors]
    with session_scope(engine) as s:
        plan = plan_screening(s, blobs, title["synopsis_v2"], pairs)
    assert [(c.ref, c.text is None, c.findings is not None) for c in plan.context] == [
        ("tagline/en/web", True, True)]


def test_the_live_version_of_another_asset_is_the_one_in_scope(
        engine: Engine, blobs: LocalBlobStore, screener: Screener,
        title: dict[str, int]) -> None:
    # v1 (the original synopsis) is live, v2 merely newer: the tagline is judged beside v1
    screen_version(engine, blobs, screener, title["synopsis_v1"], requested_by="cli")
    with session_scope(engine) as s:
        v1 = s.get(AssetVersion, title["synopsis_v1"])
        assert v1 is not None
        screening = s.scalars(select(Screening).where(Screening.version_id == v1.id)).one()
        assert screening.decision == "block"
        item, _ = queue.submit(s, None, v1, screening, team_id=None)
        item.state = "approved"  # say a reviewer let it through, as happened in 2020
        s.flush()
        publish(s, v1, by="user:ops")
    screening_id, _ = screen_version(engine, blobs, screener, title["tagline"],
                                     requested_by="cli")
    with session_scope(engine) as s:
        row = s.get(Screening, screening_id)
        assert row is not None
        assert row.context == {"synopsis/en/web": title["synopsis_v1"]}


def test_recorded_findings_re_evaluate_to_the_recorded_decision(
        engine: Engine, blobs: LocalBlobStore, screener: Screener,
        title: dict[str, int]) -> None:
    screening_id, result = screen_version(engine, blobs, screener, title["synopsis_v1"],
                                          requested_by="cli")
    assert result.decision.outcome == "block"
    with session_scope(engine) as s:
        row = s.get(Screening, screening_id)
        assert row is not None
        context = {"tagline/en/web": findings_of(
            s.scalars(select(Screening).where(Screening.version_id == title["tagline"])).one())}
        again = evaluate(findings_of(row), screener.policy, context)
        assert again == decision_of(row) == result.decision
        assert "child-sexualised-copy" in decision_of(row).rule_names
