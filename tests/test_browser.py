"""The review UI in a real browser: Chromium (Playwright, sync API) against a real uvicorn
server on loopback, with a SQLite database of its own.

A submitter submits copy through the upload form (screened with no detectors, so it passes). A
reviewer logs in, claims the image item from the queue with the keyboard, sees it blurred and
greyscale with the boxes drawn over it, reveals it (recorded) and approves; the item has a
``minor.*`` finding, so it waits for a senior, who claims and approves it; the submitter sees the
decision; the admin sees claim, reveal, review and decision in the audit view.

The hash bank: a senior banks the key art from the bank page, where its thumbnail is blurred
and greyscale until revealed (recorded); its item page says it is in the bank and lists the
thumbnail cut from it in another locale; withdraw everywhere shows the confirm list first, and
only the confirmation withdraws both.

Skipped when ``/usr/bin/chromium`` is absent, except under CI, where that is a failure. With
``CLEARANCE_SCREENSHOTS=1`` the item page is saved to ``docs/images/review-item.png``, the bank
page to ``docs/images/bank-page.png`` and the confirm step to
``docs/images/withdraw-confirm.png`` (drawn pictures only).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from clearance.policy.loader import load_policy
from clearance.screening import Screener
from clearance.service.app import create_app
from ui_world import PASSWORD, UIWorld, build

CHROMIUM = Path("/usr/bin/chromium")
IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"
SCREENSHOT = IMAGES / "review-item.png"


def _need_browser() -> Any:
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "playwright is not installed"
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so the browser test must run", pytrace=False)
        pytest.skip(reason)
    return sync_playwright


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, UIWorld]]:
    world = build(tmp_path)
    # No detectors: an upload is screened by the policy alone (no model is loaded), so copy
    # without findings passes; the review flow itself uses the constructed items.
    screener = Screener([], load_policy(None), max_text_bytes=world.settings.max_text_bytes)
    app = create_app(world.settings, engine=world.engine, webhook_worker=False,
                     screener=screener)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                        lifespan="on"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", world
    srv.should_exit = True
    thread.join(timeout=10)
    world.engine.dispose()


def test_review_flow_in_chromium(server: tuple[str, UIWorld]) -> None:
    sync_playwright = _need_browser()
    base, world = server
    item = world.image_item
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        def log_in(username: str, lands_on: str) -> None:
            page.goto(f"{base}/")
            page.wait_for_url("**/login**")
            page.fill("#username", username)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"**{lands_on}")

        def log_out() -> None:
            page.click("text=Log out")
            page.wait_for_url("**/login")

        # The submitter uploads a tagline through the form on /mine (sent to the API).
        log_in("sub", "/mine")
        page.click("#upload summary")
        page.fill("#u-title", "t-light")
        page.select_option("#u-kind", "synopsis")
        page.fill("#u-locale", "en")
        page.fill("#u-text", "A keeper and a lighthouse, one long summer.")
        page.click("#upload button[type=submit]")
        page.wait_for_url("**/items/*")
        assert "passed" in page.locator("#final-decision").inner_text()
        log_out()

        # The reviewer: the queue, j to select the first (riskiest) row, c to claim it.
        log_in("rev", "/queue")
        assert page.locator("table[data-nav] tbody tr").count() == 2
        page.keyboard.press("j")
        assert "selected" in (page.locator("tbody tr").first.get_attribute("class") or "")
        page.keyboard.press("c")
        page.wait_for_url(f"**/items/{item}")
        assert page.locator(".banner.info").inner_text().startswith("You hold this item")
        img = page.locator(f"#frame-{item} img")
        img.evaluate("e => e.decode()")
        filt = img.evaluate("e => getComputedStyle(e).filter")
        assert "blur" in filt and "grayscale" in filt
        labels = page.locator(f"#frame-{item} .tag").all_inner_texts()
        assert "minor.apparent 0.71" in labels and len(labels) == 3
        tags = [t.bounding_box() for t in page.locator(f"#frame-{item} .tag").all()]
        frame_box = page.locator(f"#frame-{item}").bounding_box()
        assert frame_box is not None and all(t is not None for t in tags)
        for n, t in enumerate(tags):  # inside the image, and apart from each other
            assert t is not None and t["x"] >= frame_box["x"] - 1
            assert t["x"] + t["width"] <= frame_box["x"] + frame_box["width"] + 1
            for u in tags[n + 1:]:
                assert u is not None and (t["x"] + t["width"] <= u["x"] + 1
                                          or u["x"] + u["width"] <= t["x"] + 1
                                          or t["y"] + t["height"] <= u["y"] + 1
                                          or u["y"] + u["height"] <= t["y"] + 1)
        box = page.locator(f"#frame-{item} .box").first.bounding_box()
        frame = page.locator(f"#frame-{item}").bounding_box()
        assert box is not None and frame is not None
        assert abs(box["x"] - frame["x"] - 0.3875 * frame["width"]) < 2  # 248 / 640
        if os.environ.get("CLEARANCE_SCREENSHOTS") == "1":
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))

        # ? shows the shortcuts; r reveals (audited) and unblurs that one image in place.
        page.keyboard.press("?")
        assert page.locator("#help").is_visible()
        page.keyboard.press("Escape")
        assert not page.locator("#help").is_visible()
        page.keyboard.press("r")
        page.wait_for_selector(f"#frame-{item}:not(.blurred)")
        assert img.evaluate("e => getComputedStyle(e).filter") == "none"
        assert page.get_by_text("revealed (recorded in the audit log)").is_visible()
        # the server-blurred picture is replaced by the original, through the reveal's grant
        assert "reveal=" in (img.get_attribute("src") or "")
        img.evaluate("e => e.decode()")
        assert img.evaluate("e => [e.naturalWidth, e.naturalHeight]") == [640, 400]

        # a picks approve; the first review leaves it awaiting a senior.
        page.keyboard.press("a")
        assert page.locator("input[value=approve]").is_checked()
        page.keyboard.type("Drawn lighthouse, no person.")
        page.uncheck("#then-next")  # stay on the item (test_browser_queue goes on to the next)
        page.click("text=Submit review")
        page.wait_for_selector("#awaiting-senior")
        assert page.locator("#decision-form").count() == 0
        log_out()

        # The senior: second review, concurring, makes it final.
        log_in("senior", "/queue")
        assert "awaiting senior" in page.locator(f"tr[data-href='/items/{item}']").inner_text()
        page.click(f"a[href='/items/{item}']")
        page.click("#claim-form button")
        page.wait_for_selector("#decision-form")
        page.check("input[value=approve]")
        page.fill("#comment", "Cleared for release.")
        page.uncheck("#then-next")
        page.click("text=Submit review")
        page.wait_for_selector("#final-decision")
        assert "approved" in page.locator("#final-decision").inner_text()
        log_out()

        # The submitter sees the result and the comment.
        log_in("sub", "/mine")
        row = page.locator(f"#item-{item}")
        assert "approved" in row.inner_text().lower()
        assert page.get_by_text("Cleared for release.").is_visible()
        log_out()

        # The admin sees it all in the audit view, with the chain intact.
        log_in("admin", "/queue")
        page.goto(f"{base}/audit?subject=item:{item}")
        assert page.locator("#chain-status").inner_text().lower() == "chain intact"
        rows = page.locator("#audit tbody tr").all_inner_texts()
        seen = {(r.split("\t")[2].strip(), r.split("\t")[3].strip()) for r in rows}
        for expected in [("claim", "user:rev"), ("reveal", "user:rev"), ("review", "user:rev"),
                         ("claim", "user:senior"), ("review", "user:senior"),
                         ("decision", "user:senior")]:
            assert expected in seen, (expected, seen)
        browser.close()
        assert not errors, errors


def test_bank_page_and_withdraw_everywhere_in_chromium(server: tuple[str, UIWorld]) -> None:
    sync_playwright = _need_browser()
    from clearance.bank.lineage import ensure_catalog_hashes
    from clearance.catalog.publication import was_withdrawn
    from clearance.review import access, items
    from clearance.storage import LocalBlobStore, session_scope
    from clearance.storage.models import Asset, AssetVersion
    from clearance.storage.review_models import ReviewItem
    from test_ui_bank import thumbnail_of
    from ui_world import IMAGE_RESULT, draw_image, screening_of

    base, world = server
    blobs = LocalBlobStore(world.settings.resolved_blob_dir)
    thumb_bytes = thumbnail_of(draw_image())
    with session_scope(world.engine) as s:  # a thumbnail cut from the key art, in French
        art = s.get_one(ReviewItem, world.image_item).version_id
        asset = Asset(title_id="t-light", kind="thumbnail", locale="fr", channel="partner")
        s.add(asset)
        s.flush()
        thumb_version = AssetVersion(asset_id=asset.id, number=1,
                                     content_sha256=blobs.put(thumb_bytes),
                                     content_type="image/jpeg", size_bytes=len(thumb_bytes),
                                     created_by="sub")
        s.add(thumb_version)
        s.flush()
        thumb = thumb_version.id
        sub = access.actor_for(access.get_user(s, "sub"), "session")
        items.submit(s, sub, thumb_version, screening_of(s, thumb_version, IMAGE_RESULT),
                     team_id="studio")
    ensure_catalog_hashes(world.engine, blobs)  # as screening with the bank would have

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/login")
        page.fill("#username", "senior")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/queue")

        # The bank page: the senior banks the key art; its thumbnail is blurred and greyscale.
        page.click("nav >> text=Bank")
        page.wait_for_url("**/bank")
        page.fill("#b-version", str(art))
        page.fill("#b-reason", "recalled artwork")
        page.click("#bank-version-form button")
        page.wait_for_selector("#entries tbody tr[id^=entry-]")
        frame = page.locator("#entries .frame").first
        assert "blurred" in (frame.get_attribute("class") or "")
        img = frame.locator("img")
        img.evaluate("e => e.decode()")
        filt = img.evaluate("e => getComputedStyle(e).filter")
        assert "blur" in filt and "grayscale" in filt
        assert "t-light/key_art/und/web/v1" in page.locator("#entries").inner_text()
        if os.environ.get("CLEARANCE_SCREENSHOTS") == "1":
            page.screenshot(path=str(IMAGES / "bank-page.png"))
        page.click("#entries .js-reveal button")  # recorded, then unblurred in place
        page.wait_for_selector("#entries .frame:not(.blurred)")
        assert img.evaluate("e => getComputedStyle(e).filter") == "none"

        # The item page: in the bank, and the thumbnail listed as a near-copy elsewhere.
        page.goto(f"{base}/items/{world.image_item}")
        assert "In bank withdrawn since" in page.locator(".in-bank").first.inner_text()
        near = page.locator("#near-copies").inner_text()
        assert "thumbnail v1" in near and "fr · partner" in near

        # Withdraw everywhere: the confirm list first, nothing withdrawn until confirmed.
        page.click("#withdraw-everywhere")
        page.wait_for_url(f"**/versions/{art}/withdraw")
        listed = page.locator("#withdraw-list tbody tr")
        assert listed.count() == 1 and listed.first.get_attribute("data-version") == str(thumb)
        assert "Withdraw 2 versions everywhere" in page.locator("#withdraw-form").inner_text()
        if os.environ.get("CLEARANCE_SCREENSHOTS") == "1":
            page.screenshot(path=str(IMAGES / "withdraw-confirm.png"))
        with session_scope(world.engine) as s:
            assert was_withdrawn(s, art) is None and was_withdrawn(s, thumb) is None
        page.fill("#w-reason", "Inappropriate artwork, replaced.")
        page.click("#withdraw-form button[type=submit]")
        page.wait_for_selector("#withdrawn-banner")
        assert page.locator("#withdraw-form").count() == 0
        with session_scope(world.engine) as s:
            assert was_withdrawn(s, art) is not None and was_withdrawn(s, thumb) is not None
        browser.close()
        assert not errors, errors
