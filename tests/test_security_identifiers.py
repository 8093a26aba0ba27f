"""Ids that look like what they are (issue 10, item 18): one validator
(:mod:`clearance.identifiers`) for title ids, channels and locales (catalog readers and writer),
usernames and team ids; names are kept but shown escaped.

Reproduced first: a catalog title ``s2032\\u200b`` (and ``\\u202e...``) was imported next to
``s2032``, two ids that read the same in the queue and the audit log.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from clearance.catalog import import_catalog, upsert_asset, upsert_title
from clearance.errors import InputError
from clearance.identifiers import (
    check_identifier,
    escape_invisible,
    identifier_problem,
)
from clearance.review import access
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.models import Title

REFUSED = {
    "zero-width space": "s20\u200b32",
    "trailing ZWSP": "s2032\u200b",
    "right-to-left override": "\u202egpj.exe",
    "bidi isolate": "s\u2066203\u2069",
    "left-to-right mark": "s2032\u200e",
    "soft hyphen": "s20\u00ad32",
    "no-break space": "s20\u00a032",
    "ideographic space": "s20\u300032",
    "BOM": "\ufeffs2032",
    "tag character": "s2032\U000e0041",
    "variation selector": "s2032\ufe0f",
    "Hangul filler": "s\u31642032",
    "full-width": "ｓ２０３２",
    "decomposed accent": "cafe\u0301",
    "ligature": "\ufb01lm",
    "Cyrillic a in Latin": "p\u0430ypal",
    "Greek omicron in Latin": "hell\u03bf",
    "control": "s20\x0032",
    "tab": "s20\t32",
    "newline": "s2032\n",
    "private use": "s2032\ue000",
    "leading space": " s2032",
    "empty": "",
    "spaces only": "   ",
}
ACCEPTED = ["s2032", "81193309", "cat-1", "marketing-fr", "press kit", "caf\u00e9",
            "日本語タイトル", "ελληνικά", "кино", "web", "und", "pt-BR"]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_look_alike_ids_are_refused(name: str) -> None:
    value = REFUSED[name]
    assert identifier_problem(value) is not None, name
    with pytest.raises(InputError) as refused:
        check_identifier(value, "title id")
    assert "invalid title id" in refused.value.message
    assert "\u202e" not in refused.value.message and "\u200b" not in refused.value.message


@pytest.mark.parametrize("value", ACCEPTED)
def test_plain_ids_pass(value: str) -> None:
    assert identifier_problem(value) is None
    assert check_identifier(value, "id") == value


def test_names_are_shown_escaped() -> None:
    assert escape_invisible("Amy\u202eevil") == "Amy<U+202E>evil"
    assert escape_invisible("Zoë Kravitz") == "Zoë Kravitz"
    assert escape_invisible("a\u200bb c") == "a<U+200B>b c"


def _catalog(title_id: str, channel: str = "web") -> str:
    return f"""\
format: clearance-catalog/1
titles:
  - id: "{title_id}"
    original_title: Lighthouse
    type: movie
  - id: ok-1
    original_title: Fine
    type: movie
    assets:
      - kind: synopsis
        channel: "{channel}"
        versions:
          - text: A storm.
"""


def test_the_catalog_readers_refuse_them_with_a_location(engine: Engine, blobs: LocalBlobStore,
                                                         tmp_path: Path) -> None:
    yaml_path = tmp_path / "c.yaml"
    yaml_path.write_text(_catalog("s2032\\u200b", "we\\u202eb"), encoding="utf-8")
    csv_path = tmp_path / "c.csv"
    csv_path.write_text(
        "show_id,type,title,director,cast,country,date_added,release_year,rating,duration,"
        "listed_in,description\n"
        "s\u200b1,Movie,One,,,,,2020,PG,90 min,Dramas,A film.\n"
        "s2,Movie,Two,,,,,2020,PG,90 min,Dramas,A film.\n", encoding="utf-8")
    with session_scope(engine) as session:
        from_yaml = import_catalog(session, blobs, yaml_path, created_by="tests")
        from_csv = import_catalog(session, blobs, csv_path, created_by="tests")
    rendered = [p.rendered() for p in from_yaml.problems]
    assert any(f"{yaml_path}:3: titles[0].id: not a usable id" in r for r in rendered), rendered
    assert any("titles[1].assets[0].channel: not a usable id" in r for r in rendered), rendered
    assert any("show_id" in p.rendered() and "U+200B" in p.rendered()
               for p in from_csv.problems)
    with session_scope(engine) as session:
        assert session.scalars(select(Title.id)).all() == ["s2"]


def test_the_catalog_writer_refuses_them_too(engine: Engine) -> None:
    with session_scope(engine) as session:
        for bad in ("s2032\u200b", "ｓ１"):
            with pytest.raises(InputError, match="title id"):
                upsert_title(session, id=bad, original_title="X", type="movie")
        title, _ = upsert_title(session, id="t-ok", original_title="X", type="movie")
        with pytest.raises(InputError, match="channel"):
            upsert_asset(session, title, kind="synopsis", locale="en", channel="web\u200b")
        with pytest.raises(InputError, match="locale"):
            upsert_asset(session, title, kind="synopsis", locale="e\u0301n", channel="web")


def test_usernames_and_team_ids(engine: Engine) -> None:
    with session_scope(engine) as session:
        for bad in ("ad\u200bmin", "\u202eadmin", "аdmin"):  # the last with a Cyrillic а
            with pytest.raises(InputError, match="invalid username"):
                access.create_user(session, "system", bad, role="reviewer",
                                   password="a-Strong-passw0rd!")
        with pytest.raises(InputError, match="invalid team id"):
            access.ensure_team(session, "studio\u200b")
        access.ensure_team(session, "studio", "Studio \u202eName")  # a name: kept
        user = access.create_user(session, "system", "rita", role="reviewer",
                                  password="a-Strong-passw0rd!", display_name="Rita\u200b R")
        assert user.display_name == "Rita\u200b R"  # kept; shown with escape_invisible


_INVISIBLE = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad",
                              "\u202a", "\u202e", "\u2066", "\u200e", "\u3164", "\ufe0f",
                              "\u00a0", "\u3000", "\x00", "\x1b", "\U000e0020", "\u034f"])


@settings(max_examples=300, deadline=None)
@given(value=st.text(max_size=24))
def test_an_accepted_id_hides_nothing(value: str) -> None:
    """The class: whatever the text, an id the rule accepts has nothing invisible to escape and
    is already in NFKC form, so what a person reads is what is compared."""
    import unicodedata

    if identifier_problem(value) is None:
        assert escape_invisible(value) == value
        assert unicodedata.normalize("NFKC", value) == value


@settings(max_examples=200, deadline=None)
@given(base=st.sampled_from(ACCEPTED), hidden=_INVISIBLE, at=st.integers(0, 30))
def test_hiding_a_character_in_an_id_is_always_refused(base: str, hidden: str, at: int) -> None:
    where = at % (len(base) + 1)
    assert identifier_problem(base[:where] + hidden + base[where:]) is not None
