"""The command line as a team uses it at volume: a CSV piped into ``screen -``, vendor responses
for a folder of images, progress totals, ``--quiet``/``--verbose``, ``--format json`` on every
list command, a note naming a database a command created, and skip messages that name their
input once."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from rich.progress import BarColumn, MofNCompleteColumn

from clearance.cli.main import cli
from clearance.cli.screen import _progress
from clearance.cli.screen_inputs import ScreenInputs
from clearance.demo.art import draw_poster
from clearance.screening import Screener
from clearance.settings import Settings

HEADER = "show_id,type,title,rating,description\n"
ROWS = (HEADER
        + 's1,Movie,Night Garden,PG,"A retired detective returns to Oslo for one last case."\n'
        + 's2,Movie,Cuties,TV-MA,"Amy, 11, becomes fascinated with a twerking dance crew."\n'
        + 's3,TV Show,Harbour,TV-14,"Two sisters run a ferry,\nwhatever the weather."\n')
AWS_SUGGESTIVE = json.dumps({"ModerationLabels": [
    {"Confidence": 91.2, "Name": "Suggestive", "ParentName": ""},
    {"Confidence": 88.0, "Name": "Revealing Clothes", "ParentName": "Suggestive"}],
    "ModerationModelVersion": "6.0"})


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new, empty folder as the working directory, with no database configured."""
    monkeypatch.chdir(tmp_path)
    for key in ("CLEARANCE_DATABASE_URL", "CLEARANCE_DATA_DIR", "CLEARANCE_BLOB_DIR"):
        monkeypatch.delenv(key, raising=False)
    return tmp_path


def run(*args: str, stdin: str | bytes | None = None) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)


# -- standard input as CSV -----------------------------------------------------------------

def test_a_csv_on_standard_input_is_screened_as_rows() -> None:
    res = run("screen", "-", "--format", "jsonl", stdin=ROWS)
    assert res.exit_code == 0, res.stderr
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["item"] for r in rows] == ["s1", "s2", "s3"]
    assert [r["decision"] for r in rows][:2] == ["pass", "block"]


def test_copy_on_standard_input_is_still_one_text() -> None:
    text = "Amy, 11, becomes fascinated with a twerking dance crew, description and all."
    res = run("screen", "-", "--format", "json", stdin=text)
    assert res.exit_code == 0
    assert json.loads(res.stdout)["item"] == "stdin"


def test_input_format_decides_for_standard_input() -> None:
    as_text = run("screen", "-", "--input-format", "text", "--format", "json", stdin=ROWS)
    assert json.loads(as_text.stdout)["item"] == "stdin"  # the whole CSV as one text
    other = "id,synopsis\nx1,A quiet film about a lighthouse keeper.\n"
    res = run("screen", "-", "--input-format", "csv", "--column", "synopsis", "--id-column",
              "", "--rating-column", "", "--format", "jsonl", stdin=other)
    assert res.exit_code == 0, res.stderr
    assert [json.loads(x)["item"] for x in res.stdout.splitlines()] == ["stdin:2"]
    res = run("screen", "-", "--input-format", "csv", stdin=other)
    assert res.exit_code == 3
    assert "standard input:1: missing required column(s)" in res.stderr


def test_a_bad_row_on_standard_input_is_located() -> None:
    res = run("screen", "-", "--format", "jsonl", stdin=ROWS + "s4,Movie,Broken\n")
    assert res.exit_code == 3
    assert "skipped: standard input:6: expected 5 fields, found 3" in res.stderr
    assert len(res.stdout.splitlines()) == 3


# -- vendor responses for many images ------------------------------------------------------

