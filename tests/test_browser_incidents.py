"""The incident page in a real browser: Chromium (Playwright) against uvicorn on loopback.

A senior reviewer goes from the monitor's alert to the incident it opened, sees the versions live
at the onset (the drawn key art as a small blurred greyscale picture that loaded, with the way to
its review item), the timelines drawn by the server with the alerts marked, records a statement
through the form and finds it with its effect panel, and asks what screening saw (the learning and
the draft policy change). Every request goes to the server itself. Skipped without
``/usr/bin/chromium`` except under CI. With ``CLEARANCE_SCREENSHOTS=1`` the page is saved to
``docs/images/incident-page.png``.
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
from test_browser import CHROMIUM, IMAGES, _free_port, _need_browser
from test_ui_incidents import incident_world
from ui_world import PASSWORD, UIWorld


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, UIWorld, int]]:
    world, incident_id = incident_world(tmp_path)
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
    yield f"http://127.0.0.1:{port}", world, incident_id
    srv.should_exit = True
    thread.join(timeout=10)
    world.engine.dispose()


def test_the_incident_page_in_chromium(server: tuple[str, UIWorld, int]) -> None:
    sync_playwright = _need_browser()
    base, _, incident_id = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(15_000)
        requested: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/monitor")
        page.wait_for_url("**/login**")
        page.fill("#username", "senior")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/monitor")
        page.click("#monitor-alerts a[href^='/monitor/alerts/']")
        page.wait_for_url("**/monitor/alerts/*")
        page.click("#alert-incident")
        page.wait_for_url(f"**/incidents/{incident_id}")
        assert "child-sexualisation" in page.locator("h1").inner_text()
        thumb = page.locator("#incident-versions img.version-thumb").first
        thumb.wait_for()
        size = thumb.evaluate("img => [img.complete, img.naturalWidth, img.naturalHeight]")
        assert size[0] and 0 < size[1] <= 320 and 0 < size[2] <= 320  # loaded, small
        assert page.locator("#incident-versions a[href^='/items/']").count() >= 1
        charts = page.locator("#incident-charts svg")
        assert charts.count() >= 4
        box = charts.first.bounding_box()
        assert box is not None and box["width"] > 600 and box["height"] > 150
        assert page.locator("#incident-charts .alert-mark").count() >= 1
        form = page.locator("#incident-act form").first
        form.locator("input[name=text]").fill("We are sorry for the artwork.")
        form.locator("input[name=channel]").fill("x")
        form.locator("button[type=submit]").click()
        page.wait_for_url(f"**/incidents/{incident_id}#actions")
        statement = page.locator("[id^=action-]").last
        assert "We are sorry for the artwork." in statement.inner_text()
        assert page.locator("#incident-state").inner_text() == "responding"
        page.click("#study-causes")
        page.wait_for_url("**learning=1**")
        assert "Rules that acted" in page.locator("#incident-learning").inner_text()
        if os.environ.get("CLEARANCE_SCREENSHOTS"):
            page.screenshot(path=str(IMAGES / "incident-page.png"), full_page=True)
        browser.close()
    assert not errors
    assert requested and all(url.startswith(base) for url in requested), \
        [u for u in requested if not u.startswith(base)]
