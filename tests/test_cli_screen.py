"""``clearance screen`` and ``clearance policy check`` end to end, including bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from clearance.cli.main import cli
from clearance.storage import make_engine, session_scope
from clearance.storage.screening_models import Screening

ORIGINAL = ("Amy, 11, becomes fascinated with a twerking dance crew. Hoping to join them, she "
            "starts to explore her femininity, defying her family's traditions.")
REVISED = ("Eleven-year-old Amy starts to rebel against her conservative family’s traditions "
           "when she becomes fascinated with a free-spirited dance crew.")
FRENCH = "Amy, 11 ans, rêve d'intégrer un groupe de danse twerk et découvre sa féminité."
BENIGN = "A retired detective returns to Oslo for one last case."
HEADER = "show_id,type,title,director,cast,country,date_added,release_year,rating,duration," \
         "listed_in,description\n"


def run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


def screen_json(text: str, *extra: str) -> dict[str, object]:
    code, out, err = run("screen", "--text", text, "--format", "json", *extra)
    assert code == 0, err
    data: dict[str, object] = json.loads(out)
    return data


def test_original_synopsis_blocks_with_evidence() -> None:
    data = screen_json(ORIGINAL, "--rating", "TV-MA")
    assert data["decision"] == "block"
    findings = data["findings"]
    assert isinstance(findings, list)
    minors = [f for f in findings if f["label"] == "minor.mentioned"]
    assert minors and minors[0]["attributes"]["age"] == 11
    assert minors[0]["evidence"] == {"kind": "text_span", "start": 0, "end": 7, "text": "Amy, 11",
                                     "sentence": 0}
    assert any(f["label"] == "suggestive.text" for f in findings)
    reasons = data["reasons"]
    assert isinstance(reasons, list) and "child-sexualised-copy" in reasons[0]


@pytest.mark.parametrize(("text", "decision"), [(REVISED, "pass"), (FRENCH, "block"),
                                                (BENIGN, "pass")])
def test_acceptance_decisions(text: str, decision: str) -> None:
    assert screen_json(text, "--rating", "TV-MA")["decision"] == decision


def test_jsonl_and_table_and_fail_on() -> None:
    code, out, _ = run("screen", "--text", ORIGINAL, "--text", BENIGN, "--format", "jsonl")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["decision"] for r in rows] == ["block", "pass"]
    assert [r["item"] for r in rows] == ["text-1", "text-2"]
    code, out, _ = run("screen", "--text", ORIGINAL, "--fail-on", "block")
    assert code == 1 and "block" in out
    code, _, _ = run("screen", "--text", BENIGN, "--fail-on", "review")
    assert code == 0


def test_empty_text_is_an_input_error() -> None:
    code, out, err = run("screen", "--text", "   ")
    assert code == 3
    assert "text is empty" in err and "Traceback" not in err + out


def test_huge_text_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * (4 * 1024 * 1024))  # 20 MiB
    code, _, err = run("screen", str(big))
    assert code == 3
    assert "20,971,520 bytes" in err and "limit" in err and "Traceback" not in err


def test_stdin() -> None:
    res = CliRunner().invoke(cli, ["screen", "-", "--format", "json"], input=ORIGINAL.encode())
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["item"] == "stdin" and data["decision"] == "block"
    res = CliRunner().invoke(cli, ["screen", "-"], input=b"\xff\xfe")
    assert res.exit_code == 3 and "not UTF-8" in res.stderr


def test_no_arguments_is_a_usage_error() -> None:
    code, _, err = run("screen")
    assert code == 2 and "--text" in err


def _row(sid: str, desc: str, rating: str = "TV-MA") -> str:
    return f'{sid},Movie,Title {sid},,,,,2020,{rating},90 min,Dramas,"{desc}"\n'


def test_csv_screening(tmp_path: Path) -> None:
    f = tmp_path / "cat.csv"
    f.write_text(HEADER + _row("s1", BENIGN) + _row("s2", ORIGINAL.replace('"', "")),
                 encoding="utf-8")
    code, out, err = run("screen", str(f), "--format", "jsonl")
    assert code == 0, err
    rows = {r["item"]: r for r in map(json.loads, out.splitlines())}
    assert rows["s1"]["decision"] == "pass" and rows["s2"]["decision"] == "block"


def test_csv_with_invalid_utf8_row_keeps_the_good_rows(tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_bytes((HEADER + _row("s1", BENIGN)).encode() + _row("s2", "caf\xe9").encode("latin-1")
                  + _row("s3", ORIGINAL).encode())
    code, out, err = run("screen", str(f), "--format", "jsonl")
    assert code == 3
    assert f"{f}:3: invalid UTF-8" in err
    assert [json.loads(x)["item"] for x in out.splitlines()] == ["s1", "s3"]


def test_csv_missing_columns(tmp_path: Path) -> None:
    f = tmp_path / "cols.csv"
    f.write_text("show_id,title\ns1,Hello\n", encoding="utf-8")
    code, out, err = run("screen", str(f))
    assert code == 3
    assert "missing required column" in err and "description" in err and out == ""


def test_csv_broken_quote_reported_and_rest_screened(tmp_path: Path) -> None:
    f = tmp_path / "quote.csv"
    f.write_text(HEADER + _row("s1", BENIGN)
                 + 's2,Movie,Broken,,,,,2020,TV-MA,90 min,Dramas,"An unterminated quote\n'
                 + _row("s3", ORIGINAL), encoding="utf-8")
    code, out, err = run("screen", str(f), "--format", "jsonl")
    assert code == 3
    assert f"{f}:3: unterminated quote" in err
    assert [json.loads(x)["item"] for x in out.splitlines()] == ["s1", "s3"]


def test_policy_check(tmp_path: Path) -> None:
    code, out, _ = run("policy", "show")
    assert code == 0 and "child-sexualised-copy" in out
    good = tmp_path / "good.yaml"
    good.write_text(out, encoding="utf-8")
    code, out, _ = run("policy", "check", str(good))
    assert code == 0 and "ok" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("policy: x\nversion: 1\nrules:\n  - name: Bad Name\n    outcome: nope\n"
                   "    when: {finding: nothing}\n", encoding="utf-8")
    code, out, err = run("policy", "check", str(bad))
    assert code == 4
    assert f"{bad}:4: rules[0].name" in err
    assert f"{bad}:5: rules[0].outcome" in err
    assert f"{bad}:6: rules[0].when.finding" in err
    assert "rules[0].description: Field required" in err
    assert "Traceback" not in err


def test_screen_with_custom_policy(tmp_path: Path) -> None:
    p = tmp_path / "strict.yaml"
    p.write_text("policy: strict\nversion: 1\nrules:\n  - name: any-minor\n"
                 "    description: any minor goes to review\n    outcome: review\n"
                 "    when: {finding: minor.mentioned}\n", encoding="utf-8")
    data = screen_json(REVISED, "--policy", str(p))
    assert data["decision"] == "review" and data["policy"] == "strict@1"


CAMPAIGN = """\
format: clearance-catalog/1
people: []
titles:
  - id: t1
    original_title: Mignonnes
    type: movie
    rating: TV-MA
    assets:
      - kind: synopsis
        locale: fr
        versions:
          - text: "Amy, 11 ans, rêve d'intégrer un groupe de danse twerk et découvre sa féminité."