def test_vendor_findings_for_a_folder_of_images(tmp_path: Path) -> None:
    art, responses = tmp_path / "art", tmp_path / "responses"
    art.mkdir()
    responses.mkdir()
    for name in ("a.png", "b.png", "c.png"):
        (art / name).write_bytes(draw_poster("withdrawn"))
    (responses / "a.png.json").write_text(AWS_SUGGESTIVE, encoding="utf-8")
    (responses / "b.json").write_text(AWS_SUGGESTIVE, encoding="utf-8")
    res = run("screen", str(art), "--depicts", "Amy=11", "--vendor-findings", str(responses),
              "--format", "jsonl")
    assert res.exit_code == 0, res.stderr
    by_name = {Path(r["item"]).name: r for r in map(json.loads, res.stdout.splitlines())}
    for name in ("a.png", "b.png"):
        assert by_name[name]["decision"] == "block"
        assert any(f["detector"] == "aws-rekognition" for f in by_name[name]["findings"])
    assert not any(f["detector"] == "aws-rekognition" for f in by_name["c.png"]["findings"])
    assert "1 had none" in res.stderr  # the image without a response is named in the count
    (responses / "c.json").write_text("{not json", encoding="utf-8")
    res = run("screen", str(art), "--vendor-findings", str(responses), "--format", "jsonl")
    assert res.exit_code == 3  # an unusable response: its image is skipped, not screened bare
    assert "c.json" in res.stderr and "c.png was skipped" in res.stderr
    assert sorted(Path(json.loads(x)["item"]).name for x in res.stdout.splitlines()) == \
        ["a.png", "b.png"]


# -- progress ------------------------------------------------------------------------------

def test_progress_has_a_total_where_the_size_is_known(tmp_path: Path) -> None:
    catalog = tmp_path / "rows.csv"
    catalog.write_text(ROWS, encoding="utf-8")
    folder = tmp_path / "art"
    folder.mkdir()
    (folder / "a.png").write_bytes(draw_poster("replacement"))
    (folder / "notes.txt").write_text("not screened", encoding="utf-8")
    inputs = ScreenInputs(Screener.from_settings(Settings(semantic="off")), Settings())
    assert inputs.count(["x", "y"], [catalog, folder, tmp_path / "one.txt"]) == 2 + 3 + 1 + 1
    bar = _progress(6)
    assert any(isinstance(c, MofNCompleteColumn) for c in bar.columns)
    assert any(isinstance(c, BarColumn) for c in bar.columns)
    assert not any(isinstance(c, MofNCompleteColumn) for c in _progress(None).columns)


# -- quiet and verbose ---------------------------------------------------------------------

def _commands(group: click.Group) -> list[click.Command]:
    out: list[click.Command] = []
    for cmd in group.commands.values():
        out.append(cmd)
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd))
    return out


def test_every_command_takes_quiet_and_verbose() -> None:
    for cmd in [cli, *_commands(cli)]:
        opts = {o for p in cmd.params if isinstance(p, click.Option) for o in p.opts}
        assert {"-q", "--quiet", "-v", "--verbose"} <= opts, cmd.name


def test_quiet_leaves_results_and_skips_verbose_says_what_was_used(tmp_path: Path) -> None:
    catalog = tmp_path / "rows.csv"
    catalog.write_text(ROWS + 's4,Movie,Empty,PG,""\n', encoding="utf-8")
    normal = run("screen", str(catalog), "--format", "jsonl")
    quiet = run("screen", str(catalog), "--format", "jsonl", "--quiet")
    verbose = run("screen", str(catalog), "--format", "jsonl", "-v")
    assert normal.stdout == quiet.stdout == verbose.stdout
    assert "3 item(s) screened, 1 skipped" in normal.stderr
    assert "skipped:" in quiet.stderr and "item(s) screened" not in quiet.stderr
    assert re.search(r"policy clearance-default@[\d.]+; detectors .*minor-mention@",
                     verbose.stderr)
    assert re.search(r"screened 3 item\(s\) in \d+\.\d s", verbose.stderr)
    assert "policy clearance-default" not in normal.stderr


# -- the database a command uses -----------------------------------------------------------

def test_a_command_that_creates_a_database_says_which(fresh: Path) -> None:
    first = run("catalog", "titles")
    assert first.exit_code == 0
    assert first.stderr.count("created a new database: data/clearance.db") == 1
    assert (fresh / "data" / "clearance.db").is_file()
    again = run("catalog", "titles")
    assert "created a new database" not in again.stderr
    assert "database: data/clearance.db" in run("catalog", "titles", "-v").stderr
    (fresh / "data" / "clearance.db").unlink()
    assert run("catalog", "titles", "--quiet").stderr == ""


