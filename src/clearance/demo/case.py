"""The Cuties / Mignonnes case, end to end, on the configured database (embedded SQLite by default).

1. Import the demo catalog (``demo/data/cuties.yaml``): the title with its English and French
   names and hashtags, rating TV-MA, the cast of the public catalog row with *illustrative* dates
   of birth that make the four lead girls 11 at the 2019 shoot, and two versions of each synopsis;
   then two versions of the key art, drawn by code (:mod:`clearance.demo.art`), each declaring
   the four girls as depicted, with a recorded vendor response beside each
   (``demo/data/vendor-*.json``) for what no drawn image can show: outfits, poses, apparent ages.
2. Read the known minors in the cast on the shoot date.
3. Screen the title's live assets together at three moments: the August 2020 campaign as
   published, the poster replaced and the English copy fixed while the French copy was not, and
   everything replaced.
4. Withdraw everywhere: the withdrawn poster (key art v1) is withdrawn
   (:func:`clearance.catalog.publication.withdraw`), which banks it in the hash bank's
   ``withdrawn`` bank; then a thumbnail a partner cut from it for another locale (its top 80%,
   letterboxed to 16:9, re-encoded; :func:`clearance.demo.art.draw_thumbnail`) is screened in
   the campaign and must be blocked with ``match.withdrawn`` naming the banked poster. Without
   the ``bank`` extra this step is skipped (and said so).
5. Check every decision against what a standards reviewer expects; write a JSON and a Markdown
   report; fail (exit 1) if any expectation is not met.

Screened items carry their catalog version, so a banked version never matches itself: a second
run decides exactly as the first.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from clearance.bank.banks import use_blobs
from clearance.bank.hashing import availability as bank_availability
from clearance.bank.index import BankIndex
from clearance.catalog.importer import import_catalog
from clearance.catalog.publication import withdraw
from clearance.catalog.queries import get_title, known_minors
from clearance.catalog.views import KnownMinor, TitlePublic
from clearance.catalog.write import add_asset_version, require_title, upsert_asset
from clearance.content.images import load_picture
from clearance.content.picture import DepictedPerson
from clearance.demo.art import HEIGHT, WIDTH, Variant, draw_poster, draw_thumbnail
from clearance.detectors.base import Item, VersionRef
from clearance.errors import ExpectationFailed, NotFound
from clearance.findings import Finding
from clearance.screening import Screener, ScreenResult
from clearance.screening.campaign import screen_version
from clearance.screening.records import ScreeningInputs, detectors_of, record_screening
from clearance.settings import Settings
from clearance.storage.blobs import LocalBlobStore
from clearance.storage.db import ready_engine, session_scope
from clearance.storage.models import Asset, AssetVersion, Person
from clearance.vendors import parse_vendor_findings

TITLE_ID = "s2032"
#: The demo's synopses live on their own channel, so a streaming catalog imported into the same
#: database (whose s2032 synopsis is the revised text) does not reorder their versions.
CHANNEL = "press-kit"
SHOOT_DATE = dt.date(2019, 7, 15)
CREATED_BY = "clearance-demo"
#: The four lead girls, depicted in both posters (ages from the catalog's illustrative dates).
LEAD_GIRLS = ("Fathia Youssouf", "Médina El Aidi-Azouni", "Esther Gohourou",
              "Ilanah Cami-Goursolas")


KEY_ART = "key_art"
POSTERS: tuple[Variant, ...] = ("withdrawn", "replacement")
#: The fourth step: the poster withdrawn and banked, then a thumbnail cut from it screened.
BANK_STEP = "After the withdrawal: the poster banked, a thumbnail of it in another locale"
THUMBNAIL = "thumbnail"
THUMBNAIL_LOCALE = "fr-FR"
WITHDRAWAL_REASON = ("inappropriate artwork, not representative of the film (the September "
                     "2020 apology)")


@dataclass(frozen=True, slots=True)
class Moment:
    """A moment of the campaign: which version of each asset is live, and what to expect."""

    name: str
    live: dict[str, int]  # asset -> version number (1 = original, 2 = replacement)
    expect: dict[str, str]  # asset -> expected decision


MOMENTS = (
    Moment("August 2020: the campaign as published",
           {KEY_ART: 1, "synopsis/en": 1, "synopsis/fr": 1},
           {KEY_ART: "block", "synopsis/en": "block", "synopsis/fr": "block"}),
    Moment("September 2020: poster replaced, English synopsis rewritten, French one not yet",
           {KEY_ART: 2, "synopsis/en": 2, "synopsis/fr": 1},
           {KEY_ART: "block", "synopsis/en": "review", "synopsis/fr": "block"}),
    Moment("After the fix: everything replaced",
           {KEY_ART: 2, "synopsis/en": 2, "synopsis/fr": 2},
           {KEY_ART: "pass", "synopsis/en": "pass", "synopsis/fr": "pass"}),
)


@dataclass(frozen=True, slots=True)
class Outcome:
    moment: str
    asset: str
    version: int
    text: str  # the copy, or a description of the poster
    expected: str
    result: ScreenResult
    #: The screening record of this result (``screenings.id``).
    screening_id: int
    #: A banked version this result must name in a ``match.withdrawn`` finding (the bank step).
    banked_version: int | None = None

    @property
    def is_met(self) -> bool:
        if self.result.decision.outcome != self.expected:
            return False
        return self.banked_version is None or self.banked_version in self.matched_versions

    @property
    def matched_versions(self) -> list[int]:
        """The banked versions its ``match.withdrawn`` findings name."""
        return [int(v) for f in self.result.findings if f.label == "match.withdrawn"
                for k, v in f.attributes if k == "version_id" and isinstance(v, int)]


@dataclass(frozen=True, slots=True)
class DemoRun:
    title: TitlePublic
    minors: list[KnownMinor]
    outcomes: list[Outcome]
    import_summary: str
    #: Why the bank step did not run (the ``bank`` extra missing), or ``None``.
    bank_step_skipped: str | None = None

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.is_met]

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": {"id": self.title.id, "original_title": self.title.original_title,
                      "rating": self.title.rating,
                      "names": [n.model_dump() for n in self.title.names]},
            "shoot_date": SHOOT_DATE.isoformat(),
            "known_minors": [{"name": m.person.name, "age": m.age, "character": m.character}
                             for m in self.minors],
            "import": self.import_summary,
            "results": [
                {"moment": o.moment, "asset": o.asset, "version": o.version,
                 "text": o.text, "expected": o.expected, "met": o.is_met,
                 **({"banked_version": o.banked_version, "matched_versions": o.matched_versions}
                    if o.banked_version is not None else {}),
                 **o.result.to_dict()}
                for o in self.outcomes
            ],
            "bank_step_skipped": self.bank_step_skipped,
            "passed": not self.failures,
        }


def _add_posters(session: Session, blobs: LocalBlobStore) -> None:
    """Store the two drawn posters as versions of the title's key art (idempotent)."""
    title = require_title(session, TITLE_ID)
    asset, _ = upsert_asset(session, title, kind=KEY_ART, locale="und", channel=CHANNEL)
    girls = [p for p in session.scalars(select(Person).where(Person.name.in_(LEAD_GIRLS)))]
    for variant in POSTERS:
        add_asset_version(session, blobs, asset, draw_poster(variant), content_type="image/png",
                          created_by=CREATED_BY, shoot_date=SHOOT_DATE, depicted=girls)


