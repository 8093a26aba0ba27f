"""Reading a policy file and reporting *every* problem in it at once, as ``file:line: message``.

The YAML is parsed with ruamel (which keeps line numbers), validated with pydantic, and each
pydantic error's location path is walked back to the line it came from. Checks pydantic cannot
make on one field alone (duplicate rule names, ``unless`` order) and the checks of labels,
attributes and values against what the detectors declare (:mod:`clearance.policy.checks`) are
added to the same list.

A policy file is outside input too, and is held to the catalog reader's limits: it is read with
a size limit (:data:`MAX_POLICY_BYTES`, never from a device or FIFO:
:func:`~clearance.content.reading.read_limited`); characters YAML refuses (a NUL, a BOM followed
by control bytes) are located problems; nesting the parser cannot follow, or deeper than
:data:`~clearance.content.documents.MAX_NESTING` levels, and aliases that expand past the file's
size are refused before validation (:func:`~clearance.content.documents.structure_problem`);
and only plain-data tags are read (``!!python/...``, ``!!binary`` and custom tags are refused
with their line). Each is a :class:`PolicyError` (exit 4), never exit 70.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from clearance.content.documents import structure_problem
from clearance.content.reading import read_limited
from clearance.detectors.vocabulary import Vocabulary, builtin_vocabulary
from clearance.errors import ContentError, PolicyError, Problem
from clearance.policy.checks import check_conditions, check_two_person
from clearance.policy.model import Policy

DEFAULT_POLICY_NAME = "default.yaml"
#: The largest policy file read (the default policy is about 20 kB).
MAX_POLICY_BYTES: Final = 1_000_000

#: The only YAML tags a policy may carry (explicitly or implicitly): plain data.
_PLAIN_TAGS: Final = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "seq", "map", "merge")
)


class _PlainConstructor(RoundTripConstructor):
    """Round-trip YAML (line numbers kept) that refuses every tag but plain data's: the
    round-trip loader would otherwise keep ``!!python/object/apply:...`` or a custom tag's value
    as if it were data."""

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        tag = str(getattr(node.tag, "value", node.tag))
        if tag not in _PLAIN_TAGS:
            raise ConstructorError(
                None, None, f"the tag {tag!r} is not allowed (a policy is plain data)",
                node.start_mark)
        return super().construct_object(node, deep)

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
    data = _parse_yaml(text, source)
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
    words = vocabulary or builtin_vocabulary()
    problems.extend(check_conditions(data, source, words))
    problems.extend(check_two_person(data, source, words))
    if problems or policy is None:
        problems.sort(key=lambda p: p.line or 0)
        n = len(problems)
        raise PolicyError(f"{source}: invalid policy ({n} problem{'s' if n != 1 else ''})",
                          problems=problems)
    return policy


def _unusable(source: str, message: str, line: int | None, hint: str | None = None
              ) -> PolicyError:
    return PolicyError(f"{source}: not valid YAML",
                       problems=[Problem(message, source, line, hint=hint)])


def _parse_yaml(text: str, source: str) -> Any:
    """The YAML document of ``text``, plain data only and of a reasonable shape, or a located
    :class:`PolicyError`."""
    yaml = YAML(typ="rt")
    yaml.Constructor = _PlainConstructor
    try:
        data = yaml.load(text)
    except RecursionError:
        raise _unusable(source, "it is nested too deeply to read", 1,
                        "a policy is a few levels deep") from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = " ".join(f"{exc.context or ''} {exc.problem or ''}".split()) or str(exc)
        raise _unusable(source, message, line, "check indentation and quoting") from None
    except YAMLError as exc:  # a character YAML does not allow (a NUL, control bytes)
        position = getattr(exc, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
        reason = " ".join(str(getattr(exc, "reason", None) or exc).split())
        character = getattr(exc, "character", None)
        if isinstance(character, str) and len(character) == 1:
            character = ord(character)
        if isinstance(character, int):
            reason = f"character U+{character:04X}: {reason}"
        raise _unusable(source, reason, line, "save the policy as plain UTF-8 text") from None
    problem = structure_problem(data, source_chars=len(text))
    if problem is not None:
        raise PolicyError(f"{source}: invalid policy: {problem}",
                          problems=[Problem(problem, source, 1,
                                            hint="a policy is a few levels deep")])
    return data


def load_policy(path: Path | str | None = None, vocabulary: Vocabulary | None = None) -> Policy:
    """Load a policy file, or the built-in default policy when ``path`` is None."""
    if path is None:
        ref = resources.files("clearance.policy").joinpath(DEFAULT_POLICY_NAME)
        return parse_policy_text(ref.read_text(encoding="utf-8"),
                                 f"<builtin>/{DEFAULT_POLICY_NAME}", vocabulary)
    p = Path(path)
    try:
        raw = read_limited(p, MAX_POLICY_BYTES)
    except ContentError as exc:
        raise PolicyError(f"cannot read policy file {exc.message}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PolicyError(f"{p}: not UTF-8",
                          problems=[Problem(f"invalid UTF-8 byte at offset {exc.start}",
                                            str(p), line, hint="save the file as UTF-8")]
                          ) from None
    return parse_policy_text(text, str(p), vocabulary)
