"""``clearance demo``: the Cuties case end to end, on SQLite and on PostgreSQL — the three
moments of the 2020 campaign, then the withdrawn poster banked and a thumbnail cut from it for a
French feed blocked by the hash bank, naming the poster."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.bank import banks
from clearance.catalog.publication import was_withdrawn
from clearance.cli.main import cli
from clearance.demo import MOMENTS, check, run_demo
from clearance.errors import ExpectationFailed
from clearance.findings import Finding
from clearance.policy.engine import evaluate
from clearance.policy.loader import load_policy
from clearance.screening import Screener
from clearance.screening.records import decision_of, findings_of
from clearance.settings import Settings
from clearance.storage import make_engine, session_scope
from clearance.storage.models import AssetVersion
from clearance.storage.screening_models import Screening


def test_demo_command_meets_every_expectation_and_is_rerunnable(database_url: str,
                                                                 tmp_path: Path) -> None:
    env = {"CLEARANCE_DATA_DIR": str(tmp_path / "data"), "CLEARANCE_DATABASE_URL": database_url}
    runner = CliRunner()
    # PostgreSQL is migrated on purpose only (the embedded SQLite file migrates itself)
    assert runner.invoke(cli, ["db", "upgrade"], env=env).exit_code == 0
    for _ in range(2):  # a second run finds the catalog unchanged and decides the same
        res = runner.invoke(cli, ["demo", "--report-dir", str(tmp_path / "out")], env=env)
        assert res.exit_code == 0, res.stdout + res.stderr
    assert "10/10 expectations met across 3 moments and the withdrawal" in res.stdout
    assert "1 unchanged" in res.stdout
    # image evidence names the words read in a box, not only the box (issue 15)
    assert re.search(r'text\.ocr +[01]\.\d\d +"CUTIES" \(box \d+,\d+ \d+×\d+\)', res.stdout)
    report = json.loads((tmp_path / "out" / "demo-report.json").read_text(encoding="utf-8"))
    assert report["passed"] is True
    assert {m["age"] for m in report["known_minors"]} == {11}
    assert len(report["known_minors"]) == 4
    by_moment = [(r["asset"], r["version"], r["decision"]) for r in report["results"]]
    assert by_moment == [
        ("key_art", 1, "block"), ("synopsis/en", 1, "block"), ("synopsis/fr", 1, "block"),
        ("key_art", 2, "block"), ("synopsis/en", 2, "review"), ("synopsis/fr", 1, "block"),
        ("key_art", 2, "pass"), ("synopsis/en", 2, "pass"), ("synopsis/fr", 2, "pass"),
        ("thumbnail/fr-FR", 1, "block")]
    _check_bank_step(report, database_url)
    original = report["results"][1]
    assert any(f["label"] == "minor.mentioned" and f["attributes"]["age"] == 11
               for f in original["findings"])
    poster = report["results"][0]
    assert poster["image"]["width"] == 1080
    assert any(f["detector"] == "aws-rekognition" for f in poster["findings"])
    assert (tmp_path / "out" / "demo-report.md").read_text(encoding="utf-8").startswith(
        "# Clearance demo: Mignonnes (s2032)")
    _check_screening_records(database_url)


def _check_bank_step(report: dict[str, Any], database_url: str) -> None:
    """The poster (key art v1) was withdrawn and banked once (two runs), and the thumbnail's
    result names it in a ``match.withdrawn`` finding that blocked it."""
    bank_step = report["results"][-1]
    assert bank_step["met"] is True and bank_step["moment"].startswith("After the withdrawal")
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            poster = session.get_one(AssetVersion, bank_step["banked_version"])
            assert (poster.asset.kind, poster.number) == ("key_art", 1)
            assert was_withdrawn(session, poster.id) is not None
            [entry] = banks.entries(session, bank="withdrawn")
            assert (entry.version_id, entry.source) == (poster.id, "withdrawal")
    finally:
        engine.dispose()
    [match] = [f for f in bank_step["findings"] if f["label"] == "match.withdrawn"]
    attrs = match["attributes"]
    assert attrs["version_id"] == bank_step["banked_version"] == bank_step["matched_versions"][0]
    assert attrs["bank"] == "withdrawn" and attrs["distance"] <= 31
    assert attrs["banked"] == "s2032/key_art/und/press-kit/v1"
    assert any("'withdrawn-near-copy'" in r for r in bank_step["reasons"])
    assert report["bank_step_skipped"] is None


def _check_screening_records(database_url: str) -> None:
    """Each of the 10 results is a row of ``screenings`` (the same row on the second run: equal
    inputs are not screened into a second record), whose stored findings re-evaluate to the
    decision it recorded."""
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            rows = session.scalars(select(Screening).order_by(Screening.id)).all()
            assert len(rows) == 10  # two runs: no doubles
            assert {r.requested_by for r in rows} == {"demo"}
            assert [r.decision for r in rows] == ["block", "block", "block", "block", "review",
                                                  "block", "pass", "pass", "pass", "block"]
            policy = load_policy()
            for row in rows:
                again = evaluate(findings_of(row), policy, _context_findings(session, row))
                assert again.outcome == row.decision == decision_of(row).outcome
                assert row.policy == policy.ref and row.context
                assert "face" in row.detectors and "rating" in row.detectors
    finally:
        engine.dispose()


def _context_findings(session: Session, row: Screening) -> dict[str, tuple[Finding, ...]]:
    """The findings the demo had in scope for ``row``: the other live assets at that moment
    (the screening of that version with the same moment's context)."""
    out = {}
    for ref, version_id in row.context.items():
        peers = session.scalars(select(Screening).where(Screening.version_id == version_id))
        for peer in peers:
            moment = {**peer.context, ref: version_id}
            if moment == {**row.context, _ref_of(row, session): row.version_id}:
                out[ref] = findings_of(peer)
    return out


def _ref_of(row: Screening, session: Session) -> str:
    asset = session.get(AssetVersion, row.version_id).asset  # type: ignore[union-attr]
    return "key_art" if asset.kind == "key_art" else f"{asset.kind}/{asset.locale}"


def test_demo_fails_when_an_expectation_is_not_met(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    # a policy that never blocks: the August 2020 copy then passes, and the demo must say so
    lenient = Screener.from_settings(settings)
    lenient.policy = lenient.policy.model_copy(update={
        "rules": [r for r in lenient.policy.rules if r.outcome != "block"]})
    run = run_demo(settings, lenient)
    assert len(run.outcomes) == 3 * len(MOMENTS) + 1  # and the bank step
    assert run.failures
    try:
        check(run)
    except ExpectationFailed as exc:
        assert "expected block" in exc.message
        assert exc.exit_code == 1
    else:  # pragma: no cover
        raise AssertionError("check() accepted a failed run")
