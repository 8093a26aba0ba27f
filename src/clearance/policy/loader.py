"""Reading a policy file and reporting *every* problem in it at once, as ``file:line: message``.

The YAML is parsed with ruamel (which keeps line numbers), validated with pydantic, and each
pydantic error's location path is walked back to the line it came from. Checks pydantic cannot
make on one field alone (duplicate rule names, ``unless`` order) and the checks of labels,
attributes and values against what the detectors declare (:mod:`clearance.policy.checks`) are
added to the same list.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError

from clearance.detectors.vocabulary import Vocabulary, builtin_vocabulary
from clearance.errors import PolicyError, Problem
from clearance.policy.checks import check_conditions
from clearance.policy.model import Policy

DEFAULT_POLICY_NAME = "default.yaml"

_HINTS = {
    "extra_forbidden": "remove it, or check its spelling against docs/policy.md",
    "missing": "this field is required",
    "literal_error": None,
    "string_pattern_mismatch": "use lower-case letters, digits, '.', '_' and '-'",
}


def _line_of(node: Any, loc: tuple[int | str, ...]) -> int | None:
    """The 1-based line of the deepest node on ``loc`` that exists in the YAML tree."""
    line: int | None = getattr(getattr(node, "lc", None), "line", None)
    line = line + 1 if line is not None else None
    for part in loc:
        lc = getattr(node, "lc", None)
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            if lc is not None:
                line = lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            if lc is not None:
                line = lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line


def _field_of(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_policy_text(text: str, source: str, vocabulary: Vocabulary | None = None) -> Policy:
    """Validate policy YAML; raises :class:`PolicyError` listing every problem. Labels and
    ``where`` filters are checked against ``vocabulary`` (default: every built-in detector and
    vendor importer)."""
    yaml = YAML(typ="rt")
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise PolicyError(
            f"{source}: not valid YAML",
            problems=[Problem(str(exc.problem), source, line, hint="check indentation and "
                              "quoting")],
        ) from None
    if not isinstance(data, dict):
        raise PolicyError(
            f"{source}: invalid policy",
            problems=[Problem("a policy is a mapping with 'policy', 'version' and 'rules'",
                              source, 1)],
        )
    problems: list[Problem] = []
    policy: Policy | None = None
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(Problem(msg, source, _line_of(data, loc), field=_field_of(loc),
                                    hint=_HINTS.get(err["type"])))
    rules = data.get("rules")
    if isinstance(rules, list):
        seen: dict[str, int] = {}
        for i, rule in enumerate(rules):
            name = rule.get("name") if isinstance(rule, dict) else None
            if isinstance(name, str):
                if name in seen:
                    problems.append(Problem(
                        f"rule name {name!r} is used twice", source,
                        _line_of(data, ("rules", i, "name")), field=f"rules[{i}].name",
                        hint=f"first used on line {seen[name]}; rule names must be unique"))
                else:
                    seen[name] = _line_of(data, ("rules", i, "name")) or 0
            unless = rule.get("unless") if isinstance(rule, dict) else None
            for j, other in enumerate(unless if isinstance(unless, list) else []):
                if isinstance(other, str) and (other not in seen or other == name):
                    problems.append(Problem(
                        f"'unless' names {other!r}, which is not an earlier rule", source,
                        _line_of(data, ("rules", i, "unless", j)), field=f"rules[{i}].unless[{j}]",
                        hint="list rules defined above this one"))
    problems.extend(check_conditions(data, source, vocabulary or builtin_vocabulary()))
    if problems or policy is None:
        problems.sort(key=lambda p: p.line or 0)
        n = len(problems)
        raise PolicyError(f"{source}: invalid policy ({n} problem{'s' if n != 1 else ''})",
                          problems=problems)
    return policy


def load_policy(path: Path | str | None = None, vocabulary: Vocabulary | None = None) -> Policy:
    """Load a policy file, or the built-in default policy when ``path`` is None."""
    if path is None:
        ref = resources.files("clearance.policy").joinpath(DEFAULT_POLICY_NAME)
        return parse_policy_text(ref.read_text(encoding="utf-8"),
                                 f"<builtin>/{DEFAULT_POLICY_NAME}", vocabulary)
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise PolicyError(f"cannot read policy file {p}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PolicyError(f"{p}: not UTF-8",
                          problems=[Problem(f"invalid UTF-8 byte at offset {exc.start}",
                                            str(p), line, hint="save the file as UTF-8")]
                          ) from None
    return parse_policy_text(text, str(p), vocabulary)
