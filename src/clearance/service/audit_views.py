"""The audit page's reading aids: an event's data as labelled fields instead of raw JSON, a one-line
summary for the common types, and the filters (dates, types and type families) as SQL.

The stored data is never changed or re-serialised here: the page shows the raw JSON too (folded),
and the export is :func:`clearance.review.audit.jsonl_line`, byte for byte the command line's.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, and_, or_

from clearance.errors import InputError
from clearance.review import audit
from clearance.storage.review_models import AuditEvent

#: Data keys whose integer values are review items, shown as links.
ITEM_KEYS: Final = frozenset({"item_id", "previous_item_id"})
#: Data keys holding lists of item ids.
ITEM_LIST_KEYS: Final = frozenset({"decided", "first_reviews", "skipped"})
#: The longest text shown in full in a field; longer text is cut (the raw JSON has it all).
MAX_TEXT: Final = 400


@dataclass(frozen=True, slots=True)
class Field:
    """One ``key: value`` of an event's data, as the page shows it."""

    label: str
    text: str
    #: Items to link (``/items/N``), when the value names review items.
    items: tuple[int, ...] = ()


def _label(key: str) -> str:
    return key.replace("_", " ")


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return "; ".join(f"{_label(str(k))} {_text(v)}" for k, v in value.items()) or "none"
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + f"… (+{len(text) - MAX_TEXT})"


def fields(data: Mapping[str, Any]) -> list[Field]:
    """``data`` as labelled fields, in the stored (sorted) order."""
    out = []
    for key, value in data.items():
        items: tuple[int, ...] = ()
        if key in ITEM_KEYS and isinstance(value, int):
            items = (value,)
        elif key in ITEM_LIST_KEYS and isinstance(value, list):
            items = tuple(v for v in value if isinstance(v, int))
        out.append(Field(_label(key), _text(value), items))
    return out


def _g(data: Mapping[str, Any], key: str, default: str = "") -> str:
    value = data.get(key)
    return default if value is None else _text(value)


#: One-line summaries of the common event types (the others show their fields alone).
_SUMMARIES: Final[dict[str, Callable[[Mapping[str, Any]], str]]] = {
    "submission": lambda d: (f"{_g(d, 'kind')} of {_g(d, 'title_id')} "
                             f"({_g(d, 'locale')}, {_g(d, 'channel')}) submitted"
                             + (f" for team {d['team_id']}" if d.get("team_id") else "")),
    "screening": lambda d: (f"screening decided {_g(d, 'decision')} under "
                            f"{_g(d, 'policy_version')}"
                            + (" · two-person rule" if d.get("needs_two") else "")),
    "claim": lambda d: ("lease renewed" if d.get("renewed") else "claimed")
    + f" until {_g(d, 'lease_expires_at')[:16].replace('T', ' ')}",
    "release": lambda d: (f"claim ended: {_g(d, 'reason')}"
                          + (f" (held by {d['held_by']})" if d.get("held_by") else "")),
    "reveal": lambda d: "picture shown unblurred" + (f" ({d['how']})" if d.get("how") else ""),
    "review": lambda d: (f"review: {_g(d, 'outcome').replace('_', ' ')} "
                         f"({_g(d, 'step')}{', final' if d.get('final') else ''})"),
    "decision": lambda d: (f"decided {_g(d, 'outcome').replace('_', ' ')} by "
                           f"{_g(d, 'reviewers')} (screening said {_g(d, 'screening_decision')})"),
    "override": lambda d: f"override of a screening block by {_g(d, 'reviewers')}",
    "comment": lambda d: "comment added",
    "round": lambda d: (f"round {_g(d, 'round')} opened: screening now says "
                        f"{_g(d, 'decision')} (was {_g(d, 'previous_decision')})"),
    "queue.bulk": lambda d: (f"bulk {_g(d, 'outcome').replace('_', ' ')}: "
                             f"{len(d.get('decided') or [])} decided, "
                             f"{len(d.get('first_reviews') or [])} first reviews, "
                             f"{len(d.get('skipped') or [])} skipped"),
    "user.role": lambda d: f"role changed from {_g(d, 'from')} to {_g(d, 'to')}",
    "session.start": lambda d: f"logged in from {_g(d, 'address')}",
    "session.end": lambda d: f"session ended ({_g(d, 'reason')})",
}


def summary(type_: str, data: Mapping[str, Any]) -> str:
    """A one-line reading of an event, or ``""`` for a type without one."""
    make = _SUMMARIES.get(type_)
    if make is None:
        return ""
    try:
        return make(data)
    except (KeyError, TypeError, ValueError):  # an older event's shape: fields still shown
        return ""


def row(event: AuditEvent) -> dict[str, Any]:
    """An event for the page: as exported, plus its readable fields and summary."""
    out = audit.as_dict(event)
    out["raw"] = event.data
    subject = audit.subject_of(event)
    out["item_id"] = subject.number if subject.kind == "item" else None
    data = out["data"] if isinstance(out["data"], dict) else {}
    out["fields"] = fields(data)
    out["summary"] = summary(event.type, data)
    return out


def parse_day(text: str | None, field: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` date from a filter form (empty: none); 422 naming ``field`` otherwise."""
    if text is None or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{field}: {text!r} is not a date (YYYY-MM-DD)") from None


def type_families(names: tuple[str, ...]) -> list[str]:
    """``bank.*``, ``user.*``...: the dotted prefixes shared by several event types."""
    prefixes: dict[str, int] = {}
    for name in names:
        if "." in name:
            head = name.split(".", 1)[0]
            prefixes[head] = prefixes.get(head, 0) + 1
    return [f"{p}.*" for p, n in sorted(prefixes.items()) if n > 1]


def type_condition(value: str) -> ColumnElement[bool]:
    """An exact event type, or a family (``bank.*``: every ``bank.`` type)."""
    if value.endswith(".*"):
        prefix = value[:-2].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return AuditEvent.type.like(f"{prefix}.%", escape="\\")
    return AuditEvent.type == value


def filtered(query: Select[AuditEvent], *, subject: str | None, types: list[str],
             actor: str | None, day_from: dt.date | None, day_to: dt.date | None
             ) -> Select[AuditEvent]:
    """``query`` with the page's filters: subject and actor exactly, any of ``types`` (or
    families), and the UTC days from ``day_from`` to ``day_to``, both included."""
    if subject:
        query = query.where(AuditEvent.subject == subject.strip())
    if types:
        query = query.where(or_(*[type_condition(t) for t in types]))
    if actor:
        query = query.where(AuditEvent.actor == actor.strip())
    if day_from is not None and day_to is not None and day_to < day_from:
        raise InputError(f"to: {day_to} is before from: {day_from}")
    bounds = []
    if day_from is not None:
        bounds.append(AuditEvent.at >= dt.datetime.combine(day_from, dt.time(), dt.UTC))
    if day_to is not None:
        bounds.append(AuditEvent.at < dt.datetime.combine(day_to + dt.timedelta(days=1),
                                                          dt.time(), dt.UTC))
    if bounds:
        query = query.where(and_(*bounds))
    return query


def raw_json(data: str) -> str:
    """The stored data, indented for reading (the stored text itself is what is hashed)."""
    try:
        return json.dumps(json.loads(data), indent=1, ensure_ascii=False, sort_keys=True)
    except ValueError:
        return data
