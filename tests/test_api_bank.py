"""The hash bank's API routes, with their roles: banks and entries, banking versions and files,
matching a file, lineage, withdraw everywhere (preview, confirm, all or nothing, webhook), and
trailers and clips uploaded through the service and screened as videos — a clip made from a
banked poster is blocked with ``match.withdrawn``. On SQLite and PostgreSQL where it matters.

The screener runs the hash bank's detector only (the other detectors are tested elsewhere), over
a bank index that checks the bank revision on every lookup."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

import fresh_db
from api_world import TestClient, World, seed, settings_for
from bank_world import FFMPEG, clip, poster, thumbnail
from clearance.bank.index import BankIndex
from clearance.detectors.bank import WithdrawnMatchDetector
from clearance.detectors.resources import Resources
from clearance.policy.loader import load_policy
from clearance.review import webhooks
from clearance.screening import Screener
from clearance.service import create_app
from clearance.service.intake import video_type
from clearance.storage import make_engine, session_scope
from clearance.storage.review_models import AuditEvent, WebhookDelivery

needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="ffmpeg is needed to make a clip")


@contextmanager
def bank_world(tmp_path: Path, url: str | None = None, **overrides: Any) -> Iterator[World]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    url = url or f"sqlite:///{tmp_path / 'bank.db'}"
    fresh_db.migrate(url)
    engine = make_engine(url)
    try:
        tokens = seed(engine)
        settings = settings_for(tmp_path, url, **overrides)
        index = BankIndex(engine, refresh_seconds=0.0)
        resources = Resources(bank=index)
        screener = Screener([WithdrawnMatchDetector(resources)], load_policy(),
                            max_text_bytes=100_000, resources=resources)
        app = create_app(settings, engine=engine, screener=screener, webhook_worker=False)
        with TestClient(app) as client:
            yield World(app, client, engine, settings, tokens)
    finally:
        engine.dispose()


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    with bank_world(tmp_path) as world:
        yield world


@pytest.fixture
def wdb(tmp_path: Path, database_url: str) -> Iterator[World]:
    """The world on SQLite and on PostgreSQL."""
    with bank_world(tmp_path, database_url) as world:
        yield world


def upload(w: World, data: bytes, *, kind: str = "key_art", locale: str = "en-US",
           channel: str = "web", name: str = "art.png", title: str = "t1") -> dict[str, Any]:
    r = w.call("POST", f"/api/titles/{title}/assets", "alice",
               data={"kind": kind, "locale": locale, "channel": channel},
               files={"file": (name, data, "application/octet-stream")})
    assert r.status_code in (200, 201), r.text
    body: dict[str, Any] = r.json()
    return body


def matches(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [f["attributes"] for f in item["findings"] if f["label"] == "match.withdrawn"]


def png(seed_: int) -> bytes:
    """A drawn picture: coloured ellipses and bars on a plain ground (never a person)."""
    rng = np.random.default_rng(seed_)
    img = Image.new("RGB", (400, 500), tuple(int(c) for c in rng.integers(0, 256, 3)))
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x, y = (int(v) for v in rng.integers(0, 350, 2))
        w, h = (int(v) for v in rng.integers(40, 200, 2))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x, y, x + w, y + h), fill=colour)
        else:
            draw.rectangle((x, y, x + w, y + h // 3), fill=colour)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


# -- banks ---------------------------------------------------------------------------------------

def test_banks_are_listed_to_reviewers_and_changed_by_admins(w: World) -> None:
    assert w.call("GET", "/api/banks", "alice").status_code == 403
    listed = w.call("GET", "/api/banks", "rita").json()["banks"]
    assert [(b["name"], b["reason"], b["distance"], b["enabled"], b["entries"])
            for b in listed] == [("rejected", "rejected", 31, True, 0),
                                 ("withdrawn", "withdrawn", 31, True, 0)]
    body = {"name": "look-alikes", "reason": "negative", "distance": 20}
    assert w.call("POST", "/api/banks", "sam", json=body).status_code == 403
    created = w.call("POST", "/api/banks", "ada", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["reason"] == "negative" and created.json()["distance"] == 20
    again = w.call("POST", "/api/banks", "ada", json=body)
    assert again.status_code == 409 and "exists already" in again.json()["detail"]
    far = w.call("POST", "/api/banks", "ada", json={**body, "name": "x", "distance": 300})
    assert far.status_code == 422 and far.json()["errors"][0]["field"] == "body.distance"
    odd = w.call("POST", "/api/banks", "ada", json={**body, "name": "x", "reason": "because"})
    assert odd.status_code == 422
    bad_name = w.call("POST", "/api/banks", "ada", json={**body, "name": "Has Spaces"})
    assert bad_name.status_code == 422 and "body.name" in bad_name.json()["detail"]
    changed = w.call("PATCH", "/api/banks/look-alikes", "ada",
                     json={"distance": 12, "enabled": False})
    assert changed.status_code == 200 and (changed.json()["distance"],
                                           changed.json()["enabled"]) == (12, False)
    assert w.call("PATCH", "/api/banks/nope", "ada", json={"enabled": True}).status_code == 404
    assert w.call("PATCH", "/api/banks/look-alikes", "sam",
                  json={"enabled": True}).status_code == 403
    with session_scope(w.engine) as s:
        types = s.scalars(select(AuditEvent.type).where(
            AuditEvent.subject == "bank:look-alikes")).all()
        assert types == ["bank.create", "bank.update"]


def test_files_are_banked_by_seniors_type_checked_paged_matched_and_removed(w: World) -> None:
    files = [("files", ("a.png", png(1), "image/png")),
             ("files", ("notes.jpg", b"just some text, not a picture", "image/jpeg"))]
    assert w.call("POST", "/api/banks/withdrawn/files", "rita", files=files).status_code == 403
    refused = w.call("POST", "/api/banks/withdrawn/files", "sam", files=files,
                     data={"reason": "partner takedown"})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["notes.jpg"]
    assert w.call("GET", "/api/banks/withdrawn/entries", "rita").json()["entries"] == []
    assert w.call("POST", "/api/banks/nope/files", "sam",
                  files=files[:1]).status_code == 404

    good = [("files", ("a.png", png(1), "image/png")), ("files", ("b.png", png(2), "image/png"))]
    done = w.call("POST", "/api/banks/withdrawn/files", "sam", files=good,
                  data={"reason": "partner takedown"})
    assert done.status_code == 201, done.text
    entries = [e["entry"] for e in done.json()["entries"]]
    assert [(e["label"], e["media"], e["version_id"], e["source"], e["reason"])
            for e in entries] == [("a.png", "image", None, "manual", "partner takedown"),
                                  ("b.png", "image", None, "manual", "partner takedown")]
    assert all(e["added_by"].startswith("token:sam") for e in entries)
    again = w.call("POST", "/api/banks/withdrawn/files", "sam", files=good[:1]).json()
    assert again["entries"][0]["is_new"] is False

    page = w.call("GET", "/api/banks/withdrawn/entries", "rita",
                  params={"limit": 1, "offset": 1}).json()
    assert [e["label"] for e in page["entries"]] == ["a.png"]  # newest first
    assert w.call("GET", "/api/banks/withdrawn/entries", "alice").status_code == 403

    # a re-encoded, smaller copy matches a.png; an unrelated picture matches nothing
    img = Image.open(io.BytesIO(png(1))).resize((150, 200))
    small = io.BytesIO()
    img.save(small, "JPEG", quality=60)
    found = w.call("POST", "/api/banks/match", "rita",
                   files={"file": ("small.jpg", small.getvalue(), "image/jpeg")})
    assert found.status_code == 200, found.text
    [m] = found.json()["matches"]
    assert (m["bank"], m["label"], m["version_id"]) == ("withdrawn", "a.png", None)
    assert m["distance"] <= 31 and m["transform"] == "original"
    assert w.call("POST", "/api/banks/match", "alice",
                  files={"file": ("x.png", png(1), "image/png")}).status_code == 403
    other = w.call("POST", "/api/banks/match", "rita",
                   files={"file": ("o.png", png(9), "image/png")}).json()
    assert other["matches"] == [] and other["media"] == "image"
    text = w.call("POST", "/api/banks/match", "rita",
                  files={"file": ("x.mp4", b"hello", "video/mp4")})
    assert text.status_code == 422 and "x.mp4" in text.json()["detail"]

    entry_id = entries[0]["id"]
    path = f"/api/banks/withdrawn/entries/{entry_id}/remove"
    assert w.call("POST", path, "rita", json={"reason": "x"}).status_code == 403
    assert w.call("POST", path, "sam", json={"reason": ""}).status_code == 422
    assert w.call("POST", f"/api/banks/rejected/entries/{entry_id}/remove", "sam",
                  json={"reason": "wrong bank"}).status_code == 404
    removed = w.call("POST", path, "sam", json={"reason": "the partner withdrew the claim"})
    assert removed.status_code == 200 and removed.json()["removed_reason"]
    after = w.call("POST", "/api/banks/match", "rita",
                   files={"file": ("small.jpg", small.getvalue(), "image/jpeg")}).json()
    assert after["matches"] == []
    with session_scope(w.engine) as s:
        types = s.scalars(select(AuditEvent.type).where(
            AuditEvent.subject == "bank:withdrawn")).all()
        assert types == ["bank.add", "bank.add", "bank.remove"]


def test_bank_files_and_matches_are_size_limited(tmp_path: Path) -> None:
    with bank_world(tmp_path, max_upload_bytes=2000) as w:
        big = w.call("POST", "/api/banks/match", "rita",
                     files={"file": ("big.png", png(1), "image/png")})
        assert big.status_code == 413 and "big.png" in big.json()["detail"]
        many = w.call("POST", "/api/banks/withdrawn/files", "sam",
                      files=[("files", ("big.png", png(1), "image/png"))])
        assert many.status_code == 413
        # the body cap is the upload limit + form overhead for a match, four times it for files
        huge = w.call("POST", "/api/banks/match", "rita",
                      files={"file": ("huge.bin", b"\0" * 3_200_000, "image/png")})
        assert huge.status_code == 413


# -- videos through the service ------------------------------------------------------------------

@pytest.mark.parametrize(("head", "expected"), [
    (b"\0\0\0\x20ftypisom\0\0\2\0", "video/mp4"),
    (b"\0\0\0\x14ftypqt  \0\0\0\0", "video/quicktime"),
    (b"\0\0\0\x08wide\0\0\0\0mdat", "video/quicktime"),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "video/webm"),
    (b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska", "video/x-matroska"),
    (b"RIFF\0\0\0\0AVI LIST", "video/x-msvideo"),
    (b"\x89PNG\r\n\x1a\n", None), (b"GIF89a", None), (b"FLV\x01", None), (b"", None),
])
def test_video_containers_are_known_by_their_bytes(head: bytes, expected: str | None) -> None:
    assert video_type(head) == expected


def test_trailers_and_clips_refuse_what_is_not_a_video(w: World) -> None:
    for name, data in (("trailer.mp4", b"not a video at all"), ("still.mp4", png(3)),
                       ("empty.mp4", b"")):
        r = w.call("POST", "/api/titles/t1/assets", "alice", data={"kind": "trailer"},
                   files={"file": (name, data, "video/mp4")})
        assert r.status_code == 422, (name, r.text)
        assert name in r.json()["detail"]
    # the right container, frames nothing can decode: refused when screened, naming the version
    broken = w.call("POST", "/api/titles/t1/assets", "alice", data={"kind": "clip"},
                    files={"file": ("broken.mp4", b"\0\0\0\x20ftypisom" + bytes(4000),
                                    "video/mp4")})
    assert broken.status_code == 422, broken.text
    assert "clip/und/default v1: cannot decode the video" in broken.json()["detail"]
    text = w.call("POST", "/api/titles/t1/assets", "alice", data={"kind": "clip", "text": "x"})
    assert text.status_code == 422 and "video" in text.json()["detail"]
    # and a video is not an image
    r = w.call("POST", "/api/titles/t1/assets", "alice", data={"kind": "key_art"},
               files={"file": ("art.png", b"\0\0\0\x20ftypisom" + b"\0" * 64, "image/png")})
    assert r.status_code == 422 and "art.png" in r.json()["detail"]


@needs_ffmpeg
def test_a_clip_of_a_banked_poster_is_blocked(wdb: World, tmp_path: Path) -> None:
    w = wdb
    art = poster("withdrawn")
    key_art = upload(w, art)
    assert key_art["screening_decision"] == "pass" and not matches(key_art)
    banked = w.call("POST", "/api/banks/withdrawn/entries", "sam",
                    json={"version_id": key_art["version_id"], "reason": "inappropriate art"})
    assert banked.status_code == 201, banked.text
    assert banked.json()["entry"]["label"] == "t1/key_art/en-US/web/v1"
    assert w.call("POST", "/api/banks/withdrawn/entries", "sam",
                  json={"version_id": key_art["version_id"]}).status_code == 200
    assert w.call("POST", "/api/banks/withdrawn/entries", "rita",
                  json={"version_id": key_art["version_id"]}).status_code == 403
    copy = w.upload_text("alice", "A quiet film.")
    assert copy.status_code == 201
    refused = w.call("POST", "/api/banks/withdrawn/entries", "sam",
                     json={"version_id": copy.json()["version_id"]})
    assert refused.status_code == 422 and "copy" in refused.json()["detail"]
    # an unknown version named in the body is the request's fault (422), an unknown bank in the
    # address is 404: the stateful contract test reads a 404 after a create as "not found"
    unknown = w.call("POST", "/api/banks/withdrawn/entries", "sam", json={"version_id": 987654})
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["type"].endswith("invalid-input")
    assert "no asset version 987654" in unknown.json()["detail"]
    assert w.call("POST", "/api/banks/no-such-bank/entries", "sam",
                  json={"version_id": key_art["version_id"]}).status_code == 404

    movie = clip(art, tmp_path, seconds=4)
    item = upload(w, movie.read_bytes(), kind="clip", locale="fr-FR", channel="social",
                  name="teaser.bin")
    assert item["content_type"] == "video/mp4"
    assert item["screening_decision"] == "block", item["findings"]
    [m] = matches(item)
    assert (m["bank"], m["version_id"], m["banked"]) == (
        "withdrawn", key_art["version_id"], "t1/key_art/en-US/web/v1")
    assert item["state"] == "queued"
    content = w.call("GET", f"/api/items/{item['id']}/content", "rita")
    assert content.headers["content-type"] == "video/mp4"
    assert content.content == movie.read_bytes()

    found = w.call("POST", "/api/banks/match", "rita",
                   files={"file": ("teaser.mp4", movie.read_bytes(), "video/mp4")}).json()
    assert found["media"] == "video"
    assert [x["version_id"] for x in found["matches"]] == [key_art["version_id"]]


# -- lineage and withdraw everywhere -------------------------------------------------------------

def test_withdraw_everywhere_previews_then_withdraws_all_or_nothing(wdb: World) -> None:
    w = wdb
    with session_scope(w.engine) as s:
        webhooks.subscribe(s, "test", "https://example.org/hook", events=("withdrawal",))
    art = poster("withdrawn")
    v1 = upload(w, art)["version_id"]
    thumb = upload(w, thumbnail(art), kind="thumbnail", locale="fr-FR", name="thumb.jpg")
    assert thumb["screening_decision"] == "pass"
    v2 = upload(w, poster("replacement"))["version_id"]
    assert w.call("POST", f"/api/versions/{v2}/publish", "alice").status_code == 201
    unrelated = upload(w, png(5), kind="still")["version_id"]

    assert w.call("GET", f"/api/versions/{v1}/lineage", "alice").status_code == 403
    lineage = w.call("GET", f"/api/versions/{v1}/lineage", "rita").json()
    assert (lineage["label"], lineage["replacement_id"]) == ("t1/key_art/en-US/web/v1", v2)
    [near] = lineage["related"]
    assert (near["version_id"], near["relation"], near["locale"], near["kind"],
            near["direction"], near["is_withdrawn"]) == (
        thumb["version_id"], "near_copy", "fr-FR", "thumbnail", "copy", False)
    assert unrelated not in [r["version_id"] for r in lineage["related"]]

    path = f"/api/versions/{v1}/withdraw-everywhere"
    assert w.call("POST", path, "rita", json={"reason": "x"}).status_code == 403
    preview = w.call("POST", path, "sam", json={"dry_run": True})
    assert preview.status_code == 200, preview.text
    plan = preview.json()
    assert plan["dry_run"] is True
    assert set(plan["withdrawn_now"]) == {v1, thumb["version_id"]}
    assert w.call("POST", path, "sam", json={"dry_run": False}).status_code == 422  # no reason
    stale = w.call("POST", path, "sam", json={"reason": "inappropriate artwork",
                                              "expect": [v1]})
    assert stale.status_code == 409 and "changed" in stale.json()["detail"]
    with session_scope(w.engine) as s:
        assert s.scalar(select(AuditEvent).where(AuditEvent.type == "withdrawal")) is None

    done = w.call("POST", path, "sam", json={"reason": "inappropriate artwork",
                                             "expect": [v1, thumb["version_id"]]})
    assert done.status_code == 200, done.text
    result = done.json()
    assert result["dry_run"] is False and result["is_withdrawn"] is True
    assert set(result["withdrawn_now"]) == {v1, thumb["version_id"]}
    assert result["replacement_id"] == v2
    assert all(r["is_withdrawn"] for r in result["related"])
    banked = w.call("GET", "/api/banks/withdrawn/entries", "rita").json()["entries"]
    assert {e["version_id"] for e in banked} == {v1, thumb["version_id"]}
    assert {e["source"] for e in banked} == {"withdraw_everywhere"}
    with session_scope(w.engine) as s:
        deliveries = s.scalars(select(WebhookDelivery)).all()
        assert sorted(json.loads(d.payload)["data"]["version_id"] for d in deliveries) == sorted(
            [v1, thumb["version_id"]])
        types = s.scalars(select(AuditEvent.type)).all()
        assert types.count("withdrawal") == 2 and types.count("withdraw.everywhere") == 1

    # a new near-copy in another locale is blocked, naming the banked version
    again = upload(w, thumbnail(art, crop=0.1, quality=50, width=360), kind="thumbnail",
                   locale="de-DE", name="thumb-de.jpg")
    assert again["screening_decision"] == "block"
    assert {m["version_id"] for m in matches(again)} >= {v1}
    # again: only the new near-copy is left to withdraw
    twice = w.call("POST", path, "sam", json={"reason": "again"}).json()
    assert twice["withdrawn_now"] == [again["version_id"]]
    assert set(twice["already_withdrawn"]) == {v1, thumb["version_id"]}


def test_lineage_of_copy_and_of_nothing(w: World) -> None:
    copy = w.upload_text("alice", "A quiet film.").json()
    r = w.call("GET", f"/api/versions/{copy['version_id']}/lineage", "rita")
    assert r.status_code == 404 and "copy" in r.json()["detail"]
    assert w.call("GET", "/api/versions/999/lineage", "rita").status_code == 404
    assert w.call("POST", "/api/versions/999/withdraw-everywhere", "sam",
                  json={"reason": "x"}).status_code == 404
