"""Every unblurred view of an item's picture is an audited reveal (issue 10, item 4), with or
without JavaScript, in the UI and the API.

Reproduced first: ``GET /items/1?revealed=1`` showed a reviewer the image unblurred and no
``reveal`` event was written; ``GET /items/1/content`` handed over the original bytes to anyone
who opened it (the blur was a CSS filter). The class of test: every way a reviewer can get an
item's original bytes (page, content URL, no-JS form, script, API, blur turned off, a grant
replayed by someone else, for another item, or too late) is tried, and each response that
carries the original bytes must be preceded by a reveal recorded for that reviewer.
"""

from __future__ import annotations

import io
import json
import re
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.review import access
from clearance.service import reveals
from clearance.service.app import create_app
from clearance.storage import LocalBlobStore
from clearance.storage.review_models import AuditEvent, ReviewItem
from ui_world import PASSWORD, UIWorld, build, clone, csrf_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UIWorld]:
    w = build(tmp_path_factory.mktemp("reveal-template"))
    w.engine.dispose()
    yield w


@pytest.fixture
def world(template: UIWorld, tmp_path: Path) -> Iterator[UIWorld]:
    w = clone(template, tmp_path / "world")
    yield w
    w.engine.dispose()


def _browser(world: UIWorld, username: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(world.settings, engine=world.engine, webhook_worker=False))
    token = csrf_of(client.get("/login").text)
    resp = client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf": token}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    return client, csrf_of(client.get("/settings").text)


def _original(world: UIWorld, item_id: int) -> bytes:
    with Session(world.engine) as s:
        item = s.get(ReviewItem, item_id)
        assert item is not None
        sha = item.version.content_sha256
    return LocalBlobStore(world.settings.resolved_blob_dir).get(sha)


def _reveals(world: UIWorld, username: str) -> list[dict[str, Any]]:
    with Session(world.engine) as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.type == "reveal")
                         .order_by(AuditEvent.seq))
        return [json.loads(r.data) for r in rows  # in the UI or through an API token
                if r.actor == f"user:{username}" or r.actor.startswith(f"token:{username}/")]


_IMG_SRC = re.compile(r'<img src="(/items/\d+/content[^"]*)"')


def _shown(page: str) -> str:
    """The URL the item page shows its picture from."""
    match = _IMG_SRC.search(page)
    assert match is not None, "no picture on the page"
    return match.group(1).replace("&amp;", "&")


# -- the probe's case and the pieces of the fix ----------------------------------------------

def test_revealed_1_no_longer_unblurs_anything(world: UIWorld) -> None:
    reviewer, _ = _browser(world, "rev")
    page = reviewer.get(f"/items/{world.image_item}?revealed=1").text
    assert 'class="frame blurred"' in page
    blurred = reviewer.get(_shown(page))
    assert blurred.content != _original(world, world.image_item)
    assert _reveals(world, "rev") == []


def test_the_blurred_picture_is_blurred_by_the_server(world: UIWorld) -> None:
    reviewer, _ = _browser(world, "rev")
    served = reviewer.get(f"/items/{world.image_item}/content")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(served.content)) as im:
        assert im.mode == "L" and im.size == (640, 400)  # greyscale, laid out like the original
        # smeared: neighbouring pixels barely differ anywhere (the drawing had hard edges)
        px = im.load()
        assert px is not None
        steps = [abs(int(px[x + 1, y]) - int(px[x, y]))  # type: ignore[arg-type]
                 for y in range(0, 400, 7) for x in range(0, 639, 3)]
    assert max(steps) < 12
    assert _reveals(world, "rev") == []


