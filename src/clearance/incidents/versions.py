"""What an incident records about an asset version when it is linked: where it lives, when it went
live and who published it, the screening it was cleared on (decision, policy, the rules that
fired with their outcomes, the finding labels with counts) and the review that cleared it (who
approved it, when, whether that overrode the screening), summed up in one sentence a person can
read: "approved by jo and sam on 2020-08-18 despite minor.known ×4, suggestive.image ×2".

The screening is the one the version's latest review round reviewed (the one it was cleared on);
a version never submitted for review gets its latest screening. The record is frozen when the
version is linked: a later screening or review does not rewrite what the incident saw.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.catalog.publication import latest_item, was_withdrawn
from clearance.screening.records import latest_screenings
from clearance.storage.db import as_utc
from clearance.storage.models import AssetVersion
from clearance.storage.review_models import Review, User
from clearance.storage.screening_models import Publication, Screening

#: Labels that say where a finding came from rather than what is wrong (never "despite").
INFORMATIONAL: Final = frozenset({"text.language", "text.ocr", "face"})
ACTING: Final = ("review", "block")


def version_ref(version: AssetVersion) -> str:
    """``s2032/key_art/und/netflix/v1``."""
    a = version.asset
    return f"{a.title_id}/{a.kind}/{a.locale}/{a.channel}/v{version.number}"


def short_ref(version: AssetVersion) -> str:
    """``key_art v1`` (``synopsis/en v1`` for copy in a locale)."""
    a = version.asset
    place = a.kind if a.locale in ("und", "") else f"{a.kind}/{a.locale}"
    return f"{place} v{version.number}"


def _screening_of(session: Session, version: AssetVersion) -> Screening | None:
    item = latest_item(session, version.id)
    if item is not None and item.screening_id is not None:
        row = session.get(Screening, item.screening_id)
        if row is not None:
            return row
    return latest_screenings(session, [version.id]).get(version.id)


def screening_summary(screening: Screening) -> dict[str, Any]:
    """Decision, policy, rules fired (with outcomes) and label counts of a screening."""
    counts = Counter(str(f.get("label", "")) for f in screening.findings)
    rules = [{"rule": str(r.get("rule")), "outcome": str(r.get("outcome"))}
             for r in screening.trace if r.get("rule")]
    acting_labels = {str(f.get("label")) for r in screening.trace
                     if r.get("outcome") in ACTING for f in r.get("findings", [])
                     if f.get("source", "this") == "this"}
    if not acting_labels:  # nothing acted: the risk labels it had anyway
        acting_labels = {label for label in counts if label not in INFORMATIONAL
                         and label.split(".")[0] in ("minor", "suggestive", "exposure", "match")}
    despite = {label: counts[label] for label in sorted(acting_labels) if counts[label]}
    return {"id": screening.id, "decision": screening.decision, "policy": screening.policy,
            "rules": rules, "labels": dict(sorted(counts.items())), "flagged": despite,
            "context": dict(screening.context)}


def _review_summary(session: Session, version: AssetVersion) -> dict[str, Any] | None:
    item = latest_item(session, version.id)
    if item is None:
        return None
    rows = session.execute(
        select(Review, User.username).join(User, User.id == Review.reviewer_id)
        .where(Review.item_id == item.id).order_by(Review.id)).all()
    reviews: list[dict[str, Any]] = [{"reviewer": name, "outcome": r.outcome, "reason": r.reason,
                "at": as_utc(r.created_at).isoformat(), "final": r.final} for r, name in rows]
    # the reviews of the final round: the last one and, on a two-person item, the one before
    final = [r for r in reviews if r["final"]]
    approvers: list[str] = []
    if final and final[-1]["outcome"] == "approve":
        last = reviews.index(final[-1])
        approvers = [str(final[-1]["reviewer"])]
        if item.needs_two and last > 0 and reviews[last - 1]["outcome"] == "approve":
            approvers.insert(0, str(reviews[last - 1]["reviewer"]))
    return {"item_id": item.id, "round": item.round, "state": item.state,
            "screening_decision": item.screening_decision,
            "decided_at": as_utc(item.decided_at).isoformat() if item.decided_at else None,
            "approved_by": approvers,
            "is_override": bool(approvers) and item.screening_decision == "block",
            "reviews": reviews}


def _publication(session: Session, version: AssetVersion) -> dict[str, Any] | None:
    pub = session.scalar(select(Publication).where(Publication.version_id == version.id)
                         .order_by(Publication.live_from.desc()).limit(1))
    if pub is None:
        return None
    return {"live_from": as_utc(pub.live_from).isoformat(), "published_by": pub.published_by,
            "live_until": as_utc(pub.live_until).isoformat() if pub.live_until else None,
            "end_reason": pub.end_reason}


def clearance_sentence(screening: dict[str, Any] | None, review: dict[str, Any] | None,
                       publication: dict[str, Any] | None) -> str:
    """How the version got out, in one sentence."""
    flagged = ", ".join(f"{label} ×{n}" for label, n in (screening or {}).get("flagged",
                                                                            {}).items())
    decision = (screening or {}).get("decision")
    if review is not None and review["approved_by"]:
        who = " and ".join(review["approved_by"])
        day = (review["decided_at"] or "")[:10]
        text = f"approved by {who} on {day}"
        if review["is_override"]:
            text += " (an override of the screening's block)"
        return text + (f" despite {flagged}" if flagged else "")
    if review is not None and review["state"] == "passed":
        return f"passed screening ({decision}) and was never queued" + (
            f", with {flagged}" if flagged else "")
    if review is not None:
        return f"in review ({review['state']}) after a screening {decision}"
    if screening is not None:
        published = f", published by {publication['published_by']}" if publication else ""
        return f"never reviewed: screening said {decision}{published}" + (
            f" with {flagged}" if flagged else "")
    return "never screened"


def version_record(session: Session, version: AssetVersion) -> dict[str, Any]:
    """Everything the incident keeps about ``version`` (see the module docstring)."""
    screening = _screening_of(session, version)
    summary = screening_summary(screening) if screening is not None else None
    review = _review_summary(session, version)
    publication = _publication(session, version)
    asset = version.asset
    return {"version_id": version.id, "ref": version_ref(version),
            "label": short_ref(version), "title_id": asset.title_id, "asset_id": asset.id,
            "kind": asset.kind, "locale": asset.locale, "channel": asset.channel,
            "number": version.number, "content_type": version.content_type,
            "sha256": version.content_sha256, "publication": publication,
            "screening": summary, "review": review,
            "cleared": clearance_sentence(summary, review, publication),
            "withdrawn": was_withdrawn(session, version.id) is not None}
