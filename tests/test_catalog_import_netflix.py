"""Importing the Netflix catalog CSV: good rows land, bad ones are reported at their line."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from clearance.catalog import (
    ImportReport,
    get_title,
    import_catalog,
    read_catalog,
    title_assets,
)
from clearance.catalog import importer as importer_module
from clearance.catalog.records import CreditRecord, PersonRecord, TitleRecord
from clearance.catalog.sources import ParsedCatalog
from clearance.errors import ImportProblem
from clearance.storage import LocalBlobStore, make_engine, session_scope, upgrade
from clearance.storage.models import AssetVersion, Credit, Person, Title

HEADER = (
    "show_id,type,title,director,cast,country,date_added,release_year,rating,duration,"
    "listed_in,description"
)
GOOD_ROWS = [
    # line 2-3: a quoted description that legitimately spans two lines
    's1,Movie,Dick Johnson Is Dead,Kirsten Johnson,,United States,"September 25, 2021",2020,'
    'PG-13,90 min,Documentaries,"As her father nears the end of his life,\r\na filmmaker..."',
    # line 4
    's2,TV Show,Blood & Water,,"Ama Qamata, Khosi Ngema","South Africa, ",'
    '"September 24, 2021",2021,TV-MA,2 Seasons,"International TV Shows, TV Dramas",'
    '"After crossing paths at a party..."',
]
ROWS = [
    *GOOD_ROWS,
    # line 5: the title's quote is never closed
    's3,Movie,"Broken Title,Some Director,,France,July 2020,2019,R,100 min,Dramas,Text',
    # line 6
    's4,Movie,Cuties,Maïmouna Doucouré,"Fathia Youssouf, Médina El Aidi-Azouni",France,'
    '"September 9, 2020",2020,TV-MA,96 min,"Dramas, International Movies",'
    '"Eleven-year-old Amy starts to rebel."',
    # line 7: no title
    's5,Movie,,Director,,,"July 1, 2020",2019,R,90 min,Dramas,Text',
    # line 8: the year is not a number
    's6,Movie,Year Trouble,,,,"July 1, 2020",20x9,R,90 min,Dramas,Text',
    # line 9
    's7,Movie,Louis C.K. 2017,Louis C.K.,Louis C.K.,United States,"April 4, 2017",2017,'
    "74 min,,Movies,A live performance.",
]


def _write_csv(path: Path, rows: Sequence[str], header: str = HEADER) -> Path:
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode("utf-8"))
    return path


def _import(engine: Engine, blobs: LocalBlobStore, path: Path) -> ImportReport:
    with session_scope(engine) as session:
        return import_catalog(session, blobs, path, created_by="tests")


def _counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Title, Person, Credit, AssetVersion)
        }


def test_good_rows_land_and_bad_rows_are_reported_at_their_line(
    engine: Engine, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    path = _write_csv(tmp_path / "netflix.csv", ROWS)
    report = _import(engine, blobs, path)
    assert (report.imported, report.updated, report.unchanged, report.skipped) == (4, 0, 0, 3)
    located = [(p.line, p.field) for p in report.problems]
    assert located == [(5, None), (7, "title"), (8, "release_year")]
    assert "unterminated quote" in report.problems[0].message
    assert "line 6" in report.problems[0].message
    assert report.problems[2].rendered() == (
        f"{path}:8: release_year: not a number: '20x9' (expected a year like 2020)"
    )
    assert [(w.line, w.field) for w in report.warnings] == [(9, "rating")]
    with session_scope(engine) as session:
        cuties = get_title(session, "s4")
        assert (cuties.original_title, cuties.type, cuties.rating) == ("Cuties", "movie", "TV-MA")
        assert [(c.role, c.person.name) for c in cuties.credits] == [
            ("director", "Maïmouna Doucouré"),
            ("cast", "Fathia Youssouf"),
            ("cast", "Médina El Aidi-Azouni"),
        ]
        assert cuties.genres == ("Dramas", "International Movies")
        series = get_title(session, "s2")
        assert (series.type, series.countries) == ("series", ("South Africa",))
        [synopsis] = title_assets(session, "s1")
        assert (synopsis.kind, synopsis.locale, synopsis.channel) == ("synopsis", "en", "catalog")
        assert synopsis.latest is not None
        text = blobs.get(synopsis.latest.content_sha256).decode("utf-8")
        assert text == "As her father nears the end of his life,\r\na filmmaker..."
        assert get_title(session, "s7").rating is None  # "74 min" is a duration
        # Louis C.K. directs and acts: one person, two credits.
        assert len(get_title(session, "s7").people()) == 1
    assert _counts(engine)["titles"] == 4


def test_reimport_is_idempotent_and_updates_are_counted(
    engine: Engine, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    path = _write_csv(tmp_path / "netflix.csv", ROWS)
    _import(engine, blobs, path)
    before = _counts(engine)
    again = _import(engine, blobs, path)
    assert (again.imported, again.updated, again.unchanged, again.skipped) == (0, 0, 4, 3)
    assert (again.people_created, again.people_updated) == (0, 0)
    assert _counts(engine) == before
    changed = [row.replace("PG-13", "R") for row in ROWS]
    changed[1] = changed[1].replace('"Ama Qamata, Khosi Ngema"', '"Ama Qamata, Khosi Ngema, New"')
    report = _import(engine, blobs, _write_csv(tmp_path / "netflix.csv", changed))
    assert (report.imported, report.updated, report.unchanged) == (0, 2, 2)
    assert report.people_created == 1
    with session_scope(engine) as session:
        assert get_title(session, "s1").rating == "R"
        assert len(get_title(session, "s2").credits) == 3


def test_unterminated_quote_on_the_last_row(
    engine: Engine, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    rows = [*GOOD_ROWS, 's9,Movie,"Never closed,,,,,2020,R,,Dramas,Text']
    report = _import(engine, blobs, _write_csv(tmp_path / "n.csv", rows))
    assert report.imported == 2
    assert [(p.line, p.field) for p in report.problems] == [(5, None)]
    assert "unexpected end of data" in report.problems[0].message


def test_wrong_field_count_and_duplicate_ids(
    engine: Engine, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    rows = [
        *GOOD_ROWS,
        "s8,Movie,Too Few,Fields",
        GOOD_ROWS[1],
        's9,Movie,"Stray" quote,,,,,2020,R,,Dramas,Text',
    ]
    report = _import(engine, blobs, _write_csv(tmp_path / "n.csv", rows))
    assert report.imported == 2
    assert [(p.line, p.field) for p in report.problems] == [(5, None), (6, "show_id"), (7, None)]
    assert "expected 12 fields, found 4" in report.problems[0].message
    assert "first at line 4" in report.problems[1].message
    assert "malformed CSV quoting" in report.problems[2].message


def test_invalid_utf8_rejects_the_file_with_line_and_byte(
    engine: Engine, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    text = ("\r\n".join([HEADER, *GOOD_ROWS]) + "\r\n").encode("utf-8")
    bad = text.replace(b"Blood & Water", b"Blood \xe9 Water")  # Latin-1 é, line 4
    path = tmp_path / "latin1.csv"
    path.write_bytes(bad)
    with pytest.raises(ImportProblem) as caught:
        _import(engine, blobs, path)
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == (str(path), 4)
    assert "byte 18 of the line" in problem.message and "0xe9" in problem.message
    assert str(path) in caught.value.rendered() and "UTF-8" in caught.value.rendered()
    assert _counts(engine)["titles"] == 0


def test_missing_columns_reject_the_file(
    engine: Engine, blobs: LocalBlobStore, tmp_path: Path
) -> None:
    header = HEADER.replace(",cast", "").replace(",rating", "")
    path = _write_csv(tmp_path / "cols.csv", ["s1,Movie,T,D,US,x,2020,90 min,Dramas,Text"], header)
    with pytest.raises(ImportProblem) as caught:
        _import(engine, blobs, path)
    [problem] = caught.value.problems
    assert problem.line == 1
    assert "missing required column(s): cast, rating" in problem.message
    assert _counts(engine)["titles"] == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("notes.txt", b"hello", "unknown catalog file type"),
        ("missing.csv", None, "no such file"),
    ],
)
def test_unusable_files(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ImportProblem, match=message):
        read_catalog(path)


def test_a_title_that_fails_in_the_database_is_skipped_whole(
    engine: Engine, blobs: LocalBlobStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch fails, is rolled back, and is replayed one savepoint per title."""
    good = TitleRecord(
        id="ok",
        original_title="Fine",
        type="movie",
        line=2,
        credits=(CreditRecord(PersonRecord("Good Person"), "cast"),),
    )
    bad = TitleRecord(
        id="bad",
        original_title="Broken",
        type="movie",
        line=3,
        credits=(CreditRecord(PersonRecord("Only Here"), "star"),),
    )

    def reader(path: Path, display: str) -> ParsedCatalog:
        return ParsedCatalog(titles=[good, bad])

    monkeypatch.setitem(importer_module.READERS, ".fake", reader)
    path = tmp_path / "x.fake"
    report = _import(engine, blobs, path)
    assert (report.imported, report.skipped) == (1, 1)
    assert [(p.line, "'bad'" in p.message) for p in report.problems] == [(3, True)]
    with Session(engine) as session:
        assert session.scalars(select(Title.id)).all() == ["ok"]
        assert session.scalars(select(Person.name)).all() == ["Good Person"]


