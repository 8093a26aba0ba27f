"""Catalog ``file:`` references (issue 10, item 14): confined to the catalog file's folder unless
``--allow-files-outside``, and type-checked against the asset's kind.

Reproduced first: a catalog with ``file: /proc/self/environ`` (or ``../../etc/passwd``) imported
the server's environment as a "synopsis" version that reviewers would read, and any bytes were
accepted as key art.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from clearance.catalog import import_catalog
from clearance.catalog.catalog_file import _Files
from clearance.cli.main import cli
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.models import AssetVersion

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _catalog(kind: str, file: str, content_type: str | None = None) -> str:
    extra = f", content_type: {content_type!r}" if content_type else ""
    return f"""\
format: clearance-catalog/1
titles:
  - id: t-1
    original_title: Lighthouse
    type: movie
    assets:
      - kind: {kind}
        versions:
          - {{file: {file!r}{extra}}}
"""


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """catalog/ (the catalog's folder, with art/ and copy files) next to outside/ (secrets)."""
    folder = tmp_path / "catalog"
    (folder / "art").mkdir(parents=True)
    (folder / "art" / "poster.png").write_bytes(PNG)
    (folder / "synopsis.txt").write_text("A keeper and a storm.", encoding="utf-8")
    (folder / "binary.txt").write_bytes(PNG)
    (folder / "notes.png").write_text("not really a picture", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("API_KEY=hunter2", encoding="utf-8")
    (outside / "poster.png").write_bytes(PNG)
    (folder / "link-out.txt").symlink_to(outside / "secret.txt")
    (folder / "art" / "link-in.png").symlink_to(folder / "art" / "poster.png")
    os.mkfifo(folder / "pipe.txt")
    return folder


def _import(engine: Engine, blobs: LocalBlobStore, folder: Path, text: str,
            allow: bool = False) -> tuple[list[str], int]:
    path = folder / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    with session_scope(engine) as session:
        report = import_catalog(session, blobs, path, created_by="tests",
                                allow_files_outside=allow)
    with session_scope(engine) as session:
        versions = session.scalar(select(func.count()).select_from(AssetVersion)) or 0
    return [p.rendered() for p in report.problems], versions


REFUSED = [
    ("synopsis", "/proc/self/environ", "absolute path"),
    ("synopsis", "{outside}/secret.txt", "absolute path"),
    ("synopsis", "../outside/secret.txt", "'..'"),
    ("synopsis", "art/../../outside/secret.txt", "'..'"),
    ("synopsis", "~/.ssh/id_rsa", "absolute path"),
    ("synopsis", "link-out.txt", "leads outside"),
    ("synopsis", "pipe.txt", "not a regular file"),
    ("synopsis", "binary.txt", "not UTF-8 text"),
    ("key_art", "notes.png", "not an image"),
    ("key_art", "synopsis.txt", "not an image"),
    ("still", "art/poster.png::text/plain", "does not fit a still"),
    ("tagline", "synopsis.txt::image/png", "does not fit a tagline"),
]


@pytest.mark.parametrize(("kind", "file", "why"), REFUSED)
def test_a_reference_is_refused(engine: Engine, blobs: LocalBlobStore, layout: Path,
                                kind: str, file: str, why: str) -> None:
    file = file.format(outside=layout.parent / "outside")
    name, _, content_type = file.partition("::")
    problems, versions = _import(engine, blobs, layout, _catalog(kind, name, content_type or None))
    assert versions == 0  # nothing stored, the title skipped
    assert len(problems) == 1 and why in problems[0], problems
    assert "catalog.yaml:9: titles[0].assets[0].versions[0].file: " in problems[0]
    assert "hunter2" not in problems[0]


ACCEPTED = [("key_art", "art/poster.png"), ("thumbnail", "art/link-in.png"),
            ("synopsis", "synopsis.txt"), ("key_art", "./art/poster.png")]


@pytest.mark.parametrize(("kind", "file"), ACCEPTED)
def test_a_reference_inside_the_folder_is_imported(engine: Engine, blobs: LocalBlobStore,
                                                   layout: Path, kind: str, file: str) -> None:
    problems, versions = _import(engine, blobs, layout, _catalog(kind, file))
    assert (problems, versions) == ([], 1)
    with session_scope(engine) as session:
        version = session.scalars(select(AssetVersion)).one()
    expected = "image/png" if kind != "synopsis" else "text/plain; charset=utf-8"
    assert version.content_type == expected  # from the bytes, not the name


def test_allow_files_outside_allows_the_path_but_still_checks_the_bytes(
        engine: Engine, blobs: LocalBlobStore, layout: Path) -> None:
    outside = layout.parent / "outside"
    problems, versions = _import(engine, blobs, layout,
                                 _catalog("key_art", "../outside/poster.png"), allow=True)
    assert (problems, versions) == ([], 1)
    problems, versions = _import(engine, blobs, layout,
                                 _catalog("key_art", str(outside / "secret.txt")), allow=True)
    assert versions == 1 and "not an image" in problems[0]


def test_the_cli_option(engine: Engine, database_url: str, layout: Path, tmp_path: Path) -> None:
    path = layout / "catalog.yaml"
    path.write_text(_catalog("key_art", "../outside/poster.png"), encoding="utf-8")
    env = {"CLEARANCE_DATABASE_URL": database_url, "CLEARANCE_BLOB_DIR": str(tmp_path / "b")}
    refused = CliRunner(env=env).invoke(cli, ["catalog", "import", str(path)])
    assert refused.exit_code == 3 and "'..'" in refused.output
    allowed = CliRunner(env=env).invoke(cli, ["catalog", "import", str(path),
                                              "--allow-files-outside"])
    assert allowed.exit_code == 0, allowed.output


_SEGMENTS = st.sampled_from(["..", ".", "art", "poster.png", "link-out.txt", "link-in.png",
                             "outside", "secret.txt", "", "~", "/", "synopsis.txt"])


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(_SEGMENTS, min_size=1, max_size=6), lead=st.sampled_from(["", "/", "./"]))
def test_whatever_the_path_an_accepted_file_is_inside_the_folder(
        parts: list[str], lead: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The class: for any path made of these pieces, the confinement either refuses it or
    gives a regular file inside the catalog's folder."""
    folder = _layout_once(tmp_path_factory)
    resolved, refused = _Files(folder).resolve(lead + "/".join(parts))
    if resolved is None:
        assert refused
        return
    assert resolved.is_relative_to(folder.resolve()) and resolved.is_file()


_LAYOUTS: dict[str, Path] = {}


def _layout_once(factory: pytest.TempPathFactory) -> Path:
    if "folder" not in _LAYOUTS:
        root = factory.mktemp("confine")
        folder = root / "catalog"
        (folder / "art").mkdir(parents=True)
        (folder / "art" / "poster.png").write_bytes(PNG)
        (folder / "synopsis.txt").write_text("copy", encoding="utf-8")
        (root / "outside").mkdir()
        (root / "outside" / "secret.txt").write_text("secret", encoding="utf-8")
        (folder / "link-out.txt").symlink_to(root / "outside" / "secret.txt")
        (folder / "art" / "link-in.png").symlink_to(folder / "art" / "poster.png")
        (folder / "outside").symlink_to(root / "outside")
        _LAYOUTS["folder"] = folder
    return _LAYOUTS["folder"]
