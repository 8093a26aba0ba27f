"""Learning from an incident: what screening saw on the versions that caused it, what it did
with that, and a draft policy change tried against the whole catalog before anyone adopts it.

For each version live at the onset (the causes), from the screening it was cleared on:

* the rules that **fired**, split into those that acted (review, block) and those that only
  recorded (pass), and the rules of the live policy that **did not fire** although the version
  had some of the labels they ask for (with the labels they lacked);
* the **verdict**: ``missed`` (the policy passed it), ``overridden`` (the policy sent it to
  review or block and people approved it: "approved by jo and sam on 2020-08-18 despite
  minor.known ×4"), ``flagged`` (in review or refused: it should not have been live).

The **draft**: the live policy with every recording rule (outcome ``pass``) that fired on a
cause raised to ``review``; for a cause the policy passed with no rule firing, a new rule that
sends its combination of risk labels to review. Its version is the live one's with
``+incident.<id>``; its YAML is shown, checked as a policy file is. It is then decided on the
causes' stored findings (would it have stopped them?) and run as the what-if
(:func:`clearance.screening.whatif.whatif`: every live version of the catalog, stored findings,
no model) to count the **other** items it would change, with examples — the cost of adopting
it. Nothing is adopted here.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any, Final

from ruamel.yaml import YAML
from sqlalchemy.orm import Session

from clearance.incidents.records import linked_versions
from clearance.policy.engine import evaluate
from clearance.policy.loader import parse_policy_text
from clearance.policy.model import OUTCOME_RANK, Condition, Policy, Rule
from clearance.quarantine.holds import is_held
from clearance.screening.records import findings_of, latest_screening
from clearance.screening.whatif import whatif
from clearance.storage.incident_models import Incident
from clearance.storage.screening_models import Screening

EXAMPLES: Final = 5
#: Label families a new rule may be built from (what a backlash is about, not where it came
#: from).
RISK_PREFIXES: Final = ("minor.", "suggestive.", "exposure.", "rating.")


def _labels(condition: Condition) -> Iterator[str]:
    if condition.finding is not None:
        yield condition.finding
    for child in [*(condition.all_of or []), *(condition.any_of or [])]:
        yield from _labels(child)  # (a label under "not" is not one the rule asks for)


def _has(labels: set[str], wanted: str) -> bool:
    if wanted.endswith("*"):
        return any(label.startswith(wanted[:-1]) for label in labels)
    return wanted in labels


def _rule_study(policy: Policy, labels: set[str], fired: dict[str, str]) -> dict[str, Any]:
    acted = [{"rule": r, "outcome": o} for r, o in fired.items() if o in ("review", "block")]
    recorded = [{"rule": r, "outcome": o} for r, o in fired.items() if o == "pass"]
    missed = []
    for rule in policy.rules:
        if rule.name in fired or set(rule.unless) & set(fired):
            continue  # fired, or silenced by a rule that fired (its "unless")
        wanted = sorted(set(_labels(rule.when)))
        present = [w for w in wanted if _has(labels, w)]
        if present:
            lacked = [w for w in wanted if w not in present]
            missed.append({"rule": rule.name, "outcome": rule.outcome,
                           "description": rule.description, "had": present,
                           "lacked": lacked,
                           "why": f"no {', '.join(lacked)}" if lacked else
                           "its scores, attributes or nearness did not hold"})
    return {"acted": acted, "recorded": recorded, "did_not_fire": missed}


def _verdict(record: dict[str, Any]) -> str:
    screening = record.get("screening") or {}
    review = record.get("review") or {}
    if screening.get("decision") in (None, "pass"):
        return "missed"
    if review.get("approved_by"):
        return "overridden"
    return "flagged"


def _draft(live: Policy, incident_id: int, causes: list[dict[str, Any]]
           ) -> tuple[Policy | None, list[dict[str, Any]]]:
    raise_names: dict[str, list[str]] = {}
    new_rules: list[Rule] = []
    changes: list[dict[str, Any]] = []
    for cause in causes:
        for r in cause["rules"]["recorded"]:
            raise_names.setdefault(r["rule"], []).append(cause["label"])
        if cause["verdict"] == "missed" and not cause["rules"]["recorded"]:
            risk = sorted(label for label in cause["labels"]
                          if label.startswith(RISK_PREFIXES))
            if len(risk) >= 1:
                name = f"incident-{incident_id}-{len(new_rules) + 1}"
                when = Condition.model_validate(
                    {"all": [{"finding": label} for label in risk]} if len(risk) > 1
                    else {"finding": risk[0]})
                new_rules.append(Rule(name=name, outcome="review", when=when,
                                      description=f"the combination that caused incident "
                                                  f"{incident_id} ({', '.join(risk)})"))
                changes.append({"rule": name, "change": "added", "outcome": "review",
                                "labels": risk, "because": [cause["label"]]})
    rules = []
    for rule in live.rules:
        if rule.name in raise_names and OUTCOME_RANK[rule.outcome] < OUTCOME_RANK["review"]:
            rules.append(rule.model_copy(update={"outcome": "review"}))
            changes.append({"rule": rule.name, "change": "outcome", "from": rule.outcome,
                            "to": "review", "because": sorted(set(raise_names[rule.name]))})
        else:
            rules.append(rule)
    if not changes:
        return None, []
    draft = live.model_copy(update={"rules": [*rules, *new_rules],
                                    "version": f"{live.version}+incident.{incident_id}"})
    return draft, changes


def policy_yaml(policy: Policy) -> str:
    """The policy as YAML (defaults left out), the way ``clearance policy check`` reads it."""
    data = policy.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    out = io.StringIO()
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 100
    yaml.dump(data, out)
    return out.getvalue()


def learn(session: Session, incident: Incident, live: Policy, *,
          examples: int = EXAMPLES) -> dict[str, Any]:
    """The findings and rules behind the causes, and a draft tried with the what-if (see the
    module docstring)."""
    linked = linked_versions(session, incident.id, role="live") or linked_versions(
        session, incident.id)
    causes: list[dict[str, Any]] = []
    stored: dict[int, Screening] = {}
    for row in linked:
        if is_held(session, row.version_id):
            continue  # quarantined: its findings are for the legal role alone
        record = dict(row.record)
        screening = record.get("screening")
        if screening is None:
            causes.append({"version_id": row.version_id, "label": record.get("label"),
                           "ref": record.get("ref"), "verdict": "missed",
                           "decision": None, "labels": {}, "cleared": record.get("cleared"),
                           "rules": {"acted": [], "recorded": [], "did_not_fire": []}})
            continue
        found = session.get(Screening, int(screening["id"]))
        if found is not None:
            stored[row.version_id] = found
        fired = {str(r["rule"]): str(r["outcome"]) for r in screening.get("rules", [])}
        labels = dict(screening.get("labels", {}))
        causes.append({"version_id": row.version_id, "label": record.get("label"),
                       "ref": record.get("ref"), "verdict": _verdict(record),
                       "decision": screening.get("decision"), "policy": screening.get("policy"),
                       "labels": labels, "flagged": screening.get("flagged", {}),
                       "cleared": record.get("cleared"),
                       "rules": _rule_study(live, set(labels), fired)})
    draft, changes = _draft(live, incident.id, causes)
    out: dict[str, Any] = {"incident_id": incident.id, "policy": live.ref, "causes": causes,
                           "draft": None, "summary": _summary(causes, changes)}
    if draft is None:
        return out
    text = policy_yaml(draft)
    draft = parse_policy_text(text, f"draft for incident {incident.id}")  # checked as a file
    on_causes = []
    for vid, screening in stored.items():
        context = {ref: findings_of(s) for ref, other in screening.context.items()
                   if (s := latest_screening(session, other)) is not None}
        before = evaluate(findings_of(screening), live, context).outcome
        after = evaluate(findings_of(screening), draft, context).outcome
        label = next(c["label"] for c in causes if c["version_id"] == vid)
        on_causes.append({"version_id": vid, "label": label, "live": before, "draft": after})
    report = whatif(session, live, draft)
    cause_ids = {c["version_id"] for c in causes}
    others = [c for c in report.changed if c.version_id not in cause_ids]
    out["draft"] = {
        "policy": draft.ref, "changes": changes, "yaml": text, "on_causes": on_causes,
        "whatif": {"evaluated": report.evaluated, "unscreened": report.unscreened,
                   "changed_others": len(others),
                   "moves": [{"from": a, "to": b, "items": n}
                             for (a, b), n in sorted(report.moves.items())],
                   "examples": [c.to_dict() for c in others[:examples]],
                   "seconds": round(report.seconds, 3)}}
    return out


def _summary(causes: list[dict[str, Any]], changes: list[dict[str, Any]]) -> str:
    parts = []
    for c in causes:
        acted = ", ".join(r["rule"] for r in c["rules"]["acted"]) or "no rule"
        if c["verdict"] == "missed":
            parts.append(f"{c['label']}: the policy passed it ({acted} acted)")
        elif c["verdict"] == "overridden":
            parts.append(f"{c['label']}: the policy said {c['decision']} ({acted}); "
                         f"{c['cleared']}")
        else:
            parts.append(f"{c['label']}: the policy said {c['decision']} ({acted}) and it was "
                         "not cleared")
    if changes:
        parts.append("draft: " + "; ".join(
            f"{ch['rule']} {ch['from']} → {ch['to']}" if ch["change"] == "outcome"
            else f"new rule {ch['rule']} → review" for ch in changes))
    else:
        parts.append("no policy change drafted: every cause fired an acting rule and no "
                     "recording rule")
    return ". ".join(parts)
