"""``clearance bank`` from the command line: add files, scan a folder and a manifest as jsonl,
re-scan with --changed (only what changed), bad input named with its file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from bank_world import noise_png, poster, thumbnail
from clearance.cli.main import cli


@pytest.fixture
def env(engine: Engine, database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"CLEARANCE_DATABASE_URL": database_url, "CLEARANCE_DATA_DIR": str(tmp_path / "data")}


def _run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_add_scan_changed_and_bad_input(env: dict[str, str], tmp_path: Path) -> None:
    art = tmp_path / "art.png"
    art.write_bytes(poster("withdrawn"))
    code, out, err = _run(env, "bank", "add", str(art), "--bank", "rejected", "--reason", "x")
    assert code == 0, err
    assert "banked rejected (entry 1)" in out
    assert "already in rejected" in _run(env, "bank", "add", str(art), "--bank", "rejected")[1]

    feed = tmp_path / "feed"
    feed.mkdir()
    (feed / "thumb.jpg").write_bytes(thumbnail(poster("withdrawn")))
    (feed / "other.png").write_bytes(noise_png(2))
    (feed / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    code, out, err = _run(env, "bank", "scan", str(feed), "--format", "jsonl")
    assert code == 3 and "broken.jpg" in err  # reported; the rest scanned
    rows = {Path(r["item"]).name: r for r in map(json.loads, out.splitlines())}
    assert set(rows) == {"thumb.jpg", "other.png", "broken.jpg"}
    [m] = rows["thumb.jpg"]["matches"]
    assert (m["bank"], m["label"], rows["thumb.jpg"]["decision"]) == ("rejected", "art.png",
                                                                       "block")
    assert m["distance"] <= 31 and rows["other.png"]["matches"] == []
    assert {r["status"] for r in rows.values()} == {"new"}

    (feed / "broken.jpg").unlink()
    code, out, _ = _run(env, "bank", "scan", str(feed), "--format", "jsonl", "--changed")
    assert code == 0
    assert [(Path(r["item"]).name, r["status"]) for r in map(json.loads, out.splitlines())] \
        == [("broken.jpg", "gone")]
    code, out, _ = _run(env, "bank", "scan", str(feed), "--format", "jsonl", "--changed")
    assert (code, out) == (0, "")  # idempotent: nothing changed

    manifest = tmp_path / "partner.jsonl"
    manifest.write_text(json.dumps({"path": "feed/thumb.jpg", "channel": "partner",
                                    "locale": "fr-FR", "partner": "acme"}) + "\n{oops\n"
                        + json.dumps({"file": "x"}) + "\n")
    code, out, err = _run(env, "bank", "scan", str(manifest), "--format", "jsonl")
    assert code == 3
    assert f"{manifest}:2: not JSON" in err and f"{manifest}:3: each line needs" in err
    [row] = map(json.loads, out.splitlines())
    assert (row["partner"], row["locale"], row["decision"]) == ("acme", "fr-FR", "block")


def test_bank_names_and_distances_are_checked(env: dict[str, str]) -> None:
    code, _, err = _run(env, "bank", "create", "partner-x", "--reason", "takedown",
                        "--distance", "300")
    assert code == 3 and "0 to 256" in err
    code, _, err = _run(env, "bank", "add", "nope.png", "--bank", "nosuch")
    assert code != 0
    code, _, err = _run(env, "bank", "list", "--bank", "nosuch")
    assert code == 5 and "no bank named 'nosuch'" in err
    code, out, _ = _run(env, "bank", "list", "--format", "json")
    assert [b["name"] for b in json.loads(out)] == ["rejected", "withdrawn"]
