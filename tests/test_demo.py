"""``clearance demo``: the Cuties case end to end, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from clearance.cli.main import cli
from clearance.demo import MOMENTS, check, run_demo
from clearance.errors import ExpectationFailed
from clearance.screening import Screener
from clearance.settings import Settings


def test_demo_command_meets_every_expectation_and_is_rerunnable(database_url: str,
                                                                 tmp_path: Path) -> None:
    env = {"CLEARANCE_DATA_DIR": str(tmp_path / "data"), "CLEARANCE_DATABASE_URL": database_url}
    runner = CliRunner()
    for _ in range(2):  # a second run finds the catalog unchanged and decides the same
        res = runner.invoke(cli, ["demo", "--report-dir", str(tmp_path / "out")], env=env)
        assert res.exit_code == 0, res.stdout + res.stderr
    assert "9/9 expectations met" in res.stdout
    assert "1 unchanged" in res.stdout
    report = json.loads((tmp_path / "out" / "demo-report.json").read_text(encoding="utf-8"))
    assert report["passed"] is True
    assert {m["age"] for m in report["known_minors"]} == {11}
    assert len(report["known_minors"]) == 4
    by_moment = [(r["asset"], r["version"], r["decision"]) for r in report["results"]]
    assert by_moment == [
        ("key_art", 1, "block"), ("synopsis/en", 1, "block"), ("synopsis/fr", 1, "block"),
        ("key_art", 2, "block"), ("synopsis/en", 2, "review"), ("synopsis/fr", 1, "block"),
        ("key_art", 2, "pass"), ("synopsis/en", 2, "pass"), ("synopsis/fr", 2, "pass")]
    original = report["results"][1]
    assert any(f["label"] == "minor.mentioned" and f["attributes"]["age"] == 11
               for f in original["findings"])
    poster = report["results"][0]
    assert poster["image"]["width"] == 1080
    assert any(f["detector"] == "aws-rekognition" for f in poster["findings"])
    assert (tmp_path / "out" / "demo-report.md").read_text(encoding="utf-8").startswith(
        "# Clearance demo: Mignonnes (s2032)")


def test_demo_fails_when_an_expectation_is_not_met(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    # a policy that never blocks: the August 2020 copy then passes, and the demo must say so
    lenient = Screener.from_settings(settings)
    lenient.policy = lenient.policy.model_copy(update={
        "rules": [r for r in lenient.policy.rules if r.outcome != "block"]})
    run = run_demo(settings, lenient)
    assert len(run.outcomes) == 3 * len(MOMENTS)
    assert run.failures
    try:
        check(run)
    except ExpectationFailed as exc:
        assert "expected block" in exc.message
        assert exc.exit_code == 1
    else:  # pragma: no cover
        raise AssertionError("check() accepted a failed run")
