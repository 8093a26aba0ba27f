"""The policy language: a versioned YAML document validated by pydantic.

A :class:`Policy` is a list of :class:`Rule`. A rule has a ``name``, a ``description`` a person can
read, an ``outcome`` (pass / review / block), an optional ``unless`` (names of earlier rules that,
when they fire, silence this one), an optional ``near`` (how close the text findings
that satisfy it must be: ``same_sentence``, ``adjacent_sentence`` or ``anywhere``) and a ``when``
condition. A condition is exactly one of::

    {finding: LABEL, min_score, max_score, where: {ATTR: [values] | {min, max}}, scope}
    {all: [conditions]}   {any: [conditions]}   {not: condition}

``scope: asset`` (default) looks at the screened asset's findings; ``scope: title`` at the findings
of every asset of the same title (this one included); ``scope: other_assets`` at the title's other
assets only. The full reference is ``docs/policy.md``.

``two_person`` (a :class:`TwoPerson`) says which queued decisions need two people (a reviewer,
then a senior): those a review or block rule made because of a finding with one of its
``labels`` (default ``minor.*``), or because one of its ``rules`` fired. A minor merely mentioned
in copy that passes, or that is queued for another reason, needs one person.

The model checks the document's shape. Whether its labels, attributes and values are ones
findings actually carry is checked against the detectors' declarations by
:mod:`clearance.policy.checks`, which :func:`~clearance.policy.loader.parse_policy_text` runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Outcome = Literal["pass", "review", "block"]
Near = Literal["same_sentence", "adjacent_sentence", "anywhere"]
Scope = Literal["asset", "title", "other_assets"]
OUTCOME_RANK: dict[str, int] = {"pass": 0, "review": 1, "block": 2}
NEAR_DISTANCE: dict[str, int | None] = {"same_sentence": 0, "adjacent_sentence": 1,
                                         "anywhere": None}


class AttrRange(BaseModel):
    """A numeric range for an attribute: ``{min: 1, max: 15}`` (either end optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    min: float | None = None
    max: float | None = None


AttrValues = list[str | int | float | bool] | AttrRange


class Condition(BaseModel):
    """One node of a rule's ``when`` tree (exactly one of finding / all / any / not)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    finding: str | None = None
    min_score: float = Field(default=0.0, ge=0.0, le=1.0)
    max_score: float = Field(default=1.0, ge=0.0, le=1.0)
    where: dict[str, AttrValues] = Field(default_factory=dict)
    scope: Scope = "asset"
    all_of: list[Condition] | None = Field(default=None, alias="all")
    any_of: list[Condition] | None = Field(default=None, alias="any")
    not_: Condition | None = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _exactly_one(self) -> Condition:
        kinds = [k for k, v in (("finding", self.finding), ("all", self.all_of),
                                ("any", self.any_of), ("not", self.not_)) if v is not None]
        if len(kinds) != 1:
            got = ", ".join(kinds) if kinds else "none of them"
            raise ValueError(
                f"a condition needs exactly one of finding, all, any, not (got {got})"
            )
        for key, seq in (("all", self.all_of), ("any", self.any_of)):
            if seq is not None and not seq:
                raise ValueError(f"'{key}' needs at least one condition")
        if self.finding is None and (self.where or self.min_score or self.max_score != 1.0
                                     or self.scope != "asset"):
            raise ValueError("min_score, max_score, where and scope belong on a 'finding' "
                             "condition")
        if self.min_score > self.max_score:
            raise ValueError(f"min_score {self.min_score} is above max_score {self.max_score}")
        return self


class Rule(BaseModel):
    """A named rule: when its condition holds, the decision is at least ``outcome``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=80)
    description: str = Field(min_length=1)
    outcome: Outcome
    near: Near = "anywhere"
    unless: list[str] = Field(default_factory=list)
    when: Condition


#: The label patterns whose findings, when a review or block rule fired on them, need two people
#: unless a policy says otherwise: what the policy queues *because of* a minor.
TWO_PERSON_LABELS: tuple[str, ...] = ("minor.*",)


def label_matches(pattern: str, label: str) -> bool:
    """``minor.*`` matches every label starting ``minor.``; any other pattern only itself."""
    return label.startswith(pattern[:-1]) if pattern.endswith("*") else label == pattern


class TwoPerson(BaseModel):
    """Which queued decisions need two people: a fired review or block rule named in ``rules``,
    or one that fired on a finding whose label matches one of ``labels``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=lambda: list(TWO_PERSON_LABELS))

    def applies(self, rule: str, outcome: Outcome, labels: Iterable[str]) -> bool:
        """Whether a rule that fired with ``outcome`` on findings with ``labels`` needs two
        people (a passing rule never does: nothing is queued for it)."""
        if OUTCOME_RANK[outcome] == 0:
            return False
        if rule in self.rules:
            return True
        return any(label_matches(p, label) for label in labels for p in self.labels)


class Policy(BaseModel):
    """A versioned policy document."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: str = Field(min_length=1)
    version: str = Field(min_length=1)
    description: str = ""
    rules: list[Rule] = Field(min_length=1)
    two_person: TwoPerson = Field(default_factory=TwoPerson)

    @field_validator("version", mode="before")
    @classmethod
    def _version_str(cls, v: object) -> object:
        return str(v) if isinstance(v, int | float) else v

    @property
    def ref(self) -> str:
        return f"{self.policy}@{self.version}"