def test_the_form_without_javascript_goes_through_the_recorded_reveal(world: UIWorld) -> None:
    reviewer, csrf = _browser(world, "rev")
    resp = reviewer.post(f"/items/{world.image_item}/reveal", data={"csrf": csrf},
                         follow_redirects=False)
    assert resp.status_code == 303 and "reveal=" in resp.headers["location"]
    assert _reveals(world, "rev") == [{"version_id": 1}]
    page = reviewer.get(resp.headers["location"]).text
    assert 'class="frame"' in page and "revealed (recorded in the audit log)" in page
    assert reviewer.get(_shown(page)).content == _original(world, world.image_item)
    assert len(_reveals(world, "rev")) == 1  # one reveal, one record


def test_the_script_gets_the_original_through_the_recorded_reveal(world: UIWorld) -> None:
    reviewer, csrf = _browser(world, "rev")
    answer = reviewer.post(f"/items/{world.image_item}/reveal", data={"csrf": csrf},
                           headers={"Accept": "application/json"}).json()
    assert answer["recorded"] is True and "reveal=" in answer["content_url"]
    assert reviewer.get(answer["content_url"]).content == _original(world, world.image_item)
    assert len(_reveals(world, "rev")) == 1


def test_blur_turned_off_records_each_view(world: UIWorld) -> None:
    reviewer, csrf = _browser(world, "rev")
    reviewer.post("/settings", data={"csrf": csrf})  # blur off (audited as user.update)
    for views in (1, 2):
        page = reviewer.get(f"/items/{world.image_item}").text
        assert 'class="frame"' in page
        assert reviewer.get(_shown(page)).content == _original(world, world.image_item)
        assert _reveals(world, "rev") == [{"version_id": 1, "how": "preference"}] * views


def test_a_submitters_own_upload_is_shown_without_a_review_record(world: UIWorld) -> None:
    submitter, csrf = _browser(world, "sub")
    answer = submitter.post(f"/items/{world.image_item}/reveal", data={"csrf": csrf},
                            headers={"Accept": "application/json"}).json()
    assert answer["recorded"] is False
    assert submitter.get(answer["content_url"]).content == _original(world, world.image_item)
    assert _reveals(world, "sub") == []
    outsider, _ = _browser(world, "outsider")  # another team: the item does not exist for them
    assert outsider.get(answer["content_url"]).status_code == 404


