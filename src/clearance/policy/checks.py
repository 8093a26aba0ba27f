"""Checking a policy's conditions against what findings can say.

Pydantic checks the shape of a policy; this checks its words, against the
:class:`~clearance.detectors.vocabulary.Vocabulary` the detectors and vendor importers declare:

* every ``finding:`` label is a label (``prefix*`` matches at least one);
* every ``where`` attribute is one that some finding of those labels carries;
* every listed value has the attribute's type (``age: ["11"]`` is the string "11", which never
  equals the number 11) and, for attributes with a closed set of values, is one of them;
* a ``{min, max}`` range is only used on a number;
* ``two_person`` names rules of this policy that queue something (review or block) and labels
  (or ``prefix*`` patterns) that findings carry.

In a child-safety policy a rule that silently never fires is the worst failure there is, and
each of these mistakes makes one. The checks walk the YAML tree as written (not the validated
model), so they run, and report, even when pydantic has refused something else in the file:
every problem comes back at once, each with its line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from clearance.detectors.vocabulary import Vocabulary
from clearance.errors import Problem
from clearance.findings import Attr

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True, slots=True)
class _Where:
    """Line lookup for one node of the YAML tree."""

    node: Any
    path: str

    def line_of_key(self, key: str) -> int | None:
        lc = getattr(self.node, "lc", None)
        return lc.key(key)[0] + 1 if lc is not None else None

    def line_of_item(self, index: int) -> int | None:
        lc = getattr(self.node, "lc", None)
        return lc.item(index)[0] + 1 if lc is not None else None

    def line_of_value(self, key: str) -> int | None:
        lc = getattr(self.node, "lc", None)
        return lc.value(key)[0] + 1 if lc is not None else None


def _close(word: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(word, choices, n=1)
    return close[0] if close else None


def _show(value: object) -> str:
    """A YAML value as a person wrote it: ``the string '11'``, ``the number 18``, ``true``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if value is None:
        return "null"
    return f"the string {str(value)!r}"


def _conditions(node: Any, path: str) -> Iterator[tuple[Mapping[str, Any], str]]:
    """Every condition mapping under ``node`` (a rule's ``when``), with its field path."""
    if not isinstance(node, Mapping):
        return
    yield node, path
    for key in ("all", "any"):
        children = node.get(key)
        if isinstance(children, list):
            for i, child in enumerate(children):
                yield from _conditions(child, f"{path}.{key}[{i}]")
    yield from _conditions(node.get("not"), f"{path}.not")


def check_conditions(data: Any, source: str, vocabulary: Vocabulary) -> list[Problem]:
    """The problems of every rule's conditions (``data``: the policy as parsed by ruamel)."""
    rules = data.get("rules") if isinstance(data, Mapping) else None
    problems: list[Problem] = []
    if not isinstance(rules, list):
        return problems
    for i, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            continue
        for cond, path in _conditions(rule.get("when"), f"rules[{i}].when"):
            problems.extend(_check_condition(cond, path, source, vocabulary))
    return problems


def _check_condition(cond: Mapping[str, Any], path: str, source: str,
                     vocabulary: Vocabulary) -> list[Problem]:
    label = cond.get("finding")
    if not isinstance(label, str):
        return []
    here = _Where(cond, path)
    labels = vocabulary.matching(label)
    if not labels:
        if label.endswith("*"):
            message = f"finding label pattern {label!r} matches no label"
            hint = "see docs/labels.md"
        else:
            close = _close(label, vocabulary.labels)
            message = f"unknown finding label {label!r}"
            hint = f"did you mean {close!r}?" if close else "see docs/labels.md"
        return [Problem(message, source, here.line_of_value("finding"), field=f"{path}.finding",
                        hint=hint)]
    where = cond.get("where")
    if not isinstance(where, Mapping):
        return []
    declared = vocabulary.attributes_of(labels)
    problems: list[Problem] = []
    filters = _Where(where, f"{path}.where")
    for key, allowed in where.items():
        if not isinstance(key, str):
            continue
        attr = declared.get(key)
        if attr is None:
            problems.append(_unknown_attribute(key, label, labels, declared, vocabulary, source,
                                               filters.line_of_key(key)))
        elif isinstance(allowed, list):
            values = _Where(allowed, f"{filters.path}.{key}")
            for j, value in enumerate(allowed):
                problem = _check_value(key, label, attr, value)
                if problem is not None:
                    message, value_hint = problem
                    problems.append(Problem(message, source, values.line_of_item(j),
                                            hint=value_hint))
        elif isinstance(allowed, Mapping):
            problems.extend(_check_range(key, label, attr, allowed, source,
                                         filters.line_of_key(key)))
    return problems


