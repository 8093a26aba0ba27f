"""Queue rows tell two versions of one asset apart: the version number, a blurred thumbnail of a
picture, the copy's opening words."""

from __future__ import annotations

import html
import io
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from clearance.review import access, audit, items
from clearance.service.app import create_app
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.models import Asset, AssetVersion
from ui_world import (
    IMAGE_RESULT,
    PASSWORD,
    TEXT_RESULT,
    UIWorld,
    build,
    clone,
    csrf_of,
    screening_of,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

FIRST = ("Amy, eleven, joins a dance crew at her new school and learns what her family's "
         "traditions ask of her, in a summer of rehearsals and a talent show.")
SECOND = ("A girl of eleven, new in town, finds friends in a dance crew while her family "
          "prepares for a wedding that will change everything for them.")


def _poster(colour: tuple[int, int, int]) -> bytes:
    im = Image.new("RGB", (300, 400), colour)
    ImageDraw.Draw(im).rectangle([40, 60, 260, 340], fill=(250, 250, 250))
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UIWorld]:
    w = build(tmp_path_factory.mktemp("ui-rows"))
    blobs = LocalBlobStore(w.settings.resolved_blob_dir)
    with session_scope(w.engine) as s:
        sub = access.actor_for(access.get_user(s, "sub"), "session")
        for kind, ctype, contents, result in (
                ("synopsis", "text/plain; charset=utf-8",
                 (FIRST.encode(), SECOND.encode()), TEXT_RESULT),
                ("poster", "image/png", (_poster((200, 30, 30)), _poster((30, 30, 200))),
                 IMAGE_RESULT)):
            asset = Asset(title_id="t-light", kind="still" if kind == "poster" else kind,
                          locale="en", channel="web")
            s.add(asset)
            s.flush()
            for number, data in enumerate(contents, 1):
                version = AssetVersion(asset_id=asset.id, number=number,
                                       content_sha256=blobs.put(data), content_type=ctype,
                                       size_bytes=len(data), created_by="sub")
                s.add(version)
                s.flush()
                items.submit(s, sub, version, screening_of(s, version, result), team_id="studio")
    w.engine.dispose()
    yield w


@pytest.fixture
def client(template: UIWorld, tmp_path: Path) -> Iterator[TestClient]:
    w = clone(template, tmp_path / "world")
    with TestClient(create_app(w.settings, engine=w.engine, webhook_worker=False)) as c:
        yield c
    with Session(w.engine) as s:
        assert audit.verify(s).ok
    w.engine.dispose()


def login(client: TestClient, username: str) -> None:
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf": token,
                                "next": "/"})


def _rows(page: str) -> dict[str, str]:
    """Each queue row's asset cell, by item id."""
    out = {}
    for row in re.findall(r'<tr data-href="/items/(\d+)">(.*?)</tr>', page, re.S):
        cell = re.search(r'<td class="asset-cell">(.*?)</td>', row[1], re.S)
        assert cell is not None
        out[row[0]] = cell.group(1)
    return out


def test_two_versions_of_one_asset_are_told_apart(client: TestClient) -> None:
    login(client, "rev")
    cells = _rows(client.get("/queue", params={"state": "all"}).text)
    synopses = {k: v for k, v in cells.items() if "synopsis v" in v}
    assert sorted(re.search(r"synopsis v(\d)", v).group(1)  # type: ignore[union-attr]
                  for v in synopses.values()) == ["1", "2"]
    excerpts = [html.unescape(re.search(r'class="excerpt">(.*?)</div>', v)  # type: ignore[union-attr]
                              .group(1)) for v in synopses.values()]
    assert any(e.startswith("Amy, eleven, joins a dance crew") for e in excerpts)
    assert any(e.startswith("A girl of eleven, new in town") for e in excerpts)
    assert all(len(e) <= 120 and e.endswith("…") for e in excerpts)
    stills = {k: v for k, v in cells.items() if "still v" in v}
    assert len(stills) == 2
    for item_id, cell in stills.items():
        assert f'src="/items/{item_id}/thumb"' in cell and "excerpt" not in cell


def test_a_thumbnail_is_small_blurred_and_greyscale(client: TestClient) -> None:
    login(client, "rev")
    cells = _rows(client.get("/queue", params={"state": "all"}).text)
    item_id = next(k for k, v in cells.items() if "still v1" in v)
    resp = client.get(f"/items/{item_id}/thumb")
    assert resp.status_code == 200 and resp.headers["content-type"] == "image/jpeg"
    thumb = Image.open(io.BytesIO(resp.content)).convert("RGB")
    assert max(thumb.size) <= 96
    r, g, b = thumb.getpixel((thumb.width // 2, thumb.height // 2))  # type: ignore[misc]
    assert abs(r - g) <= 3 and abs(g - b) <= 3  # greyscale, not the red poster
    text_item = next(k for k, v in cells.items() if "synopsis v1" in v)
    assert client.get(f"/items/{text_item}/thumb").status_code == 404
    login(client, "outsider")  # another team's item: not found
    assert client.get(f"/items/{item_id}/thumb").status_code == 404