"""


def test_screen_with_title_uses_its_rating_and_campaign(tmp_path: Path) -> None:
    catalog = tmp_path / "campaign.yaml"
    catalog.write_text(CAMPAIGN, encoding="utf-8")
    env = {"CLEARANCE_DATA_DIR": str(tmp_path / "data")}
    runner = CliRunner()
    res = runner.invoke(cli, ["catalog", "import", str(catalog)], env=env)
    assert res.exit_code == 0, res.stderr
    res = runner.invoke(cli, ["screen", "--title", "t1", "--text", REVISED, "--format", "json"],
                        env=env)
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    # the English copy is clean, but the title's French synopsis still frames the child
    assert data["decision"] == "review"
    assert any("minor-with-sexualised-title-campaign" in r for r in data["reasons"])
    assert any(f["label"] == "rating.mature" for f in data["findings"])
    # screening the French copy itself does not count it twice as "another asset"
    res = runner.invoke(cli, ["screen", "--title", "t1", "--text", FRENCH, "--format", "json"],
                        env=env)
    data = json.loads(res.stdout)
    assert data["decision"] == "block"
    assert not any("title-campaign" in r for r in data["reasons"])
    res = runner.invoke(cli, ["screen", "--title", "nope", "--text", BENIGN], env=env)
    assert res.exit_code == 5 and "no title 'nope'" in res.stderr


def _screenings(tmp_path: Path) -> list[tuple[int, str, str, dict[str, int]]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'clearance.db'}")
    try:
        with session_scope(engine) as s:
            return [(r.version_id, r.decision, r.requested_by, r.context)
                    for r in s.scalars(select(Screening).order_by(Screening.id))]
    finally:
        engine.dispose()


def test_screen_records_only_what_is_a_catalog_version(tmp_path: Path) -> None:
    """Ad-hoc copy is screened statelessly; with --title, copy that *is* one of the title's
    versions (same bytes) has its screening recorded, once per set of inputs."""
    catalog = tmp_path / "campaign.yaml"
    catalog.write_text(CAMPAIGN, encoding="utf-8")
    env = {"CLEARANCE_DATA_DIR": str(tmp_path / "data")}
    runner = CliRunner()
    assert runner.invoke(cli, ["catalog", "import", str(catalog)], env=env).exit_code == 0
    for args in (["--text", FRENCH], ["--title", "t1", "--text", REVISED]):
        res = runner.invoke(cli, ["screen", *args], env=env)
        assert res.exit_code == 0, res.stderr
        assert "recorded" not in res.stderr
    assert _screenings(tmp_path) == []
    for _ in range(2):
        res = runner.invoke(cli, ["screen", "--title", "t1", "--text", FRENCH], env=env)
        assert res.exit_code == 0, res.stderr
    assert "recorded" not in res.stderr  # the second run found the same screening stored
    rows = _screenings(tmp_path)
    assert len(rows) == 1
    assert rows[0][1:] == ("block", "cli", {})