def _unknown_attribute(key: str, label: str, labels: list[str], declared: Mapping[str, Attr],
                       vocabulary: Vocabulary, source: str, line: int | None) -> Problem:
    message = f"unknown attribute {key!r} for {label}"
    close = _close(key, sorted(declared))
    hint: str
    if close is not None:
        hint = f"did you mean {close!r}?"
    elif declared:
        hint = f"{label} has {', '.join(sorted(declared))}"
    elif not any(vocabulary.emitters[lbl] for lbl in labels):
        hint = f"no detector emits {label} yet, so it has no attributes to filter on"
    else:
        hint = f"{label} has no attributes"
    return Problem(message, source, line, hint=hint)


def _check_value(key: str, label: str, attr: Attr, value: object) -> tuple[str, str | None] | None:
    """``(message, hint)`` when ``value`` cannot be one of the attribute's values."""
    what = f"{key!r} of {label} is {attr.kind()}"
    if attr.is_number:
        if isinstance(value, str) and _NUMBER.match(value.strip()):
            return f"{what}, got {_show(value)}", f"write {value.strip()} without quotes"
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{what}, got {_show(value)}", None
        if attr.type is int and isinstance(value, float) and not value.is_integer():
            return f"{key!r} of {label} is a whole number, got {value}", None
        return None
    if attr.type is bool:
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return f"{what}, got {_show(value)}", \
                f"write {value.strip().lower()} without quotes"
        if not isinstance(value, bool):
            return f"{what}, got {_show(value)}", None
        return None
    if not isinstance(value, str):
        shown = "true" if value is True else "false" if value is False else str(value)
        return f"{what}, got {_show(value)}", f"write '{shown}' in quotes"
    if attr.values and value not in attr.values:
        close = _close(value, sorted(attr.values))
        hint = f"did you mean {close!r}?" if close else \
            f"one of {', '.join(sorted(attr.values))}"
        return f"unknown value {value!r} for {key!r} of {label}", hint
    return None


def _check_range(key: str, label: str, attr: Attr, bounds: Mapping[str, Any], source: str,
                 line: int | None) -> list[Problem]:
    if not attr.is_number:
        example = ", ".join(sorted(attr.values)[:2]) if attr.values else "..."
        return [Problem(f"{key!r} of {label} is {attr.kind()}: a {{min, max}} range needs a "
                        "number", source, line, hint=f"list the values instead: [{example}]")]
    problems = []
    for end in ("min", "max"):
        value = bounds.get(end)
        if isinstance(value, str) and _NUMBER.match(value.strip()):
            problems.append(Problem(f"{key!r} of {label} is a number, got {_show(value)} as its "
                                    f"{end}", source, _Where(bounds, "").line_of_value(end),
                                    hint=f"write {value.strip()} without quotes"))
    return problems


def check_two_person(data: Any, source: str, vocabulary: Vocabulary) -> list[Problem]:
    """The problems of the policy's ``two_person`` setting: every rule it names is a review or
    block rule of this policy, every label a label (a ``prefix*`` pattern matches one)."""
    setting = data.get("two_person") if isinstance(data, Mapping) else None
    if not isinstance(setting, Mapping):
        return []
    rules = data.get("rules")
    outcomes = {r.get("name"): r.get("outcome") for r in rules if isinstance(r, Mapping)} \
        if isinstance(rules, list) else {}
    problems: list[Problem] = []
    names, labels = setting.get("rules"), setting.get("labels")
    for j, name in enumerate(names if isinstance(names, list) else []):
        if not isinstance(name, str):
            continue
        line = _Where(names, "").line_of_item(j)
        where = f"two_person.rules[{j}]"
        if name not in outcomes:
            close = _close(name, [n for n in outcomes if isinstance(n, str)])
            problems.append(Problem(f"two_person names {name!r}, which is not a rule of this "
                                    "policy", source, line, field=where,
                                    hint=f"did you mean {close!r}?" if close else
                                    "list rule names from 'rules'"))
        elif outcomes[name] == "pass":
            problems.append(Problem(f"two_person names {name!r}, a pass rule: nothing it "
                                    "decides is queued", source, line, field=where,
                                    hint="name review or block rules"))
    for j, label in enumerate(labels if isinstance(labels, list) else []):
        if isinstance(label, str) and not vocabulary.matching(label):
            close = None if label.endswith("*") else _close(label, vocabulary.labels)
            problems.append(Problem(f"two_person label {label!r} matches no finding label",
                                    source, _Where(labels, "").line_of_item(j),
                                    field=f"two_person.labels[{j}]",
                                    hint=f"did you mean {close!r}?" if close else
                                    "see docs/labels.md"))
    return problems
