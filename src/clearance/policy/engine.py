"""The policy engine: a pure function from findings and a policy to a :class:`Decision`.

``evaluate(findings, policy, title_findings=...)`` walks every rule's condition tree and collects
*witnesses*: sets of findings that together satisfy the condition. A leaf yields one witness per
matching finding; ``all`` combines one witness from each child (keeping only combinations whose
text findings are ``near`` each other); ``any`` unions its children; ``not`` holds (with an empty
witness) when its child has none. A rule fires when it has a witness; the decision is the most
severe outcome among fired rules (``pass`` when none fires), and the trace keeps every fired rule
with the findings of its first witnesses, so a reviewer sees exactly why. A rule whose ``unless``
names a rule that already fired is skipped (rules are evaluated in file order).

A fired rule's reason names the findings of its first three witnesses, a poster's words as the
words read (``text.ocr "SUMMER"``, not the box), and says how many other findings also satisfy
it (``+2 more``). Each fired rule also says whether it needs two people (the policy's
``two_person``): the review queue's two-person rule reads it from the stored trace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from clearance.errors import InputError
from clearance.findings import Fact, Finding, TextSpan
from clearance.policy.model import (
    NEAR_DISTANCE,
    OUTCOME_RANK,
    TWO_PERSON_LABELS,
    AttrRange,
    Condition,
    Outcome,
    Policy,
    Rule,
    label_matches,
)

#: Where a finding came from: ``"this"`` for the screened asset, else the other asset's reference.
THIS_ASSET = "this"
_MAX_WITNESSES = 64


@dataclass(frozen=True, slots=True)
class Sourced:
    source: str
    finding: Finding


def needs_two_by_default(outcome: str, labels: Sequence[str]) -> bool:
    """The two-person rule of a fired rule recorded without one (a trace stored before policies
    said, or a decision made outside a policy): the default policy setting's answer."""
    return OUTCOME_RANK.get(outcome, 0) > 0 and any(
        label_matches(p, label) for label in labels for p in TWO_PERSON_LABELS)


