"""Screening: run the detectors over items and decide on each with the policy.

:class:`Screener` is built once (its :class:`~clearance.detectors.resources.Resources` and the
detectors from settings, the policy loaded and validated) and then screens items one by one or in
batches; batching lets the semantic stage embed every candidate sentence of a batch in one call.
For each image item it builds one :class:`~clearance.detectors.analysis.PictureAnalysis` (body
regions, faces) and hands it to every detector, so the detectors share that work without a cache
that outlives the item. The result of one item is a :class:`ScreenResult`, whose ``to_dict()`` is
the stable output shape documented in ``docs/cli.md``::

    {"item", "kind", "decision", "policy", "findings": [...], "reasons": [...]}

A detector whose optional extra is not installed is left out when the Screener is built, and
screening an item it would read raises :class:`~clearance.errors.DetectorUnavailable` naming the
extra: a child-safety screen that silently skips its image detectors would pass everything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from clearance.content.picture import DepictedPerson, Picture
from clearance.content.text import make_copy
from clearance.content.video import Video
from clearance.detectors.analysis import PictureAnalysis
from clearance.detectors.bank import BankLookup
from clearance.detectors.base import Detector, Item, VersionRef
from clearance.detectors.extras import Availability, unavailable_reason
from clearance.detectors.models import ModelShelf
from clearance.detectors.registry import DetectorRegistry, default_registry
from clearance.detectors.resources import Resources
from clearance.detectors.semantic import SemanticSuggestiveDetector
from clearance.detectors.sexualised import SexualisedMinorDetector
from clearance.detectors.team_words import TeamWords
from clearance.errors import ContentError, DetectorUnavailable
from clearance.findings import Finding
from clearance.policy.engine import Decision, evaluate
from clearance.policy.loader import load_policy
from clearance.policy.model import Policy
from clearance.screening.cache import CacheSlot, findings_key
from clearance.settings import Settings


def content_sha256(item: Item) -> str | None:
    """The SHA-256 that names the item's content: its catalog version's, its picture's, or its
    copy's text; ``None`` for a video that is no catalog version."""
    if item.version is not None:
        return item.version.sha256
    if item.image is not None:
        return item.image.sha256
    if item.copy is not None:
        return hashlib.sha256(item.copy.text.encode("utf-8")).hexdigest()
    return None


@dataclass(frozen=True, slots=True)
class ScreenResult:
    """The decision on one item, with its findings; ``source`` is the item itself (its copy or
    picture), kept for reports and never serialised."""

    item: str
    kind: str
    decision: Decision
    findings: tuple[Finding, ...]
    source: Item | None = field(default=None, compare=False, repr=False)
    image: dict[str, str | int] | None = None

    @classmethod
    def of(cls, item: Item, decision: Decision, findings: tuple[Finding, ...]) -> ScreenResult:
        pic = item.image
        meta: dict[str, str | int] | None = None
        if pic is not None:
            meta = {"width": pic.width, "height": pic.height, "format": pic.format,
                    "sha256": pic.sha256}
        return cls(item.name, item.kind, decision, findings, item, meta)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "item": self.item,
            "kind": self.kind,
            "decision": self.decision.outcome,
            "policy": self.decision.policy,
            "findings": [f.to_dict() for f in self.findings],
            "reasons": self.decision.reasons,
        }
        if self.image is not None:
            out["image"] = dict(self.image)
        return out


@dataclass(frozen=True, slots=True)
class Missing:
    """A detector the Screener would run but cannot: its class and what it lacks."""

    detector: type[Detector]
    availability: Availability


