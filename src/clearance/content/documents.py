"""Structured documents from outside (catalog YAML/JSON, vendor JSON): limits on their shape.

A parser returns whatever nesting the text spells. ``[[[[...]]]]`` a hundred thousand deep makes
Python's JSON and YAML parsers (and anything walking the result recursively: pydantic, our line
finder) hit the recursion limit, and YAML aliases can make a small file stand for billions of
nodes (``a: &a [x, x]``, ``b: &b [*a, *a]``, ...) or for a structure that contains itself. Those
used to end as exit 70, "internal error".

:func:`parse_json` turns the parser's ``RecursionError`` into a :class:`ContentError`, and
:func:`structure_problem` measures a parsed value without recursion -- its depth and how many
nodes it stands for with every alias expanded, shared parts measured once -- so a caller refuses
it with a located message before validating it. No real document comes near the limits: a
catalog file is about 7 levels deep.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Final

from clearance.errors import ContentError

#: Deepest nesting accepted (containers within containers).
MAX_NESTING: Final = 64
#: Most nodes a document may stand for beyond its own size (aliases expanded).
NODE_ALLOWANCE: Final = 100_000

_END: Final = object()


def _children(value: object) -> list[Any] | None:
    """The values inside a container (a mapping's keys too), or ``None`` for a scalar."""
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return None


def structure_problem(value: object, *, max_depth: int = MAX_NESTING,
                      max_nodes: int | None = None, source_chars: int = 0) -> str | None:
    """Why ``value`` is not a reasonable document, or ``None``: nested deeper than
    ``max_depth``, standing for more than ``max_nodes`` nodes (default: ``source_chars`` plus
    :data:`NODE_ALLOWANCE`) when shared parts are expanded, or containing itself.

    Iterative, and linear in the number of distinct objects."""
    limit = max_nodes if max_nodes is not None else source_chars + NODE_ALLOWANCE
    kids = _children(value)
    if kids is None:
        return None
    height: dict[int, int] = {}  # finished container -> its height
    size: dict[int, int] = {}  # finished container -> nodes it stands for
    running: dict[int, list[int]] = {id(value): [0, 1]}  # open container -> [height-1, size]
    stack: list[tuple[object, Iterator[Any], int]] = [(value, iter(kids), 1)]
    while stack:
        node, items, depth = stack[-1]
        here = running[id(node)]
        child = next(items, _END)
        if child is _END:
            stack.pop()
            del running[id(node)]
            height[id(node)], size[id(node)] = here[0] + 1, here[1]
            if stack:
                parent = running[id(stack[-1][0])]
                parent[0] = max(parent[0], here[0] + 1)
                parent[1] += here[1]
                if parent[1] > limit:
                    return f"it stands for more than {limit:,} values (YAML aliases?)"
            continue
        grandchildren = _children(child)
        if grandchildren is None:
            here[1] += 1
        elif id(child) in running:
            return "it contains itself (a recursive YAML alias)"
        elif id(child) in height:  # a shared part (an alias), measured once
            if depth + height[id(child)] > max_depth:
                return f"it is nested more than {max_depth} levels deep"
            here[0] = max(here[0], height[id(child)])
            here[1] += size[id(child)]
        elif depth + 1 > max_depth:
            return f"it is nested more than {max_depth} levels deep"
        else:
            running[id(child)] = [0, 1]
            stack.append((child, iter(grandchildren), depth + 1))
            continue
        if here[1] > limit:
            return f"it stands for more than {limit:,} values (YAML aliases?)"
    return None


def parse_json(text: str, **kwargs: Any) -> Any:
    """``json.loads(text)``, with nesting too deep for the parser a :class:`ContentError`
    (``json.JSONDecodeError`` passes through with its line and column)."""
    try:
        return json.loads(text, **kwargs)
    except RecursionError as exc:
        raise ContentError(f"it is nested more than {MAX_NESTING} levels deep") from exc