@dataclass(frozen=True, slots=True)
class FiredRule:
    rule: str
    description: str
    outcome: Outcome
    findings: tuple[Sourced, ...]
    #: How many other findings also satisfied the rule (in witnesses past the first three).
    more: int = 0
    #: Whether the policy's ``two_person`` setting asks two people to decide it; ``None`` when
    #: no policy said (see :meth:`needs_two`).
    two_person: bool | None = None

    @property
    def needs_two(self) -> bool:
        """Whether this rule, having fired, needs two people."""
        if self.two_person is not None:
            return self.two_person
        return needs_two_by_default(self.outcome, [s.finding.label for s in self.findings])

    def reason(self) -> str:
        parts = []
        for s in self.findings:
            f = s.finding
            ev = f.evidence
            words = f.attr("text")
            if isinstance(ev, TextSpan):
                what = f'"{ev.text}"'
            elif isinstance(ev, Fact):
                what = f"{ev.name} {ev.value}"
            elif isinstance(words, str) and words.strip():
                what = f'"{words.strip()}"'  # a poster's words: cite them, not their box
            else:
                what = f"box {ev.x},{ev.y} {ev.width}×{ev.height}"
            age = f.attr("age")
            detail = f" (age {age})" if age is not None else ""
            cat = f.attr("category")
            detail += f" [{cat}]" if cat else ""
            word_list = f.attr("word_list")
            detail += f" (team word list {word_list})" if word_list else ""
            where = "" if s.source == THIS_ASSET else f" in {s.source}"
            parts.append(f"{f.label} {what}{detail}{where}")
        evidence = "; ".join(parts) if parts else "no finding"
        if self.more:
            evidence += f"; +{self.more} more"
        return f"{self.outcome.upper()} by rule '{self.rule}': {self.description} — {evidence}"


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    policy: str
    fired: tuple[FiredRule, ...] = field(default=())

    @property
    def reasons(self) -> list[str]:
        return [r.reason() for r in self.fired]

    @property
    def needs_two(self) -> bool:
        """Whether two people must decide it (any fired rule that needs two)."""
        return any(r.needs_two for r in self.fired)

    @property
    def rule_names(self) -> list[str]:
        """The names of the rules that fired, most severe first."""
        return [r.rule for r in self.fired]

    def to_dict(self, *, precise: bool = False) -> dict[str, Any]:
        """The decision with its trace: every fired rule and the findings that fired it
        (``precise`` as in :meth:`Finding.to_dict`)."""
        return {
            "decision": self.outcome,
            "policy": self.policy,
            "rules": [_rule_dict(r, precise) for r in self.fired],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        """The decision a :meth:`to_dict` mapping describes; :class:`InputError` when it is not
        one."""
        try:
            outcome = data["decision"]
            if outcome not in OUTCOME_RANK:
                raise InputError(f"unknown decision {outcome!r} (pass, review or block)")
            fired = []
            for rule in data.get("rules") or []:
                if rule["outcome"] not in OUTCOME_RANK:
                    raise InputError(f"rule {rule.get('rule')!r} has unknown outcome "
                                     f"{rule['outcome']!r}")
                findings = tuple(
                    Sourced(str(f.get("source", THIS_ASSET)), Finding.from_dict(f))
                    for f in rule.get("findings") or [])
                two = rule.get("two_person")
                fired.append(FiredRule(str(rule["rule"]), str(rule.get("description", "")),
                                       rule["outcome"], findings, more=int(rule.get("more") or 0),
                                       two_person=two if isinstance(two, bool) else None))
            return cls(outcome, str(data["policy"]), tuple(fired))
        except KeyError as exc:
            raise InputError(f"a decision needs {exc.args[0]!r}") from None
        except (TypeError, AttributeError) as exc:
            raise InputError(f"not a decision: {exc}") from None


def _rule_dict(r: FiredRule, precise: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rule": r.rule, "outcome": r.outcome, "description": r.description,
        "findings": [{"source": s.source, **s.finding.to_dict(precise=precise)}
                     for s in r.findings]}
    if r.more:
        out["more"] = r.more
    if r.two_person is not None:
        out["two_person"] = r.two_person
    return out


Witness = tuple[Sourced, ...]


def _attr_ok(f: Finding, where: Mapping[str, list[str | int | float | bool] | AttrRange]) -> bool:
    for key, allowed in where.items():
        value = f.attr(key)
        if isinstance(allowed, AttrRange):
            if isinstance(value, bool) or not isinstance(value, int | float):
                return False
            if allowed.min is not None and value < allowed.min:
                return False
            if allowed.max is not None and value > allowed.max:
                return False
        elif value not in allowed:
            return False
    return True


_label_ok = label_matches


def _is_near(w: Witness, distance: int | None) -> bool:
    if distance is None:
        return True
    located = [(s.source, s.finding.sentence) for s in w if s.finding.sentence is not None]
    for i, (src_a, a) in enumerate(located):
        for src_b, b in located[i + 1:]:
            if src_a == src_b and a is not None and b is not None and abs(a - b) > distance:
                return False
    return True


def _witnesses(c: Condition, pool: Mapping[str, Sequence[Sourced]],
               distance: int | None) -> list[Witness]:
    if c.finding is not None:
        candidates = pool[c.scope]
        leaves: list[Witness] = [
            (s,) for s in candidates
            if _label_ok(c.finding, s.finding.label)
            and c.min_score <= s.finding.score <= c.max_score
            and _attr_ok(s.finding, c.where)
        ]
        return leaves[:_MAX_WITNESSES]
    if c.all_of is not None:
        combos: list[Witness] = [()]
        for child in c.all_of:
            ws = _witnesses(child, pool, distance)
            if not ws:
                return []
            combos = [a + b for a, b in product(combos, ws) if _is_near(a + b, distance)]
            combos = combos[:_MAX_WITNESSES]
            if not combos:
                return []
        return combos
    if c.any_of is not None:
        out: list[Witness] = []
        for child in c.any_of:
            out.extend(_witnesses(child, pool, distance))
        return out[:_MAX_WITNESSES]
    if c.not_ is not None:
        return [] if _witnesses(c.not_, pool, distance) else [()]
    return []  # pragma: no cover - the model guarantees one kind


def fire(rule: Rule, pool: Mapping[str, Sequence[Sourced]],
         policy: Policy | None = None) -> FiredRule | None:
    """The rule fired, with the findings of its first three witnesses (and how many more
    findings satisfy it), or ``None``; ``policy`` says whether it needs two people."""
    ws = _witnesses(rule.when, pool, NEAR_DISTANCE[rule.near])
    if not ws:
        return None
    seen: list[Sourced] = []
    for w in ws[:3]:
        for s in w:
            if s not in seen:
                seen.append(s)
    rest = {s for w in ws[3:] for s in w if s not in seen}
    two = None if policy is None else policy.two_person.applies(
        rule.name, rule.outcome, [s.finding.label for s in seen])
    return FiredRule(rule.name, rule.description, rule.outcome, tuple(seen), more=len(rest),
                     two_person=two)


def evaluate(findings: Sequence[Finding], policy: Policy,
             title_findings: Mapping[str, Sequence[Finding]] | None = None) -> Decision:
    """Decide on one asset's findings; ``title_findings`` maps the title's other assets (by
    reference) to their findings, for rules with ``scope: title``."""
    mine = [Sourced(THIS_ASSET, f) for f in findings]
    others = [Sourced(ref, f) for ref, fs in (title_findings or {}).items() for f in fs]
    pool = {"asset": mine, "title": mine + others, "other_assets": others}
    fired: list[FiredRule] = []
    names: set[str] = set()
    for rule in policy.rules:
        if names.intersection(rule.unless):
            continue
        hit = fire(rule, pool, policy)
        if hit is not None:
            fired.append(hit)
            names.add(rule.name)
    outcome: Outcome = "pass"
    for r in fired:
        if OUTCOME_RANK[r.outcome] > OUTCOME_RANK[outcome]:
            outcome = r.outcome
    fired.sort(key=lambda r: -OUTCOME_RANK[r.outcome])
    return Decision(outcome, policy.ref, tuple(fired))
