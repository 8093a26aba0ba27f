"""Uploads through the API: copy and images become screened, queued review items; what cannot
be used is refused before anything is stored — over the size limit 413, not really an image
(text named .jpg, SVG) 422 naming the file — and batches of more than four files are screened
in the background with their progress at /api/jobs/{id}."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from api_world import BENIGN, RISKY, World, png_bytes, world
from clearance.storage import session_scope
from clearance.storage.models import AssetVersion
from clearance.storage.review_models import ReviewItem
from test_api_auth import assert_problem


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    with world(tmp_path) as built:
        yield built


def _count(w: World, model: Any) -> int:
    with session_scope(w.engine) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _upload_file(w: World, name: str, data: bytes, as_: str = "alice", kind: str = "key_art",
                 title: str = "t1", **fields: str) -> Any:
    return w.call("POST", f"/api/titles/{title}/assets", as_,
                  data={"kind": kind, "locale": "und", "channel": "web", **fields},
                  files={"file": (name, data, "image/jpeg")})


def test_copy_is_screened_and_queued_and_a_resubmission_returns_the_same_item(w: World) -> None:
    r = w.upload_text("alice", RISKY)
    assert r.status_code == 201, r.text
    item = r.json()
    assert r.headers["location"] == f"/api/items/{item['id']}"
    assert item["state"] == "queued" and item["screening_decision"] == "review"
    assert "teen-sexualised-copy" in item["rules"] and item["needs_two"] is True
    assert item["team_id"] == "studio" and item["submitted_by"] == "alice"
    again = w.upload_text("alice", RISKY)
    assert again.status_code == 200 and again.json()["id"] == item["id"]
    assert _count(w, ReviewItem) == 1


def test_benign_copy_passes_and_is_not_queued(w: World) -> None:
    item = w.upload_text("alice", BENIGN).json()
    assert item["state"] == "passed" and item["screening_decision"] == "pass"
    assert w.call("GET", "/api/items", "rita").json()["items"] == []


def test_copy_is_screened_with_the_titles_other_assets(w: World) -> None:
    """A child named in one asset, sexualising framing in another: the title-scope rule fires
    only because the upload is screened with the title's campaign."""
    alone = w.upload_text("alice", "An eleven-year-old girl spends the summer with her aunt.",
                          title="t2").json()
    assert alone["screening_decision"] == "pass"
    w.upload_text("alice", RISKY, kind="tagline")
    item = w.upload_text("alice", "An eleven-year-old girl spends the summer with her aunt.",
                         ).json()
    assert item["screening_decision"] == "review"
    assert "minor-with-sexualised-title-campaign" in [r["rule"] for r in item["reasons"]]


def test_an_image_is_checked_stored_screened_and_served(w: World) -> None:
    data = png_bytes()
    r = _upload_file(w, "poster.png", data, shoot_date="2020-06-01")
    assert r.status_code in (200, 201), r.text
    item = r.json()
    assert item["content_type"] == "image/png"
    assert item["context"]["version"]["shoot_date"] == "2020-06-01"
    content = w.call("GET", item["content_url"], "alice")
    assert content.status_code == 200 and content.content == data
    assert content.headers["content-type"] == "image/png"
    assert content.headers["cache-control"] == "private, no-store"
    assert_problem(w.call("GET", item["content_url"], "bob"), 404)


def test_text_named_jpg_is_422_naming_the_file(w: World) -> None:
    body = assert_problem(_upload_file(w, "holiday.jpg", b"just some words, not pixels\n"), 422)
    assert "holiday.jpg" in body["detail"] and "text file" in body["detail"]
    assert _count(w, AssetVersion) == 0


def test_svg_is_422_naming_the_file(w: World) -> None:
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" ' \
          b'height="10"><rect width="10" height="10"/></svg>'
    body = assert_problem(_upload_file(w, "logo.svg", svg), 422)
    assert "logo.svg" in body["detail"] and "SVG" in body["detail"]
    assert _count(w, AssetVersion) == 0


