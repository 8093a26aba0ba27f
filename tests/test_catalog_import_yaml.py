"""Importing Clearance's YAML/JSON catalog format, and reporting every problem with its line."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine

from clearance.catalog import (
    ImportReport,
    get_asset_version,
    get_title,
    import_catalog,
    known_minors,
    read_catalog,
    title_assets,
)
from clearance.errors import ImportProblem
from clearance.storage import LocalBlobStore, session_scope

DOCS = Path(__file__).resolve().parents[1] / "docs" / "catalog-format.md"

CATALOG = """\
format: clearance-catalog/1
people:
  - name: Fathia Youssouf
    date_of_birth: 2007-11-30
  - {name: Grown Up, date_of_birth: 1980-05-05, ref: grown}
  - {name: Maïmouna Doucouré}
titles:
  - id: cat-1
    original_title: Mignonnes
    type: movie
    rating: TV-MA
    audience: mature
    release_year: 2020
    genres: [Dramas]
    countries: [France]
    localised_titles: {en: Cuties, fr: Mignonnes}
    aliases: [Cuties (2020)]
    hashtags: ["#Cuties", CancelNetflix]
    credits:
      - {person: Maïmouna Doucouré, role: director}
      - {person: Fathia Youssouf, role: cast, character: Amy}
      - {person: grown, role: cast}
    assets:
      - kind: synopsis
        locale: en
        versions:
          - text: Eleven-year-old Amy starts to rebel.
            created_by: standards-us
      - kind: key_art
        locale: fr
        channel: poster
        versions:
          - file: key-art.png
            shoot_date: 2019-08-01
            depicted: [Fathia Youssouf]
"""

BROKEN = """\
format: clearance-catalog/1
people:
  - {name: Known Person, date_of_birth: 2001-01-01}
  - {name: Bad Date, date_of_birth: 2001-13-45}
titles:
  - id: ok-1
    original_title: Fine
    type: movie
  - id: bad-1
    original_title: Broken
    type: film
    colour: blue
    credits:
      - {person: Known Person, role: star}
  - id: bad-2
    type: series
    localised_titles: {english: Oops}
  - id: bad-3
    original_title: References
    type: movie
    credits:
      - {person: Nobody Listed, role: cast}
      - {person: Bad Date, role: cast}
    assets:
      - kind: synopsis
        versions:
          - {text: both, file: also.txt}
          - {file: missing.png}
  - id: ok-1
    original_title: Duplicate
    type: movie