def _ref(version: AssetVersion) -> VersionRef:
    return VersionRef(version.id, version.asset_id, TITLE_ID, version.content_sha256,
                      version.number)


def _versions(session: Session) -> dict[str, list[AssetVersion]]:
    rows = session.scalars(
        select(AssetVersion).join(Asset, Asset.id == AssetVersion.asset_id)
        .where(Asset.title_id == TITLE_ID, Asset.channel == CHANNEL)
        .order_by(AssetVersion.id)
    ).all()
    out: dict[str, list[AssetVersion]] = {}
    for v in rows:
        ref = KEY_ART if v.asset.kind == KEY_ART else f"{v.asset.kind}/{v.asset.locale}"
        out.setdefault(ref, []).append(v)
    return out


def _vendor_findings(variant: Variant) -> tuple[Finding, ...]:
    ref = resources.files("clearance.demo.data").joinpath(f"vendor-{variant}.json")
    return tuple(parse_vendor_findings(ref.read_text(encoding="utf-8"), width=WIDTH,
                                       height=HEIGHT, source=f"vendor-{variant}.json"))


def run_demo(settings: Settings, screener: Screener) -> DemoRun:
    """Run the case on the configured database; returns what happened (raises nothing on a
    missed expectation: see :func:`check`)."""
    catalog_file = resources.files("clearance.demo.data").joinpath("cuties.yaml")
    blobs = LocalBlobStore(settings.resolved_blob_dir)
    with ready_engine(settings.resolved_database_url) as engine:
        with resources.as_file(catalog_file) as path, session_scope(engine) as session:
            report = import_catalog(session, blobs, path, created_by=CREATED_BY)
            if not report.problems:
                _add_posters(session, blobs)
        if report.problems:
            raise ExpectationFailed("the demo catalog did not import cleanly",
                                    problems=report.problems)
        with session_scope(engine) as session:
            title = get_title(session, TITLE_ID)
            minors = known_minors(session, TITLE_ID, SHOOT_DATE)
            versions = _versions(session)
            version_ids = {ref: [v.id for v in vs] for ref, vs in versions.items()}
            items: dict[tuple[str, int], Item] = {}
            texts: dict[tuple[str, int], str] = {}
            for ref, vs in versions.items():
                if ref not in MOMENTS[0].live:  # the bank step's thumbnail, from a past run
                    continue
                for n, v in enumerate(vs, 1):
                    data = blobs.get(v.content_sha256)
                    if ref == KEY_ART:
                        depicted = [DepictedPerson(m.person.name, m.age, m.person.id)
                                    for m in known_minors(session, v.id)]
                        picture = load_picture(data, f"key_art v{n} ({POSTERS[n - 1]} poster)")
                        items[ref, n] = screener.image_item(
                            picture, name=ref, rating=title.rating, title_id=TITLE_ID,
                            depicted=depicted, version=_ref(v))
                        texts[ref, n] = (f"{POSTERS[n - 1]} poster, drawn by code; depicts "
                                         + ", ".join(d.name for d in depicted))
                    else:
                        texts[ref, n] = data.decode("utf-8")
                        items[ref, n] = screener.text_item(texts[ref, n], name=ref,
                                                           rating=title.rating,
                                                           title_id=TITLE_ID, version=_ref(v))

    outcomes: list[Outcome] = []
    pairs = [(d.name, d.version) for d in screener.detectors]
    with ready_engine(settings.resolved_database_url) as engine:
        for moment in MOMENTS:
            live = {ref: items[ref, n] for ref, n in moment.live.items()}
            extra = {KEY_ART: _vendor_findings(POSTERS[moment.live[KEY_ART] - 1])}
            results = screener.screen_campaign(live, extra)
            with session_scope(engine) as session:
                for ref, n in moment.live.items():
                    version = session.get(AssetVersion, version_ids[ref][n - 1])
                    if version is None:
                        raise NotFound(f"the demo's {ref} v{n} vanished from the catalog")
                    context = {other: version_ids[other][m - 1]
                               for other, m in moment.live.items() if other != ref}
                    inputs = ScreeningInputs(detectors_of(pairs, results[ref].findings), context)
                    screening, _ = record_screening(session, version, results[ref], inputs,
                                                    requested_by="demo", actor=CREATED_BY)
                    outcomes.append(Outcome(moment.name, ref, n, texts[ref, n],
                                            moment.expect[ref], results[ref], screening.id))
        skipped = None
        available = bank_availability()
        if available:
            outcomes.append(_bank_step(settings, screener, engine, blobs,
                                       version_ids[KEY_ART][0]))
        else:
            skipped = available.reason("hash-bank")
    summary = report.summary().replace(str(catalog_file), "cuties.yaml")
    return DemoRun(title, minors, outcomes, summary, skipped)


