"""``clearance incident ...`` on SQLite and PostgreSQL: open by hand, act (a statement, an
escalation, a placement change), assign, move, close, list and show as JSON, measure, learn and
write the report; the exit codes of a refused state change and of a missing option."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine

from clearance.cli.main import cli
from clearance.storage import LocalBlobStore
from incident_world import IncidentWorld


@pytest.fixture
def run(engine: Engine, blobs: LocalBlobStore, tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    world = IncidentWorld(engine, blobs, tmp_path)
    env = {"CLEARANCE_DATABASE_URL": database_url, "CLEARANCE_DATA_DIR": str(tmp_path / "d")}

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["incident", *args], env=env)

    invoke.world = world  # type: ignore[attr-defined]
    return invoke


def test_incident_commands(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    opened = run("open", "--title", "s2032", "--name", "Poster backlash", "--owner", "jo",
                 "--onset", "2020-08-19T09:00:00Z", "--format", "json")
    assert opened.exit_code == 0, opened.output
    incident = json.loads(opened.stdout)
    assert incident["opened_from"] == "hand" and incident["owner"] == "jo"
    assert {v["ref"] for v in incident["versions"]} == {"s2032/key_art/und/web/v1",
                                                       "s2032/synopsis/en/catalog/v1"}
    iid = str(incident["id"])
    statement = run("action", iid, "statement", "--text", "We are sorry.", "--channel", "x",
                    "--at", "2020-08-20T19:00:00Z", "--format", "json")
    assert statement.exit_code == 0, statement.output
    assert json.loads(statement.stdout)["detail"]["channel"] == "x"
    assert run("action", iid, "escalation", "--to", "legal", "--reason", "the film").exit_code \
        == 0
    placed = run("action", iid, "placement_changed", "--from", "kids row", "--to", "removed",
                 "--version", "s2032/key_art/und/web/v1")
    assert placed.exit_code == 0, placed.output
    missing = run("action", iid, "statement", "--text", "sorry")
    assert missing.exit_code == 3 and "statement needs --channel" in missing.output
    assert run("assign", iid, "robin").exit_code == 0
    assert run("state", iid, "monitoring").exit_code == 0
    refused = run("state", iid, "open")
    assert refused.exit_code == 8 and "it can go to responding, closed" in refused.output
    assert run("close", iid, "--reason", "faded").exit_code == 0
    listed = json.loads(run("list", "--state", "closed", "--format", "json").stdout)
    assert [i["id"] for i in listed["incidents"]] == [incident["id"]]
    shown = json.loads(run("show", iid, "--format", "json").stdout)
    assert [a["kind"] for a in shown["actions"]] == ["statement", "escalation",
                                                     "placement_changed"]
    assert shown["owner"] == "robin" and shown["close_reason"] == "faded"
    measured = run("measure", iid, "--format", "json")
    assert measured.exit_code == 0, measured.output
    assert len(json.loads(measured.stdout)["actions"]) == 3
    learned = run("learn", iid, "--format", "json")
    assert learned.exit_code == 0, learned.output
    assert {c["verdict"] for c in json.loads(learned.stdout)["causes"]} == {"overridden"}
    report = run("report", iid, "-o", str(tmp_path / "r"))
    assert report.exit_code == 0, report.output
    assert Path(report.stdout.strip()).read_text(encoding="utf-8").startswith("<!doctype html>")
    assert "Poster backlash" in run("show", iid).stdout