def test_screening_without_a_database_says_nothing_of_one(fresh: Path) -> None:
    res = run("screen", "--text", "A quiet film about a lighthouse keeper.")
    assert "database" not in res.stderr and not (fresh / "data").exists()


# -- --format json on list commands ----------------------------------------------------------

LISTS = ("list", "titles", "tokens", "deliveries")


def test_every_list_command_has_format_json() -> None:
    found = [c for c in _commands(cli) if c.name in LISTS]
    assert len(found) >= 6
    for cmd in found:
        fmt = [p for p in cmd.params if isinstance(p, click.Option) and "--format" in p.opts]
        assert fmt and "json" in getattr(fmt[0].type, "choices", ()), cmd.name


def test_list_commands_print_json(fresh: Path) -> None:
    run("users", "create", "alice", "--role", "reviewer", "--no-password")
    run("users", "token", "alice", "--name", "ci")
    run("users", "create", "lee", "--role", "legal", "--no-password")
    users = json.loads(run("users", "list", "--format", "json").stdout)
    assert {"username": "alice", "display_name": "alice", "role": "reviewer", "team": None,
            "active": True, "has_password": False, "tokens": 1} in users["users"]
    tokens = json.loads(run("users", "tokens", "--format", "json").stdout)["tokens"]
    assert tokens[0]["user"] == "alice" and tokens[0]["name"] == "ci"
    assert "secret" not in json.dumps(tokens) and tokens[0]["revoked_at"] is None
    titles = json.loads(run("catalog", "titles", "--format", "json").stdout)
    assert titles == {"total": 0, "offset": 0, "limit": 20, "titles": []}
    assert json.loads(run("webhooks", "list", "--format", "json").stdout) == \
        {"subscriptions": []}
    assert json.loads(run("webhooks", "deliveries", "--format", "json").stdout) == \
        {"deliveries": []}
    holds = run("quarantine", "list", "--as", "lee", "--format", "json")
    assert json.loads(holds.stdout) == {"holds": []}


def test_an_empty_list_says_so_instead_of_a_bare_header(fresh: Path) -> None:
    """A table with no rows was printed as its header alone; it now says what there is none
    of and how to make one."""
    assert run("users", "list").stdout.strip() == (
        "no users: create one with `clearance users create USERNAME --role ROLE`")
    run("users", "create", "alice", "--role", "reviewer", "--no-password")
    assert "alice" in run("users", "list").stdout  # with a row, the table as before
    assert run("users", "tokens").stdout.startswith("no API tokens: ")
    assert run("users", "tokens", "alice").stdout.startswith("no API tokens for alice: ")
    assert run("monitor", "alerts").stdout.startswith("no alerts ")
    assert run("bank", "list", "--bank", "withdrawn").stdout.startswith(
        "no entries in bank 'withdrawn'")
    assert "┃" not in run("users", "tokens").stdout


# -- skip messages -------------------------------------------------------------------------

def test_skip_messages_name_their_input_once(tmp_path: Path) -> None:
    (tmp_path / "notes.jpg").write_text("not an image", encoding="utf-8")
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "cols.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "latin.txt").write_bytes(b"caf\xe9")
    (tmp_path / "folder.txt").mkdir()
    good = tmp_path / "rows.csv"
    good.write_text(ROWS, encoding="utf-8")
    names = ["notes.jpg", "empty.png", "empty.csv", "cols.csv", "latin.txt", "folder.txt",
             "missing.csv", "missing.png"]
    res = run("screen", *[str(tmp_path / n) for n in names], str(good), "--format", "jsonl")
    assert res.exit_code == 3
    assert len(res.stdout.splitlines()) == 3  # the good CSV's rows are screened all the same
    skipped = [line for line in res.stderr.splitlines() if line.startswith("skipped:")]
    assert len(skipped) == len(names)
    for line in skipped:
        assert line.count(str(tmp_path)) == 1, line
