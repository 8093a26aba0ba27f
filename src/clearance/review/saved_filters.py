"""Saved queue filters: a reviewer names the filters of the queue they work (``rule=…&locale=fr``)
and finds them again as links on the queue page, for themselves or ``shared`` with every
reviewer. Saving a name again replaces that filter. Each save and delete is audited
(``queue.filter.save``, ``queue.filter.delete``).

The query is normalised by the caller (the service keeps only the queue page's filter fields:
:func:`clearance.service.queue_views.carried`), so a saved filter is always a filter.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from clearance.content.visible import has_visible_words
from clearance.errors import Forbidden, InputError, NotFound
from clearance.review import audit
from clearance.review.access import Actor, require_role
from clearance.review.audit import Subject
from clearance.review.audit_events import FilterDeleted, FilterSaved
from clearance.storage.console_models import SavedFilter
from clearance.storage.review_models import User

#: The most filters one reviewer keeps.
MAX_PER_USER: Final = 50
MAX_NAME: Final = 100
MAX_QUERY: Final = 2000


def list_filters(session: Session, actor: Actor) -> list[tuple[SavedFilter, str]]:
    """The actor's filters, then those others shared, by name; each with its owner's name."""
    require_role(actor, "reviewer")
    rows = session.execute(
        select(SavedFilter, User.username).join(User, User.id == SavedFilter.user_id)
        .where(or_(SavedFilter.user_id == actor.user_id, SavedFilter.shared))
        .order_by((SavedFilter.user_id != actor.user_id), SavedFilter.name, SavedFilter.id))
    return [(f, owner) for f, owner in rows]


def save_filter(session: Session, actor: Actor, name: str, query: str, *,
                shared: bool = False) -> SavedFilter:
    """Save (or replace) the actor's filter ``name``."""
    require_role(actor, "reviewer")
    name = name.strip()
    if not has_visible_words(name) or len(name) > MAX_NAME:
        raise InputError(f"a filter needs a name (visible words, at most {MAX_NAME} "
                         "characters)")
    if len(query) > MAX_QUERY:
        raise InputError(f"a filter's query is at most {MAX_QUERY} characters")
    row = session.scalar(select(SavedFilter).where(SavedFilter.user_id == actor.user_id,
                                                   SavedFilter.name == name))
    if row is None:
        count = session.scalar(select(func.count(SavedFilter.id))
                               .where(SavedFilter.user_id == actor.user_id)) or 0
        if count >= MAX_PER_USER:
            raise InputError(f"you have {count} saved filters (at most {MAX_PER_USER}); "
                             "delete one first")
        row = SavedFilter(user_id=actor.user_id, name=name, query=query, shared=shared)
        session.add(row)
    else:
        row.query, row.shared = query, shared
    session.flush()
    audit.record(session, FilterSaved(subject=Subject.user(actor.username), filter_id=row.id,
                                      filter_name=name, query=query, shared=shared),
                 actor=actor.audit_name)
    return row


def delete_filter(session: Session, actor: Actor, filter_id: int) -> None:
    """Delete a saved filter: its owner, or an admin."""
    require_role(actor, "reviewer")
    row = session.get(SavedFilter, filter_id)
    if row is None or (row.user_id != actor.user_id and not row.shared):
        raise NotFound(f"no saved filter {filter_id}")
    if row.user_id != actor.user_id and not actor.at_least("admin"):
        raise Forbidden("only its owner or an admin deletes a saved filter")
    owner = session.get(User, row.user_id)
    name = row.name
    session.delete(row)
    session.flush()
    audit.record(session, FilterDeleted(subject=Subject.user(owner.username if owner else "?"),
                                        filter_id=filter_id, filter_name=name),
                 actor=actor.audit_name)
