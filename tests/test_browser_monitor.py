"""The monitor's dashboard in a real browser: Chromium (Playwright) against uvicorn on loopback.

A reviewer opens the monitor, follows a title to its timelines (three SVG charts drawn by the
server, visible and sized, alerts marked on them) and an alert to its page (the version live at
the onset with its screening decision, the top posts). Every request the pages make goes to the
server itself: no CDN, no script from elsewhere. Skipped without ``/usr/bin/chromium`` except
under CI. With ``CLEARANCE_SCREENSHOTS=1`` the title page is saved to
``docs/images/monitor-title.png``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from clearance.service.app import create_app
from clearance.storage import LocalBlobStore
from test_browser import CHROMIUM, IMAGES, _free_port, _need_browser
from test_ui_monitor import add_monitor_data
from ui_world import PASSWORD, UIWorld, build


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, UIWorld]]:
    world = build(tmp_path)
    add_monitor_data(world.engine, LocalBlobStore(world.settings.resolved_blob_dir), tmp_path)
    app = create_app(world.settings, engine=world.engine, webhook_worker=False)
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


def test_the_dashboard_in_chromium(server: tuple[str, UIWorld]) -> None:
    sync_playwright = _need_browser()
    base, _ = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(10_000)
        requested: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/monitor")
        page.wait_for_url("**/login**")
        page.fill("#username", "rev")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/monitor")
        page.click("#monitor-titles a[href='/monitor/titles/t-light']")
        page.wait_for_url("**/monitor/titles/t-light")
        page.click("text=7 days")
        page.wait_for_url("**/monitor/titles/t-light?days=7")
        charts = page.locator("#monitor-charts svg")
        assert charts.count() == 3
        for i in range(3):
            box = charts.nth(i).bounding_box()
            assert box is not None and box["width"] > 600 and box["height"] > 150
        assert page.locator("#monitor-charts svg rect").count() > 50      # the volume bars
        assert page.locator("#monitor-charts .alert-mark").count() >= 1
        if os.environ.get("CLEARANCE_SCREENSHOTS"):
            page.screenshot(path=str(IMAGES / "monitor-title.png"), full_page=True)
        page.click("#monitor-alerts a[href^='/monitor/alerts/']")
        page.wait_for_url("**/monitor/alerts/*")
        live = page.locator("#alert-live tbody tr").first.inner_text()
        assert "key_art" in live and "pass" in live and "rating.mature" in live
        assert page.locator("#alert-posts p").count() == 5
        browser.close()
    assert not errors
    assert requested and all(url.startswith(base) for url in requested), \
        [u for u in requested if not u.startswith(base)]
