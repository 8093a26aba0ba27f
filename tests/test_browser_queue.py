"""The queue at volume in a real browser (Chromium through Playwright against a real uvicorn, as
tests/test_browser.py): the rule filter is a select, rows are ticked with j/x and decided in bulk
with Ctrl+Enter, and on an item page Ctrl+Enter records the decision and opens the next item.
And the layout holds: tables inside their panels, every field themed, no page wider than a
900 px window.

Skipped when ``/usr/bin/chromium`` is absent, except under CI, where that is a failure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from clearance.storage.review_models import ReviewItem
from test_browser import CHROMIUM, _need_browser, server
from test_ui_queue import add_copy_item
from ui_world import PASSWORD, UIWorld

__all__ = ["server"]  # the fixture, used by name


def test_queue_bulk_and_next_item_in_chromium(server: tuple[str, UIWorld]) -> None:
    sync_playwright = _need_browser()
    base, world = server
    plain = [add_copy_item(world, "fr", f"Un été au phare, {n}.") for n in range(4)]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/login")
        page.fill("#username", "rev")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/queue")

        # The rule filter is a list of the live policy's rules and the labels, not free text.
        assert page.locator("#f-rule").evaluate("e => e.tagName") == "SELECT"
        page.select_option("#f-rule", "minor.apparent")
        page.click(".filters button[type=submit]")
        page.wait_for_url("**rule=minor.apparent**")
        assert page.locator("table[data-nav] tbody tr").count() == 1
        page.goto(f"{base}/queue?locale=fr")

        # The bulk panel's note reads as one line of text with its key cap inline (it was a
        # flex column: the <kbd> stretched across the panel like an input box).
        key = page.locator("#bulk-form kbd")
        note = key.locator("xpath=..")
        kbd = key.bounding_box()
        assert kbd is not None and kbd["width"] < 40, kbd
        line = page.evaluate("() => parseFloat(getComputedStyle(document.body).lineHeight)"
                             " || 20")
        note_box = note.bounding_box()
        assert note_box is not None and note_box["height"] < 2 * line, (note_box, line)

        # j/x tick the first two rows; Ctrl+Enter in the reason field decides them in bulk.
        page.keyboard.press("j")
        page.keyboard.press("x")
        page.keyboard.press("j")
        page.keyboard.press("x")
        ticked = page.locator("input[name=item]:checked")
        assert ticked.count() == 2
        first_two = [int(v) for v in ticked.evaluate_all("bs => bs.map(b => b.value)")]
        page.select_option("#bulk-outcome", "reject")
        page.fill("#bulk-reason", "Off-brief for the French market.")
        page.focus("#bulk-reason")
        page.keyboard.press("Control+Enter")
        page.wait_for_selector("#bulk-results")
        results = page.locator("#bulk-results tbody tr").evaluate_all(
            "rs => rs.map(r => [Number(r.dataset.item), r.dataset.result])")
        assert sorted(results) == sorted([[i, "decided"] for i in first_two])
        page.click("#back-to-queue")
        page.wait_for_url("**/queue?locale=fr")
        assert page.locator("table[data-nav] tbody tr").count() == 2

        # Claim next (c) among the filters, pick reject (x), Ctrl+Enter: the next item opens.
        page.keyboard.press("c")
        page.wait_for_url(re.compile(r".*/items/\d+\?q=locale%3Dfr$"))
        current = int(page.url.split("/items/")[1].split("?")[0])
        page.keyboard.press("x")
        assert page.locator("input[value=reject]").is_checked()
        page.keyboard.type("Duplicate of the approved tagline.")
        assert page.locator("#then-next").is_checked()
        page.keyboard.press("Control+Enter")
        page.wait_for_url(lambda url: f"/items/{current}?" not in url and "/items/" in url)
        following = int(page.url.split("/items/")[1].split("?")[0])
        assert following != current and following in plain
        assert page.locator("#decision-form").count() == 1  # claimed, ready to decide
        browser.close()
        assert not errors, errors
    with Session(world.engine) as s:
        assert s.get_one(ReviewItem, current).state == "rejected"
        assert s.get_one(ReviewItem, following).state == "claimed"
        assert {s.get_one(ReviewItem, i).state for i in first_two} == {"rejected"}


@contextmanager
def _logged_in(base: str, user: str, width: int = 1440) -> Iterator[Any]:
    """A Chromium page logged in as ``user`` (a reviewer or above: they land on the queue)."""
    sync_playwright = _need_browser()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": width, "height": 1000})
        page.set_default_timeout(10_000)
        page.goto(f"{base}/login")
        page.fill("#username", user)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/queue")
        yield page
        browser.close()


def test_metrics_tables_fit_their_panels_in_chromium(server: tuple[str, UIWorld]) -> None:
    """Every table of the metrics page stays inside its panel at a common laptop width (the
    reviewers' six unwrapped column heads ran past the right column's edge)."""
    base, _world = server
    with _logged_in(base, "senior") as page:
        page.goto(f"{base}/metrics")
        overflow = page.evaluate("""() => [...document.querySelectorAll('section.panel table')]
            .map(t => [t.id, t.getBoundingClientRect().right,
                       t.closest('section.panel').getBoundingClientRect().right])
            .filter(([, table, panel]) => table > panel + 1)""")
        assert page.locator("section.panel table").count() >= 5
        assert overflow == [], overflow


def test_every_form_field_wears_the_theme_in_chromium(server: tuple[str, UIWorld]) -> None:
    """Text, date and untyped inputs, selects and text areas on the admin's pages have the
    theme's border (the incident forms' untyped inputs and the audit page's date fields were
    left in the browser's default style)."""
    base, _world = server
    with _logged_in(base, "admin") as page:
        unthemed: dict[str, list[str]] = {}
        checked = 0
        for path in ("/queue", "/incidents", "/audit", "/lexicon", "/bank", "/mine"):
            page.goto(f"{base}{path}")
            fields = page.evaluate("""() => [...document.querySelectorAll(
                    'input:not([type=hidden]):not([type=checkbox]):not([type=radio])' +
                    ':not([type=submit]):not([type=file]), select, textarea')]
                .filter(e => e.offsetParent !== null)
                .map(e => [e.name || e.id, getComputedStyle(e).borderTopColor])""")
            checked += len(fields)
            bad = [name for name, color in fields if color != "rgb(196, 201, 208)"]
            if bad:
                unthemed[path] = bad
        assert checked >= 15, checked
        assert unthemed == {}, unthemed


def test_pages_fit_a_narrow_window_in_chromium(server: tuple[str, UIWorld]) -> None:
    """At 900 px a wide table scrolls inside its panel; the page itself never runs off to the
    right (the queue's table pushed its Claim buttons out of the window)."""
    base, world = server
    with _logged_in(base, "admin", width=900) as page:
        wide = {}
        for path in ("/queue", "/audit", "/metrics", "/mine", "/bank",
                     f"/items/{world.image_item}"):
            page.goto(f"{base}{path}")
            sizes = page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]")
            if sizes[0] > sizes[1]:
                wide[path] = sizes
        assert wide == {}, wide