def _bank_screener(settings: Settings, screener: Screener, engine: Engine) -> Screener:
    """``screener`` when it was handed a bank index; else one like it over this database's
    banks (sharing its loaded models and its policy)."""
    if screener.resources.bank is not None:
        return screener
    return Screener.from_settings(settings, policy=screener.policy,
                                 models=screener.resources.models,
                                 bank=BankIndex(engine, refresh_seconds=0.0))


def _bank_step(settings: Settings, screener: Screener, engine: Engine, blobs: LocalBlobStore,
               poster_id: int) -> Outcome:
    """Step 4: withdraw the poster (banked in ``withdrawn`` in the same transaction), then
    screen a thumbnail cut from it for another locale, which must name the banked poster."""
    with session_scope(engine) as session:
        use_blobs(session, blobs)
        withdraw(session, session.get_one(AssetVersion, poster_id), by=CREATED_BY,
                 reason=WITHDRAWAL_REASON)
        poster = blobs.get(session.get_one(AssetVersion, poster_id).content_sha256)
        title = require_title(session, TITLE_ID)
        asset, _ = upsert_asset(session, title, kind=THUMBNAIL, locale=THUMBNAIL_LOCALE,
                                channel=CHANNEL)
        thumb, _ = add_asset_version(session, blobs, asset, draw_thumbnail(poster),
                                     content_type="image/jpeg", created_by=CREATED_BY)
        session.flush()
        thumb_id, number = thumb.id, thumb.number
    bank_screener = _bank_screener(settings, screener, engine)
    index = bank_screener.resources.bank
    if isinstance(index, BankIndex):
        index.refresh(force=True)  # the withdrawal just committed: load it now
    screening_id, result = screen_version(engine, blobs, bank_screener, thumb_id,
                                          requested_by="demo", actor=CREATED_BY)
    text = ("thumbnail a partner cut from the withdrawn poster for a French feed: its top 80%, "
            "letterboxed to 16:9, 480 px, JPEG; the poster (key_art v1) was withdrawn and "
            "banked in 'withdrawn'")
    return Outcome(BANK_STEP, f"{THUMBNAIL}/{THUMBNAIL_LOCALE}", number, text, "block", result,
                   screening_id, banked_version=poster_id)