def test_bulk_and_per_title_paths_store_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write_csv(tmp_path / "netflix.csv", ROWS)
    views = []
    for forced in (False, True):
        url = f"sqlite:///{tmp_path / f'db{forced}.db'}"
        upgrade(url)
        engine = make_engine(url)
        blobs = LocalBlobStore(tmp_path / "blobs")
        if forced:
            monkeypatch.setattr(importer_module._Writer, "batch", lambda self, records: False)
        try:
            report = _import(engine, blobs, path)
            assert (report.imported, report.skipped) == (4, 3)
            with session_scope(engine) as session:
                views.append(
                    [
                        (
                            get_title(session, i).model_dump(exclude={"credits"}),
                            [
                                (c.person.name, c.role, c.character)
                                for c in get_title(session, i).credits
                            ],
                            [
                                a.model_dump(
                                    exclude={"id": True, "latest": {"id", "asset_id", "created_at"}}
                                )
                                for a in title_assets(session, i)
                            ],
                        )
                        for i in ("s1", "s2", "s4", "s7")
                    ]
                )
        finally:
            engine.dispose()
    assert views[0] == views[1]


@pytest.mark.shared_data
def test_import_the_real_netflix_catalog(
    shared_data_dir: Path, tmp_path: Path, blobs: LocalBlobStore
) -> None:
    path = shared_data_dir / "netflix-titles" / "netflix_titles.csv"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    url = f"sqlite:///{tmp_path / 'netflix.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        report = _import(engine, blobs, path)
        elapsed = time.perf_counter() - started
        assert (report.imported, report.skipped, report.problems) == (8807, 0, [])
        assert elapsed < 60, f"import took {elapsed:.1f}s"
        with session_scope(engine) as session:
            cuties = get_title(session, "s2032")
            assert (cuties.original_title, cuties.rating, cuties.type) == (
                "Cuties",
                "TV-MA",
                "movie",
            )
            assert [p.name for p in cuties.people("cast")][:4] == [
                "Fathia Youssouf",
                "Médina El Aidi-Azouni",
                "Esther Gohourou",
                "Ilanah Cami-Goursolas",
            ]
            assert len(cuties.people("cast")) == 9
            assert [p.name for p in cuties.people("director")] == ["Maïmouna Doucouré"]
            # The record whose title spans two physical lines.
            assert get_title(session, "s8420").original_title == (
                "The Memphis Belle: A Story of a Flying Fortress"
            )
        assert _counts(engine)["titles"] == 8807
        again = _import(engine, blobs, path)
        assert (again.unchanged, again.imported, again.updated) == (8807, 0, 0)
    finally:
        engine.dispose()
