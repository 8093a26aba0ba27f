"""What-if over the stored findings (every changed item listed, no model run, nothing written)
and shadow policies (a draft's decision recorded beside every new screening, never acted on; the
report compares them, with how people decided where they differ)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from clearance.cli.main import cli
from clearance.policy.loader import parse_policy_text
from clearance.review import access
from clearance.review.claims import claim
from clearance.review.decisions import decide
from clearance.screening import Screener, shadow
from clearance.screening.engines import InlineEngine
from clearance.screening.records import findings_of
from clearance.screening.rescreen import Selection, rescreen
from clearance.screening.tasks import TaskScreener
from clearance.screening.whatif import whatif
from clearance.settings import Settings
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.rescreen_models import ShadowDecision
from clearance.storage.review_models import ReviewItem
from clearance.storage.screening_models import Screening
from rescreen_world import make_catalog


def _policy(threshold: float, name: str = "p") -> str:
    return f"""
policy: {name}
version: "1"
description: one threshold
rules:
  - name: suggestive-copy
    description: suggestive copy is looked at
    outcome: review
    when:
      finding: suggestive.text
      min_score: {threshold}
  - name: child-block
    description: a child next to twerking
    outcome: block
    when:
      all:
        - finding: minor.mentioned
          where: {{age: {{max: 15}}}}
        - finding: suggestive.text
"""


@pytest.fixture
def screened(engine: Engine, blobs: LocalBlobStore, tmp_path: Path,
             database_url: str) -> tuple[Engine, Screener, dict[str, int]]:
    settings = Settings(semantic="off", data_dir=tmp_path, database_url=database_url)
    ids = make_catalog(engine, blobs)
    screener = Screener.from_settings(settings, policy=parse_policy_text(_policy(0.99), "live"))
    rescreen(engine, screener, Selection(), engine=lambda: InlineEngine(
        TaskScreener(settings, screener=screener, blobs=blobs)))
    return engine, screener, ids


def test_whatif_lists_every_item_a_lowered_threshold_changes(
        screened: tuple[Engine, Screener, dict[str, int]]) -> None:
    engine, screener, ids = screened
    live, draft = screener.policy, parse_policy_text(_policy(0.3, "draft"), "draft.yaml")
    with session_scope(engine) as s:
        rows = {r.version_id: r for r in s.scalars(select(Screening))}
        # independently of the engine: which stored findings sit between the two thresholds
        expected = {vid for vid, r in rows.items() if r.decision == "pass" and any(
            f.label == "suggestive.text" and 0.3 <= f.score < 0.99 for f in findings_of(r))}
        report = whatif(s, live, draft)
        count = s.scalar(select(func.count()).select_from(Screening))
    assert expected, "the catalog must have an item between the thresholds"
    assert {c.version_id for c in report.changed} == expected
    assert all(c.before == "pass" and c.after == "review" and c.reasons_after
               and c.rules_after == ("suggestive-copy",) for c in report.changed)
    assert report.evaluated == len(ids) and report.after["review"] - report.before["review"] \
        == len(expected)
    assert report.to_dict()["moves"] == [{"from": "pass", "to": "review",
                                          "items": len(expected)}]
    assert count == len(ids)  # nothing written


def test_whatif_command_json_and_html(screened: tuple[Engine, Screener, dict[str, int]],
                                      tmp_path: Path, database_url: str,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    live, draft = tmp_path / "live.yaml", tmp_path / "draft.yaml"
    live.write_text(_policy(0.99, "live"))
    draft.write_text(_policy(0.3, "draft"))
    monkeypatch.setenv("CLEARANCE_DATABASE_URL", database_url)
    monkeypatch.setenv("CLEARANCE_DATA_DIR", str(tmp_path))
    out = CliRunner().invoke(cli, ["policy", "whatif", str(draft), "--policy", str(live),
                                   "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["counts"]["review"]["change"] == len(data["changed"]) > 0
    page = CliRunner().invoke(cli, ["policy", "whatif", str(draft), "--policy", str(live),
                                    "--format", "html"])
    assert page.exit_code == 0 and "<h2>" in page.output and "suggestive-copy" in page.output


def test_a_shadow_records_beside_every_new_screening_and_is_never_acted_on(
        engine: Engine, blobs: LocalBlobStore, tmp_path: Path, database_url: str) -> None:
    settings = Settings(semantic="off", data_dir=tmp_path, database_url=database_url)
    ids = make_catalog(engine, blobs)
    live = parse_policy_text(_policy(0.99, "live"), "live")
    with session_scope(engine) as s:
        shadow.enable(s, _policy(0.3, "draft"), file="draft.yaml", by="test")
        access.create_user(s, "test", "rita", role="senior_reviewer")
        access.create_user(s, "test", "sam", role="senior_reviewer")
    screener = Screener.from_settings(settings, policy=live)
    rescreen(engine, screener, Selection(), engine=lambda: InlineEngine(
        TaskScreener(settings, screener=screener, blobs=blobs)))
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(ShadowDecision)) == len(ids)
        # the queue follows the live policy only
        queued = {i.version_id for i in s.scalars(select(ReviewItem))}
        live_flagged = {r.version_id for r in s.scalars(select(Screening))
                        if r.decision != "pass"}
        assert queued == live_flagged
        rep = shadow.report(s)
        assert rep.screenings == len(ids) and rep.differences
        assert all(d.live == "pass" and d.shadow == "review" for d in rep.differences)
        assert rep.decided_by_people == 0
    # a live 'review' the shadow would pass: a person's rejection agrees with the live policy
    stricter_live = parse_policy_text(_policy(0.3, "live2"), "live2")
    with session_scope(engine) as s:
        shadow.enable(s, _policy(0.99, "lenient"), file="lenient.yaml", by="test")
    screener2 = Screener.from_settings(settings, policy=stricter_live)
    rescreen(engine, screener2, Selection(), engine=None)
    with session_scope(engine) as s:
        rita, sam = (access.actor_for(u, "cli") for u in s.scalars(
            select(access.User).order_by(access.User.username)))
        differ = shadow.report(s).differences
        assert differ and all(d.live == "review" and d.shadow == "pass" for d in differ)
        item = s.scalars(select(ReviewItem).where(
            ReviewItem.screening_id == differ[0].screening_id)).one()
        claim(s, rita, item.id, lease_seconds=60)
        decide(s, rita, item.id, "reject", reason="suggestive")
        if item.needs_two:  # a minor is named: a second senior concurs
            claim(s, sam, item.id, lease_seconds=60)
            decide(s, sam, item.id, "reject", reason="suggestive")
        assert item.state == "rejected"
    with session_scope(engine) as s:
        rep = shadow.report(s)
        assert (rep.decided_by_people, rep.shadow_agreed, rep.live_agreed) == (1, 0, 1)
        assert shadow.disable(s, by="test") is not None and shadow.current(s) is None
