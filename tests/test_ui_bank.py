"""The hash bank in the review UI (TestClient, a real SQLite database): the bank page with its
thumbnails blurred by default and audited reveals, banking and removing by form, the item page's
"in bank X since D" and "near-copies elsewhere", and withdraw everywhere's confirm step (senior
only; the list shown is the list withdrawn, or nothing is)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.bank import banks
from clearance.bank.lineage import ensure_catalog_hashes
from clearance.catalog.publication import was_withdrawn
from clearance.review import access, items
from clearance.service.app import create_app
from clearance.storage import LocalBlobStore, session_scope
from clearance.storage.models import Asset, AssetVersion
from clearance.storage.review_models import AuditEvent, ReviewItem
from ui_world import IMAGE_RESULT, UIWorld, build, clone, csrf_of, draw_image, screening_of

with warnings.catch_warnings():  # starlette warns that it prefers httpx2 (not installed)
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_ui import login


def thumbnail_of(data: bytes) -> bytes:
    """The key art cut to its top 80%, letterboxed to 16:9 and re-encoded (a near-copy)."""
    img = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = img.size
    img = img.crop((0, 0, w, int(h * 0.8)))
    canvas = Image.new("RGB", (int(img.size[1] * 16 / 9) + 40, img.size[1]), "black")
    canvas.paste(img, ((canvas.size[0] - w) // 2, 0))
    out = io.BytesIO()
    canvas.resize((480, 270)).save(out, "JPEG", quality=70)
    return out.getvalue()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UIWorld]:
    """The UI world plus a thumbnail cut from its key art in French, submitted for review, and
    every version hashed (as screening with the bank would have done)."""
    w = build(tmp_path_factory.mktemp("ui-bank-template"))
    blobs = LocalBlobStore(w.settings.resolved_blob_dir)
    thumb = thumbnail_of(draw_image())
    with session_scope(w.engine) as s:
        asset = Asset(title_id="t-light", kind="thumbnail", locale="fr", channel="partner")
        s.add(asset)
        s.flush()
        version = AssetVersion(asset_id=asset.id, number=1, content_sha256=blobs.put(thumb),
                               content_type="image/jpeg", size_bytes=len(thumb),
                               created_by="sub")
        s.add(version)
        s.flush()
        sub = access.actor_for(access.get_user(s, "sub"), "session")
        items.submit(s, sub, version, screening_of(s, version, IMAGE_RESULT), team_id="studio")
    assert ensure_catalog_hashes(w.engine, blobs) == 2
    w.engine.dispose()
    yield w


@pytest.fixture
def world(template: UIWorld, tmp_path: Path) -> Iterator[UIWorld]:
    w = clone(template, tmp_path / "world")
    yield w
    w.engine.dispose()


@pytest.fixture
def client(world: UIWorld) -> Iterator[TestClient]:
    with TestClient(create_app(world.settings, engine=world.engine,
                               webhook_worker=False)) as c:
        yield c


def versions(world: UIWorld) -> tuple[int, int, int]:
    """(key art version, thumbnail version, thumbnail's item)."""
    with Session(world.engine) as s:
        art = s.get_one(ReviewItem, world.image_item).version_id
        thumb = s.scalar(select(AssetVersion.id).join(Asset).where(Asset.kind == "thumbnail"))
        item = s.scalar(select(ReviewItem.id).where(ReviewItem.version_id == thumb))
        assert thumb is not None and item is not None
        return art, thumb, item


def entries(world: UIWorld, bank: str) -> list[tuple[int, int | None]]:
    """The bank's active entries as (entry id, version id)."""
    with Session(world.engine) as s:
        return [(e.id, e.version_id) for e in banks.entries(s, bank=bank)]


def audit_types(world: UIWorld) -> list[str]:
    with Session(world.engine) as s:
        return list(s.scalars(select(AuditEvent.type).order_by(AuditEvent.seq)))


def test_the_bank_page_is_for_reviewers(client: TestClient) -> None:
    login(client, "sub")
    assert client.get("/bank").status_code == 403
    login(client, "rev")
    page = client.get("/bank")
    assert page.status_code == 200
    assert 'href="/bank"' in page.text and "withdrawn" in page.text and "rejected" in page.text
    assert "Nothing in this bank." in page.text
    assert 'id="bank-version-form"' not in page.text  # banking is for seniors
    assert client.get("/bank?bank=nope").status_code == 404


def test_a_senior_banks_a_version_shown_blurred_with_an_audited_reveal(
        client: TestClient, world: UIWorld) -> None:
    art, _, _ = versions(world)
    token = login(client, "rev")
    refused = client.post("/bank/withdrawn/versions", data={"csrf": token,
                                                             "version_id": str(art)})
    assert refused.status_code == 403
    token = login(client, "senior")
    done = client.post("/bank/withdrawn/versions",
                       data={"csrf": token, "version_id": str(art), "reason": "recalled art"},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/bank?bank=withdrawn"
    page = client.get("/bank?bank=withdrawn").text
    [(entry_id, _)] = entries(world, "withdrawn")
    assert f'class="frame blurred" id="bank-frame-{entry_id}"' in page
    assert f'/bank/entries/{entry_id}/thumbnail' in page and "recalled art" in page
    assert "t-light/key_art/und/web/v1" in page
    thumb = client.get(f"/bank/entries/{entry_id}/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumb.content)).size) <= 240

    revealed = client.post(f"/bank/entries/{entry_id}/reveal", data={"csrf": token},
                           headers={"Accept": "application/json"})
    answer = revealed.json()
    assert {k: answer[k] for k in ("entry_id", "revealed", "recorded")} == {
        "entry_id": entry_id, "revealed": True, "recorded": True}
    # the thumbnail was blurred by the server; the reveal's grant opens the real one
    assert client.get(answer["content_url"]).content != thumb.content
    plain = client.post(f"/bank/entries/{entry_id}/reveal", data={"csrf": token},
                        follow_redirects=False)
    assert plain.status_code == 303
    shown = client.get(plain.headers["location"]).text
    assert f'class="frame" id="bank-frame-{entry_id}"' in shown
    # ?revealed=<id> without the grant unblurs nothing
    assert f'class="frame blurred" id="bank-frame-{entry_id}"' in client.get(
        f"/bank?bank=withdrawn&revealed={entry_id}").text
    assert audit_types(world).count("bank.reveal") == 2
    bad = client.post("/bank/withdrawn/versions", data={"csrf": token, "version_id": "x"})
    assert bad.status_code == 422


def test_an_entry_is_removed_with_a_reason(client: TestClient, world: UIWorld) -> None:
    art, _, _ = versions(world)
    token = login(client, "senior")
    client.post("/bank/rejected/versions", data={"csrf": token, "version_id": str(art)})
    [(entry_id, _)] = entries(world, "rejected")
    no_reason = client.post(f"/bank/entries/{entry_id}/remove", data={"csrf": token})
    assert no_reason.status_code == 422
    assert client.post(f"/bank/entries/{entry_id}/remove",
                       data={"reason": "x"}).status_code == 403  # no CSRF token
    gone = client.post(f"/bank/entries/{entry_id}/remove",
                       data={"csrf": token, "reason": "banked by mistake"},
                       follow_redirects=False)
    assert gone.status_code == 303
    assert entries(world, "rejected") == []
    assert "banked by mistake" in client.get("/bank?bank=rejected&removed=1").text
    assert audit_types(world)[-1] == "bank.remove"


def test_the_item_page_says_in_bank_and_lists_near_copies(client: TestClient,
                                                           world: UIWorld) -> None:
    art, _, thumb_item = versions(world)
    token = login(client, "senior")
    client.post("/bank/withdrawn/versions", data={"csrf": token, "version_id": str(art)})
    login(client, "rev")
    page = client.get(f"/items/{world.image_item}").text
    assert "In bank withdrawn since" in page
    assert 'id="near-copies"' in page and "Near-copies elsewhere (1)" in page
    assert f'href="/items/{thumb_item}">thumbnail v1</a>' in page
    assert "fr · partner" in page
    assert 'id="withdraw-everywhere"' not in page  # reviewers do not withdraw
    other = client.get(f"/items/{thumb_item}").text
    assert "Near-copies elsewhere (1)" in other and "(its source)" in other
    assert "In bank" not in other
    login(client, "sub")  # a submitter sees neither
    mine = client.get(f"/items/{world.image_item}").text
    assert "near-copies" not in mine and "In bank" not in mine


def test_withdraw_everywhere_has_a_confirm_step_for_seniors(client: TestClient,
                                                            world: UIWorld) -> None:
    art, thumb, _ = versions(world)
    login(client, "rev")
    assert client.get(f"/versions/{art}/withdraw").status_code == 403
    token = login(client, "senior")
    item = client.get(f"/items/{world.image_item}").text
    assert f'href="/versions/{art}/withdraw"' in item
    confirm = client.get(f"/versions/{art}/withdraw")
    assert confirm.status_code == 200
    assert f'data-version="{thumb}"' in confirm.text and "Withdraw 2 versions everywhere" in \
        confirm.text
    assert f'name="expect" value="{art}"' in confirm.text
    assert f'name="expect" value="{thumb}"' in confirm.text
    with Session(world.engine) as s:  # looking changed nothing
        assert was_withdrawn(s, art) is None and was_withdrawn(s, thumb) is None

    stale = client.post(f"/versions/{art}/withdraw",
                        data={"csrf": token, "reason": "recalled", "expect": [str(art)]})
    assert stale.status_code == 409 and "changed" in stale.text
    no_reason = client.post(f"/versions/{art}/withdraw",
                            data={"csrf": token, "expect": [str(art), str(thumb)]})
    assert no_reason.status_code == 422
    with Session(world.engine) as s:
        assert was_withdrawn(s, art) is None and was_withdrawn(s, thumb) is None

    done = client.post(f"/versions/{art}/withdraw",
                       data={"csrf": token, "reason": "inappropriate artwork",
                             "expect": [str(art), str(thumb)]}, follow_redirects=False)
    assert done.status_code == 303
    after = client.get(done.headers["location"]).text
    assert 'id="withdrawn-banner"' in after and 'id="withdraw-form"' not in after
    with Session(world.engine) as s:
        assert was_withdrawn(s, art) is not None and was_withdrawn(s, thumb) is not None
        assert {e.version_id for e in banks.entries(s, bank="withdrawn")} == {art, thumb}
    assert audit_types(world).count("withdraw.everywhere") == 1


def test_a_video_item_is_shown_as_a_blurred_video(client: TestClient, world: UIWorld) -> None:
    blobs = LocalBlobStore(world.settings.resolved_blob_dir)
    data = b"\0\0\0\x20ftypisom" + bytes(200)  # a container the page need not decode
    with session_scope(world.engine) as s:
        asset = Asset(title_id="t-light", kind="clip", locale="en", channel="social")
        s.add(asset)
        s.flush()
        version = AssetVersion(asset_id=asset.id, number=1, content_sha256=blobs.put(data),
                               content_type="video/mp4", size_bytes=len(data), created_by="sub")
        s.add(version)
        s.flush()
        sub = access.actor_for(access.get_user(s, "sub"), "session")
        item, _ = items.submit(s, sub, version, screening_of(s, version, IMAGE_RESULT),
                               team_id="studio")
        item_id = item.id
    login(client, "rev")
    page = client.get(f"/items/{item_id}").text
    assert "<video controls" in page  # no source until revealed: there is no blurred video
    assert f'class="frame blurred" id="frame-{item_id}"' in page
    assert client.get(f"/items/{item_id}/content").status_code == 403
    token = csrf_of(page)
    url = client.post(f"/items/{item_id}/reveal", data={"csrf": token},
                      headers={"Accept": "application/json"}).json()["content_url"]
    content = client.get(url)
    assert content.headers["content-type"] == "video/mp4" and content.content == data