class Screener:
    """Detectors plus a policy, ready to screen copy and images."""

    def __init__(self, detectors: Sequence[Detector], policy: Policy, *,
                 max_text_bytes: int, resources: Resources | None = None,
                 missing: Sequence[Missing] = ()) -> None:
        """``resources`` are the ones the detectors were built with (they make the per-picture
        analyses); ``missing`` the detectors left out for want of an extra."""
        self.detectors = tuple(detectors)
        self.policy = policy
        self.max_text_bytes = max_text_bytes
        self.resources = resources if resources is not None else Resources()
        self.missing = tuple(missing)

    @classmethod
    def from_settings(cls, settings: Settings, *, policy: Policy | None = None,
                      registry: DetectorRegistry | None = None,
                      models: ModelShelf | None = None,
                      bank: BankLookup | None = None) -> Screener:
        """Every detector of ``registry`` (the built-in ones; unless ``CLEARANCE_SEMANTIC`` is
        ``off``, the copy classifier; with ``always``, the curated-phrase semantic stage too),
        built with one :class:`Resources` from ``settings``.
        ``models`` shares a model shelf with other Screeners (benchmarks comparing settings);
        ``bank`` is the hash bank's index the ``match.withdrawn`` detector looks items up in."""
        if registry is None:
            registry = default_registry()
            if settings.semantic != "off":
                registry.register(SexualisedMinorDetector)
            if settings.semantic == "always":
                registry.register(SemanticSuggestiveDetector)
        resources = Resources.from_settings(settings, models=models, bank=bank)
        detectors: list[Detector] = []
        missing: list[Missing] = []
        for cls_ in registry:
            available = cls_.is_available()
            if available:
                detectors.append(cls_.from_settings(settings, resources))
            else:
                missing.append(Missing(cls_, available))
        return cls(detectors, policy or load_policy(settings.policy_file),
                   max_text_bytes=settings.max_text_bytes, resources=resources, missing=missing)

    @property
    def versions(self) -> dict[str, str]:
        """Detector name -> version, for every detector this Screener runs."""
        return {d.name: d.version for d in self.detectors}

    def text_item(self, text: str, *, name: str = "text", rating: str | None = None,
                  title_id: str | None = None, version: VersionRef | None = None,
                  team_words: TeamWords | None = None) -> Item:
        """Validate copy into an item; raises :class:`ContentError` when it cannot be screened.
        ``version``: the catalog version the copy is, when it is one; ``team_words``: the word
        list of the team it belongs to (:mod:`clearance.screening.team_lexicon`)."""
        return Item("text", make_copy(text, max_bytes=self.max_text_bytes), rating=rating,
                    title_id=title_id, name=name, version=version, team_words=team_words)

    def image_item(self, picture: Picture, *, name: str | None = None,
                   rating: str | None = None, title_id: str | None = None,
                   depicted: Sequence[DepictedPerson] = (),
                   version: VersionRef | None = None) -> Item:
        """An image item (the picture comes from :func:`clearance.content.images.load_picture`);
        ``version``: the catalog version the image is, when it is one."""
        return Item("image", rating=rating, title_id=title_id, name=name or picture.name,
                    image=picture, depicted=tuple(depicted), version=version)

    def video_item(self, video: Video, *, name: str | None = None, rating: str | None = None,
                   title_id: str | None = None, version: VersionRef | None = None) -> Item:
        """A video item (a trailer or clip: :func:`clearance.content.video.load_video_file`)."""
        return Item("video", rating=rating, title_id=title_id, name=name or video.name,
                    video=video, version=version)

    def _check_available(self, items: Sequence[Item]) -> None:
        kinds = {it.kind for it in items}
        lacking = [m for m in self.missing if kinds & m.detector.kinds]
        if lacking:
            by_extra: dict[str | None, list[Missing]] = {}
            for m in lacking:
                by_extra.setdefault(m.availability.extra, []).append(m)
            reasons = "; ".join(
                unavailable_reason([m.detector.name for m in group],
                                   [m.availability for m in group])
                for group in by_extra.values())
            raise DetectorUnavailable(f"cannot screen {' or '.join(sorted(kinds))}: {reasons}")

    def findings_many(self, items: Sequence[Item]) -> list[tuple[Finding, ...]]:
        """Every detector's findings on each item. Raises :class:`DetectorUnavailable` when a
        detector that reads one of the items' kinds is missing its extra."""
        return [tuple(f for fs in by.values() for f in fs)
                for by in self.findings_by_detector(items)]

    def cache_slots(self, item: Item) -> dict[str, CacheSlot]:
        """Detector name -> where its findings on ``item`` are cached (see
        :mod:`clearance.screening.cache`), for every detector that reads the item's kind; empty
        for an item whose content has no hash. Reads no content: ``item`` may carry none."""
        sha = content_sha256(item)
        if sha is None:
            return {}
        out: dict[str, CacheSlot] = {}
        for det in self.detectors:
            if det.accepts(item):
                inputs = det.input_key(item)
                out[det.name] = CacheSlot(findings_key(sha, det.name, det.version, inputs), sha,
                                          det.name, det.version, inputs)
        return out

    def findings_by_detector(
            self, items: Sequence[Item],
            cached: Sequence[Mapping[str, Sequence[Finding]]] | None = None,
    ) -> list[dict[str, tuple[Finding, ...]]]:
        """Each item's findings by detector name, in the Screener's detector order (the order
        :meth:`findings_many` concatenates them in). ``cached[n]`` holds findings already known
        for item n (from the findings cache): those detectors are not run on it, and when every
        detector is known the item needs neither its content nor a model."""
        known = list(cached) if cached is not None else [{} for _ in items]
        work = [it for it, k in zip(items, known, strict=True)
                if any(d.accepts(it) and d.name not in k for d in self.detectors)]
        self._check_available(work)
        analyses: list[PictureAnalysis | None] = [None] * len(items)
        per_item: list[dict[str, tuple[Finding, ...]]] = [{} for _ in items]
        for det in self.detectors:
            idx = [i for i, it in enumerate(items) if det.accepts(it)]
            run = [i for i in idx if det.name not in known[i]]
            for i in run:
                image = items[i].image
                if analyses[i] is None and image is not None:
                    analyses[i] = self.resources.analyse(image)
            found = det.detect_many([items[i] for i in run], [analyses[i] for i in run]) \
                if run else []
            fresh = dict(zip(run, found, strict=True))
            for i in idx:  # (a Screener built by hand may hold two detectors of one name)
                per_item[i][det.name] = per_item[i].get(det.name, ()) + (
                    tuple(fresh[i]) if i in fresh else tuple(known[i][det.name]))
        return per_item

    def screen_many(self, items: Sequence[Item],
                    title_findings: Sequence[Mapping[str, Sequence[Finding]] | None] | None = None,
                    extra: Sequence[Sequence[Finding]] | None = None,
                    ) -> list[ScreenResult]:
        """Screen items; ``title_findings[n]`` are item n's other campaign assets' findings and
        ``extra[n]`` findings from outside the detectors (a vendor's response) for item n."""
        out = []
        for n, (item, fs) in enumerate(zip(items, self.findings_many(items), strict=True)):
            others = title_findings[n] if title_findings is not None else None
            if extra is not None:
                fs = fs + tuple(extra[n])
            decision = evaluate(fs, self.policy, others)
            out.append(ScreenResult.of(item, decision, fs))
        return out

    def screen_text(self, text: str, *, name: str = "text", rating: str | None = None,
                    title_findings: Mapping[str, Sequence[Finding]] | None = None,
                    ) -> ScreenResult:
        item = self.text_item(text, name=name, rating=rating)
        return self.screen_many([item], [title_findings])[0]

    def screen_campaign(self, items: Mapping[str, Item],
                        extra: Mapping[str, Sequence[Finding]] | None = None,
                        ) -> dict[str, ScreenResult]:
        """Screen the live assets of one title together: each is decided with the findings of
        the others available to ``scope: title`` / ``other_assets`` rules. ``extra`` adds
        findings from outside the detectors (a vendor's response) to an asset."""
        refs = list(items)
        found = self.findings_many([items[r] for r in refs])
        findings = {ref: fs + tuple((extra or {}).get(ref, ()))
                    for ref, fs in zip(refs, found, strict=True)}
        out: dict[str, ScreenResult] = {}
        for ref in refs:
            others = {o: findings[o] for o in refs if o != ref}
            decision = evaluate(findings[ref], self.policy, others)
            out[ref] = ScreenResult.of(items[ref], decision, findings[ref])
        return out

    def campaign_findings(self, copies: Mapping[str, str], *, rating: str | None = None,
                          ) -> dict[str, tuple[Finding, ...]]:
        """Findings for a title's other assets (reference -> text), for ``scope: title`` rules.
        Copy that cannot be screened (empty) is left out."""
        items: dict[str, Item] = {}
        for ref, text in copies.items():
            try:
                items[ref] = self.text_item(text, name=ref, rating=rating)
            except ContentError:
                continue
        refs = list(items)
        return dict(zip(refs, self.findings_many([items[r] for r in refs]), strict=True))