def test_copy_must_be_utf8_and_images_must_be_files(w: World) -> None:
    r = w.call("POST", "/api/titles/t1/assets", "alice",
               data={"kind": "synopsis", "locale": "fr", "channel": "web"},
               files={"file": ("synopsis.txt", "Été à la mer".encode("latin-1"), "text/plain")})
    assert "synopsis.txt" in assert_problem(r, 422)["detail"]
    body = assert_problem(w.upload_text("alice", "words", kind="key_art"), 422)
    assert "key_art needs an image file" in body["detail"]
    assert_problem(w.call("POST", "/api/titles/t1/assets", "alice",
                          data={"kind": "synopsis", "locale": "en", "channel": "web"}), 422)
    assert_problem(w.upload_text("alice", "   "), 422)
    assert_problem(w.upload_text("alice", RISKY, kind="billboard"), 422)


def test_unknown_title_is_404(w: World) -> None:
    assert "nope" in assert_problem(w.upload_text("alice", RISKY, title="nope"), 404)["detail"]


def test_oversize_upload_is_413_naming_the_file(tmp_path: Path) -> None:
    with world(tmp_path, max_upload_bytes=2_000) as w:
        big = png_bytes(400, 400) + b"\0" * 2_000  # trailing bytes: still a PNG
        assert len(big) > 2_000
        body = assert_problem(_upload_file(w, "huge-poster.png", big), 413)
        assert "huge-poster.png" in body["detail"] and "2,000" in body["detail"]
        assert _count(w, AssetVersion) == 0


def test_a_body_over_the_route_cap_is_413_before_it_is_read(w: World) -> None:
    body = assert_problem(w.call("POST", "/api/items/1/comments", "rita",
                                 content=b"x" * 1_100_000,
                                 headers={"Content-Type": "application/json"}), 413)
    assert "over the limit" in body["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(40):
            yield b"y" * 50_000

    assert_problem(w.call("POST", "/api/me/preferences", "rita", content=chunks(),
                          headers={"Content-Type": "application/json"}), 413)


def test_a_submitter_without_a_team_cannot_upload(w: World) -> None:
    from clearance.review import access

    with session_scope(w.engine) as s:
        access.create_user(s, access.SYSTEM, "loner", role="submitter")
        _, w.tokens["loner"] = access.issue_token(s, access.SYSTEM, "loner")
    assert "team" in assert_problem(w.upload_text("loner", RISKY), 403)["detail"]


def test_a_small_batch_is_screened_at_once_and_a_bad_file_refuses_it_whole(w: World) -> None:
    r = w.call("POST", "/api/batches", "alice",
               data={"title_id": "t1", "kind": "tagline", "locale": "en", "channel": "web",
                     "texts": [RISKY, BENIGN]})
    assert r.status_code == 201, r.text
    assert [i["state"] for i in r.json()["items"]] == ["queued", "passed"]
    bad = w.call("POST", "/api/batches", "alice",
                 data={"title_id": "t1", "kind": "still", "locale": "und", "channel": "web"},
                 files=[("files", ("ok.png", png_bytes(), "image/png")),
                        ("files", ("notes.jpg", b"plain words", "image/jpeg")),
                        ("files", ("art.svg", b"<svg></svg>", "image/svg+xml"))])
    body = assert_problem(bad, 422)
    assert {e["field"] for e in body["errors"]} == {"notes.jpg", "art.svg"}
    assert _count(w, ReviewItem) == 2


def test_a_large_batch_runs_in_the_background_with_progress(w: World) -> None:
    texts = [f"{RISKY} Take {n}." for n in range(5)] + ["   "]
    r = w.call("POST", "/api/batches", "alice",
               data={"title_id": "t1", "kind": "tagline", "locale": "en", "channel": "web",
                     "texts": texts})
    assert r.status_code == 202, r.text
    url = r.json()["url"]
    assert r.headers["location"] == url
    assert w.app.state.clearance.jobs.wait_idle(30)
    job = w.call("GET", url, "alice").json()
    assert (job["state"], job["done"], job["total"]) == ("done", 6, 6)
    assert len(job["items"]) == 5 and job["errors"][0]["file"] == "text-6", job["errors"]
    assert "empty" in job["errors"][0]["detail"]
    assert_problem(w.call("GET", url, "bob"), 404)  # another user's job
    assert w.call("GET", url, "ada").status_code == 200
    deadline = time.monotonic() + 5
    while _count(w, ReviewItem) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _count(w, ReviewItem) == 5
