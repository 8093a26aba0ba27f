"""The Cuties / Mignonnes case, end to end, on the configured database (embedded SQLite by default).

1. Import the demo catalog (``demo_data/cuties.yaml``): the title with its English and French
   names and hashtags, rating TV-MA, the cast of the public catalog row with *illustrative* dates
   of birth that make the four lead girls 11 at the 2019 shoot, and two versions of each synopsis.
2. Read the known minors in the cast on the shoot date.
3. Screen the title's live synopses together at three moments: the August 2020 campaign as
   published, the English copy fixed while the French copy was not, and both rewritten.
4. Check every decision against what a standards reviewer expects; write a JSON and a Markdown
   report; fail (exit 1) if any expectation is not met.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.catalog.importer import import_catalog
from clearance.catalog.queries import get_title, known_minors
from clearance.catalog.views import KnownMinor, TitlePublic
from clearance.detectors.base import Item
from clearance.errors import ExpectationFailed
from clearance.screening import Screener, ScreenResult
from clearance.settings import Settings
from clearance.storage.blobs import LocalBlobStore
from clearance.storage.db import migrated_engine, session_scope
from clearance.storage.models import Asset, AssetVersion

TITLE_ID = "s2032"
#: The demo's synopses live on their own channel, so a streaming catalog imported into the same
#: database (whose s2032 synopsis is the revised text) does not reorder their versions.
CHANNEL = "press-kit"
SHOOT_DATE = dt.date(2019, 7, 15)
CREATED_BY = "clearance-demo"


@dataclass(frozen=True, slots=True)
class Moment:
    """A moment of the campaign: which version of each synopsis is live, and what to expect."""

    name: str
    live: dict[str, int]  # locale -> version number (1 = original, 2 = rewritten)
    expect: dict[str, str]  # locale -> expected decision


MOMENTS = (
    Moment("August 2020: the campaign as published", {"en": 1, "fr": 1},
           {"en": "block", "fr": "block"}),
    Moment("September 2020: English synopsis rewritten, French one not yet",
           {"en": 2, "fr": 1}, {"en": "review", "fr": "block"}),
    Moment("After the fix: both synopses rewritten", {"en": 2, "fr": 2},
           {"en": "pass", "fr": "pass"}),
)


@dataclass(frozen=True, slots=True)
class Outcome:
    moment: str
    locale: str
    version: int
    text: str
    expected: str
    result: ScreenResult

    @property
    def is_met(self) -> bool:
        return self.result.decision.outcome == self.expected


@dataclass(frozen=True, slots=True)
class DemoRun:
    title: TitlePublic
    minors: list[KnownMinor]
    outcomes: list[Outcome]
    import_summary: str

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
                {"moment": o.moment, "asset": f"synopsis/{o.locale}", "version": o.version,
                 "text": o.text, "expected": o.expected, "met": o.is_met,
                 **o.result.to_dict()}
                for o in self.outcomes
            ],
            "passed": not self.failures,
        }


def _synopsis_versions(session: Session) -> dict[str, list[AssetVersion]]:
    rows = session.scalars(
        select(AssetVersion).join(Asset, Asset.id == AssetVersion.asset_id)
        .where(Asset.title_id == TITLE_ID, Asset.kind == "synopsis", Asset.channel == CHANNEL)
        .order_by(AssetVersion.id)
    ).all()
    out: dict[str, list[AssetVersion]] = {}
    for v in rows:
        out.setdefault(v.asset.locale, []).append(v)
    return out


def run_demo(settings: Settings, screener: Screener) -> DemoRun:
    """Run the case on the configured database; returns what happened (raises nothing on a
    missed expectation: see :func:`check`)."""
    catalog_file = resources.files("clearance.demo_data").joinpath("cuties.yaml")
    blobs = LocalBlobStore(settings.resolved_blob_dir)
    with migrated_engine(settings.resolved_database_url) as engine:
        with resources.as_file(catalog_file) as path, session_scope(engine) as session:
            report = import_catalog(session, blobs, path, created_by=CREATED_BY)
        if report.problems:
            raise ExpectationFailed("the demo catalog did not import cleanly",
                                    problems=report.problems)
        with session_scope(engine) as session:
            title = get_title(session, TITLE_ID)
            minors = known_minors(session, TITLE_ID, SHOOT_DATE)
            versions = _synopsis_versions(session)
            texts = {loc: [blobs.get(v.content_sha256).decode("utf-8") for v in vs]
                     for loc, vs in versions.items()}

    outcomes: list[Outcome] = []
    for moment in MOMENTS:
        items: dict[str, Item] = {
            f"synopsis/{loc}": screener.text_item(texts[loc][n - 1], name=f"synopsis/{loc}",
                                                  rating=title.rating, title_id=TITLE_ID)
            for loc, n in moment.live.items()
        }
        results = screener.screen_campaign(items)
        for loc, n in moment.live.items():
            outcomes.append(Outcome(moment.name, loc, n, texts[loc][n - 1],
                                    moment.expect[loc], results[f"synopsis/{loc}"]))
    summary = report.summary().replace(str(catalog_file), "cuties.yaml")
    return DemoRun(title, minors, outcomes, summary)


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
        lines += [f"### synopsis/{o.locale} v{o.version}: **{o.result.decision.outcome}** "
                  f"(expected {o.expected}: {mark})", "", f"> {o.text}", ""]
        lines += [f"- {r}" for r in o.result.decision.reasons] or ["- no rule fired"]
    lines += ["", f"Result: {'all expectations met' if not run.failures else 'FAILED'}", ""]
    md_path.write_text("\n".join(lines), encoding="utf-8")
    return json_path, md_path


def check(run: DemoRun) -> None:
    """Raise :class:`ExpectationFailed` naming every decision that differs from the expected."""
    if run.failures:
        raise ExpectationFailed(
            f"{len(run.failures)} expectation(s) not met: " + "; ".join(
                f"{o.moment} synopsis/{o.locale} v{o.version} was "
                f"{o.result.decision.outcome}, expected {o.expected}" for o in run.failures))