def write_reports(run: DemoRun, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    json_path = folder / "demo-report.json"
    md_path = folder / "demo-report.md"
    json_path.write_text(json.dumps(run.to_dict(), ensure_ascii=False, indent=2) + "\n",
                         encoding="utf-8")
    lines = [f"# Clearance demo: {run.title.original_title} ({run.title.id})", "",
             f"Rating {run.title.rating}. Shoot date {SHOOT_DATE.isoformat()}.", "",
             "## Known minors in the cast (illustrative dates of birth)", ""]
    lines += [f"- {m.person.name} ({m.character or 'cast'}): {m.age}" for m in run.minors]
    current = ""
    for o in run.outcomes:
        if o.moment != current:
            current = o.moment
            lines += ["", f"## {o.moment}", ""]
        mark = "met" if o.is_met else "NOT MET"
        expected = o.expected if o.banked_version is None else \
            f"{o.expected} naming banked version {o.banked_version}"
        lines += [f"### {o.asset} v{o.version}: **{o.result.decision.outcome}** "
                  f"(expected {expected}: {mark})", "", f"> {o.text}", ""]
        lines += [f"- {r}" for r in o.result.decision.reasons] or ["- no rule fired"]
    if run.bank_step_skipped:
        lines += ["", f"## {BANK_STEP}", "", f"Skipped: {run.bank_step_skipped}"]
    lines += ["", f"Result: {'all expectations met' if not run.failures else 'FAILED'}", ""]
    md_path.write_text("\n".join(lines), encoding="utf-8")
    return json_path, md_path


def check(run: DemoRun) -> None:
    """Raise :class:`ExpectationFailed` naming every decision that differs from the expected."""
    if run.failures:
        raise ExpectationFailed(
            f"{len(run.failures)} expectation(s) not met: " + "; ".join(
                f"{o.moment} {o.asset} v{o.version} was {o.result.decision.outcome}"
                + (f" naming banked versions {o.matched_versions or 'none'}"
                   if o.banked_version is not None else "")
                + f", expected {o.expected}"
                + (f" naming banked version {o.banked_version}"
                   if o.banked_version is not None else "") for o in run.failures))