def test_a_grant_opens_one_item_for_one_user_for_a_while(world: UIWorld) -> None:
    reviewer, csrf = _browser(world, "rev")
    url = reviewer.post(f"/items/{world.image_item}/reveal", data={"csrf": csrf},
                        headers={"Accept": "application/json"}).json()["content_url"]
    original = _original(world, world.image_item)
    senior, _ = _browser(world, "senior")
    assert senior.get(url).content != original  # someone else's grant: still blurred
    grant = url.split("reveal=", 1)[1]
    other = reviewer.get(f"/items/{world.text_item}/content?reveal={grant}")
    assert other.status_code == 200  # copy has no blur; the grant is simply not needed
    with Session(world.engine) as s:
        uid = access.get_user(s, "rev").id

    class _Late(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - reveals.GRANT_SECONDS - 5

    late = URLSafeTimedSerializer(world.settings.require_secret(), salt=reveals.GRANT_SALT,
                                  signer=_Late).dumps({"k": "item", "id": world.image_item,
                                                       "u": uid})
    assert reviewer.get(f"/items/{world.image_item}/content?reveal={late}").content != original
    forged = reveals.grant("another-key-0123456789abcdefghijkl", "item", world.image_item, uid)
    assert reviewer.get(f"/items/{world.image_item}/content?reveal={forged}").content != original


# -- the API -----------------------------------------------------------------------------------

def _token(world: UIWorld, username: str) -> dict[str, str]:
    with Session(world.engine) as s:
        _, secret = access.issue_token(s, access.SYSTEM, username, "tests")
        s.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_the_api_records_a_reveal_for_the_bytes_it_hands_a_reviewer(world: UIWorld) -> None:
    api = TestClient(create_app(world.settings, engine=world.engine, webhook_worker=False))
    rev, sub = _token(world, "rev"), _token(world, "sub")
    original = _original(world, world.image_item)
    assert api.get(f"/api/items/{world.image_item}/content", headers=rev).content == original
    assert _reveals(world, "rev") == [{"version_id": 1, "how": "api"}]
    answer = api.post(f"/api/items/{world.image_item}/reveal", headers=rev)
    assert answer.status_code == 200 and answer.json()["recorded"] is True
    granted = api.get(answer.json()["content_url"], headers=rev)
    assert granted.content == original
    assert [r.get("how", "reveal") for r in _reveals(world, "rev")] == ["api", "reveal"]
    assert api.get(f"/api/items/{world.image_item}/content", headers=sub).content == original
    assert _reveals(world, "sub") == []


# -- the class: original bytes only after a recorded reveal ------------------------------------

Way = Callable[[UIWorld], list[Any]]


def _page_and_picture(world: UIWorld, query: str) -> list[Any]:
    reviewer, _ = _browser(world, "rev")
    page = reviewer.get(f"/items/{world.image_item}{query}")
    return [page, reviewer.get(_shown(page.text))]


def _guessed_urls(world: UIWorld) -> list[Any]:
    reviewer, _ = _browser(world, "rev")
    base = f"/items/{world.image_item}/content"
    return [reviewer.get(base + q) for q in ("", "?revealed=1", "?reveal=1", "?reveal=",
                                              "?reveal=true", "?blurred=0", "?original=1")]


WAYS: dict[str, Way] = {
    "page": lambda w: _page_and_picture(w, ""),
    "page-revealed-1": lambda w: _page_and_picture(w, "?revealed=1"),
    "page-reveal-junk": lambda w: _page_and_picture(w, "?reveal=junk"),
    "guessed-urls": _guessed_urls,
}


@pytest.mark.parametrize("way", list(WAYS))
def test_no_way_around_the_reveal(world: UIWorld, way: str) -> None:
    original = _original(world, world.image_item)
    answers = WAYS[way](world)
    leaked = [a.request.url for a in answers if a.content == original]
    assert leaked == [] or _reveals(world, "rev"), leaked


# -- the bank page's thumbnails: the same class ------------------------------------------------

def test_a_bank_thumbnail_is_unblurred_only_through_a_recorded_reveal(world: UIWorld) -> None:
    senior, csrf = _browser(world, "senior")
    with Session(world.engine) as s:
        item = s.get(ReviewItem, world.image_item)
        assert item is not None
        version_id = item.version_id
    banked = senior.post("/bank/withdrawn/versions", data={
        "csrf": csrf, "version_id": str(version_id), "reason": "recalled art"},
        follow_redirects=False)
    assert banked.status_code == 303, banked.text
    reviewer, rcsrf = _browser(world, "rev")
    page = reviewer.get("/bank?bank=withdrawn").text
    entry_id = int(re.search(r'id="bank-frame-(\d+)"', page).group(1))  # type: ignore[union-attr]
    tried = [reviewer.get(f"/bank/entries/{entry_id}/thumbnail{q}").content
             for q in ("", "?revealed=1", "?reveal=junk")]
    probe = reviewer.get(f"/bank?bank=withdrawn&revealed={entry_id}").text
    assert f'class="frame blurred" id="bank-frame-{entry_id}"' in probe

    def bank_reveals() -> int:
        with Session(world.engine) as s:
            return len(s.scalars(select(AuditEvent).where(AuditEvent.type == "bank.reveal")
                                 ).all())

    assert bank_reveals() == 0
    answer = reviewer.post(f"/bank/entries/{entry_id}/reveal", data={"csrf": rcsrf},
                           headers={"Accept": "application/json"}).json()
    assert bank_reveals() == 1
    unblurred = reviewer.get(answer["content_url"]).content
    assert unblurred not in tried
    assert senior.get(answer["content_url"]).content != unblurred  # not the senior's grant