"""


def _import(engine: Engine, blobs: LocalBlobStore, path: Path) -> ImportReport:
    with session_scope(engine) as session:
        return import_catalog(session, blobs, path, created_by="tests")


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_catalog_with_names_people_credits_and_versions(
    engine: Engine, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    (tmp_path / "key-art.png").write_bytes(b"\x89PNG\r\n\x1a\n fake image bytes")
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    report = _import(engine, blobs, path)
    assert (report.imported, report.skipped, report.problems) == (1, 0, [])
    assert report.people_created == 3
    with session_scope(engine) as session:
        title = get_title(session, "cat-1")
        assert (title.original_title, title.rating, title.audience) == (
            "Mignonnes",
            "TV-MA",
            "mature",
        )
        assert [(n.kind, n.locale, n.text) for n in title.names] == [
            ("localised", "en", "Cuties"),
            ("localised", "fr", "Mignonnes"),
            ("alias", None, "Cuties (2020)"),
            ("hashtag", None, "#Cuties"),
            ("hashtag", None, "#CancelNetflix"),
        ]
        assert [(c.person.name, c.role, c.character) for c in title.credits] == [
            ("Maïmouna Doucouré", "director", None),
            ("Fathia Youssouf", "cast", "Amy"),
            ("Grown Up", "cast", None),
        ]
        assets = {a.kind: a for a in title_assets(session, "cat-1")}
        art = assets["key_art"].latest
        assert art is not None
        assert (art.content_type, art.shoot_date) == ("image/png", dt.date(2019, 8, 1))
        assert [p.name for p in art.depicted] == ["Fathia Youssouf"]
        assert blobs.get(art.content_sha256) == b"\x89PNG\r\n\x1a\n fake image bytes"
        synopsis = assets["synopsis"].latest
        assert synopsis is not None
        assert (synopsis.created_by, synopsis.content_type) == (
            "standards-us",
            "text/plain; charset=utf-8",
        )
        [minor] = known_minors(session, art.id)
        assert (minor.person.name, minor.age, minor.source, minor.character) == (
            "Fathia Youssouf",
            11,
            "depicted",
            "Amy",
        )
        assert get_asset_version(session, art.id).reference_date == dt.date(2019, 8, 1)
    again = _import(engine, blobs, path)
    assert (again.imported, again.updated, again.unchanged, again.people_created) == (0, 0, 1, 0)


def test_every_problem_is_reported_with_its_line(
    engine: Engine, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    report = _import(engine, blobs, path)
    assert (report.imported, report.skipped) == (1, 4)
    found = {(p.line, p.field) for p in report.problems}
    expected = {
        (_line_of(BROKEN, "date_of_birth: 2001-13-45"), "people[1].date_of_birth"),
        (_line_of(BROKEN, "type: film"), "titles[1].type"),
        (_line_of(BROKEN, "colour"), "titles[1].colour"),
        (_line_of(BROKEN, "role: star"), "titles[1].credits[0].role"),
        (_line_of(BROKEN, "id: bad-2"), "titles[2].original_title"),
        (_line_of(BROKEN, "english"), "titles[2].localised_titles.english"),
        (_line_of(BROKEN, "Nobody Listed"), "titles[3].credits[0].person"),
        (_line_of(BROKEN, "person: Bad Date"), "titles[3].credits[1].person"),
        (_line_of(BROKEN, "text: both"), "titles[3].assets[0].versions[0]"),
        (_line_of(BROKEN, "also.txt"), "titles[3].assets[0].versions[0].file"),
        (_line_of(BROKEN, "missing.png"), "titles[3].assets[0].versions[1].file"),
        (_line_of(BROKEN, "Duplicate") - 1, "titles[4].id"),
    }
    assert found == expected, "\n".join(p.rendered() for p in report.problems)
    for problem in report.problems:
        assert re.match(
            rf"{re.escape(str(path))}:\d+: titles|{re.escape(str(path))}:\d+: people",
            problem.rendered(),
        )
    unknown = next(p for p in report.problems if p.field == "titles[1].colour")
    assert unknown.message == "unknown field" and unknown.hint is not None
    with session_scope(engine) as session:
        assert get_title(session, "ok-1").original_title == "Fine"
    assert report.people_created == 1  # the valid person; Bad Date was rejected


def test_json_catalog_reports_lines_too(
    engine: Engine, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    document = {
        "titles": [
            {"id": "j1", "original_title": "From JSON", "type": "series", "rating": "TV-14"},
            {"id": "j2", "original_title": "Bad", "type": "series", "release_year": "soon"},
        ]
    }
    text = json.dumps(document, indent=2)
    path = tmp_path / "catalog.json"
    path.write_text(text, encoding="utf-8")
    report = _import(engine, blobs, path)
    assert (report.imported, report.skipped) == (1, 1)
    [problem] = report.problems
    assert (problem.line, problem.field) == (_line_of(text, '"soon"'), "titles[1].release_year")
    with session_scope(engine) as session:
        assert get_title(session, "j1").rating == "TV-14"


@pytest.mark.parametrize(
    ("name", "content", "message", "line"),
    [
        ("syntax.yaml", "titles:\n  - id: [unclosed\n  - x: 1\n", "not valid YAML", 3),
        ("dupkey.yaml", "titles: []\ntitles: []\n", "not valid YAML", 2),
        ("list.yaml", "- a\n- b\n", "must be a mapping", 1),
        ("format.yaml", "format: other/2\ntitles: []\n", "not a Clearance catalog", 1),
        ("syntax.json", '{"titles": [}', "not valid JSON", 1),
        ("latin1.yaml", "titles: []\n# caf\xe9\n", "not valid UTF-8", 2),
    ],
)
def test_unusable_catalog_files(
    tmp_path: Path, name: str, content: str, message: str, line: int
) -> None:
    path = tmp_path / name
    path.write_bytes(content.encode("latin-1"))
    with pytest.raises(ImportProblem, match=message) as caught:
        read_catalog(path)
    assert [p.line for p in caught.value.problems] == [line]


def test_documented_example_imports_cleanly(
    engine: Engine, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    """The full example in docs/catalog-format.md is a valid catalog."""
    doc = DOCS.read_text(encoding="utf-8")
    match = re.search(r"<!-- example -->\n```yaml\n(.*?)```", doc, re.S)
    assert match, "docs/catalog-format.md has no ```yaml example marked <!-- example -->"
    (tmp_path / "art").mkdir()
    (tmp_path / "art" / "la-troupe-fr-poster.jpg").write_bytes(b"\xff\xd8\xff fake jpeg")
    path = tmp_path / "example.yaml"
    path.write_text(match.group(1), encoding="utf-8")
    report = _import(engine, blobs, path)
    assert report.problems == [], "\n".join(p.rendered() for p in report.problems)
    assert report.imported >= 1
