"""Screening: detectors and a policy over items (:mod:`~clearance.screening.screener`), and the
record of each screening of a catalog version (:mod:`~clearance.screening.records`)."""

from clearance.screening.screener import Screener, ScreenResult

__all__ = ["ScreenResult", "Screener"]
