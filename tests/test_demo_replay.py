"""``clearance demo --replay`` on SQLite and PostgreSQL: the JSON summary with exactly its six
fields, every check met (the alert before the petition passed 100,000, the incident tied to key
art v1 and synopsis v1, every variant withdrawn, every action measured, the shift from the poster
to the film), the HTML report written; a second run on the same database finds everything done
and prints the same summary. The petition's shape is checked against the real curve it was
derived from where ``../shared/data`` is present."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from clearance.bank.hashing import availability as bank_availability
from clearance.cli.main import cli
from clearance.demo.petition_shape import CUMULATIVE, HOURS, count_at
from clearance.demo.replay_stream import PETITION_START, PETITION_TOTAL, petition_passes
from script_files import load_script

pytestmark = pytest.mark.skipif(not bank_availability(),
                                reason="withdraw everywhere needs the bank extra")


def _run(env: dict[str, str], *args: str) -> dict[str, object]:
    res = CliRunner().invoke(cli, ["demo", "--replay", "--format", "json", *args], env=env)
    assert res.exit_code == 0, res.stdout + res.stderr
    out: dict[str, object] = json.loads(res.stdout)
    return out


def test_replay_meets_every_check_and_is_rerunnable(database_url: str, tmp_path: Path) -> None:
    env = {"CLEARANCE_DATA_DIR": str(tmp_path / "data"), "CLEARANCE_DATABASE_URL": database_url}
    assert CliRunner().invoke(cli, ["db", "upgrade"], env=env).exit_code == 0
    first = _run(env, "--report-dir", str(tmp_path / "out"))
    assert list(first) == ["alert_at", "petition_100k_at", "incident", "withdrawn", "actions",
                           "theme_shift"]
    alert_at = dt.datetime.fromisoformat(str(first["alert_at"]))
    passed = dt.datetime.fromisoformat(str(first["petition_100k_at"]))
    assert alert_at < passed
    incident = first["incident"]
    assert isinstance(incident, dict)
    assert incident["versions"] == ["s2032/key_art/und/netflix/v1",
                                    "s2032/synopsis/en/netflix/v1"]
    assert all(c["ok"] for c in incident["checks"]), incident["checks"]
    withdrawn = first["withdrawn"]
    assert isinstance(withdrawn, list) and len(withdrawn) >= 7
    assert withdrawn[0]["ref"] == "s2032/key_art/und/netflix/v1"
    actions = first["actions"]
    assert isinstance(actions, list)
    assert [a["kind"] for a in actions] == ["withdraw_everywhere", "copy_rewritten", "replace",
                                            "statement", "escalation"]
    assert all(a["effect"]["status"] in ("measured", "partial") for a in actions)
    shift = first["theme_shift"]
    assert isinstance(shift, dict) and (shift["shift"]["from"], shift["shift"]["to"]) == (
        "poster", "film")
    report = Path(str(incident["report"]))
    html = report.read_text(encoding="utf-8")
    assert "<svg" in html and "approved by jo and robin" in html and "<script" not in html
    if database_url.startswith("sqlite"):  # once is enough to show it
        again = _run(env, "--report-dir", str(tmp_path / "out"))
        assert again == first


def test_the_petition_grows_to_its_total_in_the_shape_shipped() -> None:
    assert len(CUMULATIVE) == HOURS and list(CUMULATIVE) == sorted(CUMULATIVE)
    assert CUMULATIVE[-1] == 1.0
    assert count_at(PETITION_START, PETITION_TOTAL, PETITION_START) == 0
    assert count_at(PETITION_START, PETITION_TOTAL,
                    PETITION_START + dt.timedelta(days=8)) == PETITION_TOTAL
    crossing = petition_passes(100_000)
    assert dt.timedelta(hours=24) < crossing - PETITION_START < dt.timedelta(hours=72)


@pytest.mark.shared_data
def test_the_shipped_shape_is_the_real_curve(shared_data_dir: Path) -> None:
    script = Path(__file__).resolve().parents[1] / "bench" / "derive_petition_shape.py"
    module = load_script("derive_petition_shape", script)
    derived = module.derive(shared_data_dir / module.SOURCE)
    assert max(abs(a - b) for a, b in zip(derived, CUMULATIVE, strict=True)) <= 0.001
