"""``clearance catalog`` and ``clearance db`` through click: output, messages, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import fresh_db
from clearance.cli.main import cli  # import main first: it registers the command groups
from clearance.errors import InputError, StorageError
from clearance.storage import head_revision, upgrade

HEADER = (
    "show_id,type,title,director,cast,country,date_added,release_year,rating,duration,"
    "listed_in,description"
)
CSV = "\r\n".join(
    [
        HEADER,
        's1,Movie,Cuties,Maïmouna Doucouré,"Fathia Youssouf, Grown Up",France,'
        '"September 9, 2020",2020,TV-MA,96 min,Dramas,"Eleven-year-old Amy rebels."',
        "s2,Movie,,Nobody,,,x,2020,R,90 min,Dramas,No title here",
        "s3,Movie,Fine,,,,x,2019,PG,90 min,Dramas,Fine.",
        "",
    ]
)
PEOPLE = """\
people:
  - {name: Fathia Youssouf, date_of_birth: 2007-11-30}
  - {name: Grown Up, date_of_birth: 1980-01-01}
"""


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The CLI's settings on a database at the current schema (PostgreSQL is only ever migrated
    on purpose; see test_db_upgrade_refusal for an out-of-date one)."""
    fresh_db.migrate(database_url)
    values = {
        "CLEARANCE_DATABASE_URL": database_url,
        "CLEARANCE_DATA_DIR": str(tmp_path / "data"),
        "CLEARANCE_BLOB_DIR": str(tmp_path / "blobs"),
    }
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    return values


def _run(env: dict[str, str], *args: str) -> Result:
    result = CliRunner(env=env).invoke(cli, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def test_db_upgrade(env: dict[str, str]) -> None:
    first = _run(env, "db", "upgrade")
    assert first.exit_code == 0, first.output
    assert f"already at revision {head_revision()}" in first.stdout
    assert _run(env, "db", "upgrade").exit_code == 0


def test_an_out_of_date_database_is_upgraded_only_by_db_upgrade(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    upgrade(database_url, "0002")
    env = {"CLEARANCE_DATABASE_URL": database_url, "CLEARANCE_DATA_DIR": str(tmp_path)}
    listed = _run(env, "catalog", "titles")
    if database_url.startswith("sqlite"):
        assert listed.exit_code == 0  # the embedded database migrates itself
        return
    assert listed.exit_code == StorageError.exit_code
    assert "run 'clearance db upgrade'" in listed.stderr
    first = _run(env, "db", "upgrade")
    assert first.exit_code == 0
    assert f"upgraded from 0002 to revision {head_revision()}" in first.stdout
    assert _run(env, "catalog", "titles").exit_code == 0


def test_import_reports_problems_and_exits_3(env: dict[str, str], tmp_path: Path) -> None:
    csv_path = _write(tmp_path / "titles.csv", CSV)
    result = _run(env, "catalog", "import", str(csv_path), "--created-by", "tester")
    assert result.exit_code == InputError.exit_code
    assert f"{csv_path}: 2 imported, 0 updated, 0 unchanged, 1 skipped" in result.stdout
    assert f"{csv_path}:3: title: empty (every row needs a title)" in result.stderr
    again = _run(env, "catalog", "import", str(csv_path))
    assert f"{csv_path}: 0 imported, 0 updated, 2 unchanged, 1 skipped" in again.stdout


def test_clean_import_exits_0_and_show_gives_ages(env: dict[str, str], tmp_path: Path) -> None:
    csv_path = _write(tmp_path / "titles.csv", CSV.replace("s2,Movie,,", "s2,Movie,Named,"))
    people = _write(tmp_path / "people.yaml", PEOPLE)
    result = _run(env, "catalog", "import", str(csv_path), str(people))
    assert result.exit_code == 0, result.output
    assert "people: 0 added, 2 updated" in result.stdout
    table = _run(env, "catalog", "show", "s1", "--on", "2019-08-01")
    assert table.exit_code == 0, table.output
    assert "Cuties" in table.stdout and "TV-MA" in table.stdout
    assert "11 (minor)" in table.stdout and "2007-11-30" in table.stdout
    shown = _run(env, "catalog", "show", "s1", "--format", "json", "--on", "2019-08-01")
    payload = json.loads(shown.stdout)
    assert payload["rating"] == "TV-MA"
    ages = {c["person"]["name"]: c["person"]["age"] for c in payload["credits"]}
    assert ages == {"Maïmouna Doucouré": None, "Fathia Youssouf": 11, "Grown Up": 39}
    assert [a["kind"] for a in payload["assets"]] == ["synopsis"]
    listing = _run(env, "catalog", "titles", "--limit", "2")
    assert listing.exit_code == 0
    assert "s1" in listing.stdout and "2 of 3 titles shown" in listing.stdout


def test_rejected_file_does_not_stop_the_others(env: dict[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(f"{HEADER}\r\ns1,Movie,Caf\xe9,,,,x,2020,R,,Dramas,Text\r\n".encode("latin-1"))
    good = _write(tmp_path / "good.csv", CSV)
    result = _run(env, "catalog", "import", str(bad), str(good), str(tmp_path / "missing.yaml"))
    assert result.exit_code == InputError.exit_code
    assert f"rejected: {bad} is not valid UTF-8" in result.stderr
    assert f"{bad}:2: invalid UTF-8 at byte 13 of the line" in result.stderr
    assert f"rejected: {tmp_path / 'missing.yaml'}: no such file" in result.stderr
    assert f"{good}: 2 imported" in result.stdout


def test_yaml_problems_keep_their_brackets(env: dict[str, str], tmp_path: Path) -> None:
    path = _write(tmp_path / "c.yaml", "titles:\n  - {id: x, original_title: X, type: film}\n")
    result = _run(env, "catalog", "import", str(path))
    assert result.exit_code == InputError.exit_code
    assert f"{path}:2: titles[0].type: Input should be 'movie' or 'series'" in result.stderr


def test_unknown_title_and_usage_errors(env: dict[str, str]) -> None:
    missing = _run(env, "catalog", "show", "nope")
    assert missing.exit_code == StorageError.exit_code
    assert "no title 'nope' in the catalog" in missing.stderr
    assert _run(env, "catalog", "import").exit_code == 2
    assert _run(env, "catalog", "show", "x", "--format", "xml").exit_code == 2


@pytest.mark.parametrize(
    "command",
    [
        ["db"],
        ["db", "upgrade"],
        ["catalog"],
        ["catalog", "import"],
        ["catalog", "show"],
        ["catalog", "titles"],
    ],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
