"""A test-only ASGI factory: the review service with a screener whose one detector is a
:class:`~clearance.detectors.fake.FakeDetector` that sleeps a little per item, so a test started
with ``uvicorn slow_service:app --factory --app-dir tests`` gets screenings that take a known
time without loading any model. Settings come from the environment, as for ``clearance serve``;
the delay from :data:`DELAY_ENV` (seconds per item). Nothing here is reachable from production
settings.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Final

from fastapi import FastAPI

from clearance.detectors.analysis import PictureAnalysis
from clearance.detectors.base import Item
from clearance.detectors.fake import FakeDetector
from clearance.findings import Finding, Label, TextSpan
from clearance.policy.loader import load_policy
from clearance.screening import Screener
from clearance.service import create_app
from clearance.settings import Settings, get_settings

DELAY_ENV: Final = "CLEARANCE_TEST_SCREEN_DELAY"


class SlowFakeDetector(FakeDetector):
    """A :class:`FakeDetector` that takes ``delay`` seconds per item, like a model would (the
    sleep releases the GIL, as ONNX and numpy do)."""

    def __init__(self, findings: Sequence[Finding], *, delay: float) -> None:
        super().__init__(findings)
        self.delay = delay

    def detect(self, item: Item, analysis: PictureAnalysis | None = None) -> Sequence[Finding]:
        time.sleep(self.delay)
        return super().detect(item, analysis)


def slow_screener(settings: Settings, delay: float) -> Screener:
    """The default policy over one slow fake detector that finds a teenager next to sexualising
    framing in every item (so every upload is queued for review, rule teen-sexualised-copy)."""
    span = TextSpan(0, 1, "x", 0)
    findings = [FakeDetector.finding(Label.MINOR_MENTIONED, 0.9, evidence=span, group="teen"),
                FakeDetector.finding(Label.SUGGESTIVE_TEXT, 0.8, evidence=span,
                                     category="sexualised_dance", framing=True,
                                     source="lexicon")]
    return Screener([SlowFakeDetector(findings, delay=delay)], load_policy(settings.policy_file),
                    max_text_bytes=settings.max_text_bytes)


def app() -> FastAPI:
    settings = get_settings()
    return create_app(settings, screener=slow_screener(settings,
                                                       float(os.environ.get(DELAY_ENV, "0.2"))))
