"""Team word lists: an admin adds terms to a team's lexicon, layered over the shipped suggestive
lexicon when that team's copy is screened (:mod:`clearance.detectors.team_words`).

Each term has a **category** of the shipped suggestive lexicon (so the policy's rules treat it as
they treat the shipped terms) and a **language** (``en``, ``fr``, ``es``, ``de`` or ``any``), and
uses the shipped pattern syntax (``*`` the rest of a word, a space any run of spaces or hyphens;
docs/labels.md). A list is **versioned**: every term added or removed raises its version (tables
``team_lexicons`` and ``lexicon_terms``, migration 0011), each term records the version that added
it and the one that removed it, so :func:`words_at` rebuilds any version, and every change is
audited (``lexicon.add``, ``lexicon.remove``, on ``team:ID``). Screening reads the list as it is
(:func:`current`); its version is the team detector's input key in the findings cache, so a change
re-screens that team's copy for that detector alone. A copy screened as the campaign context of
another upload of its title is screened with its own team's list too
(:func:`clearance.screening.campaign.plan_screening`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.content.normalise import plain_lower
from clearance.content.visible import has_visible_words
from clearance.detectors.lexicon import SUGGESTIVE_CATEGORIES, term_regex
from clearance.detectors.team_words import TERM_LANGUAGES, TeamTerm, TeamWords
from clearance.errors import InputError, NotFound, ReviewConflict
from clearance.review import audit
from clearance.review.access import Actor, require_role
from clearance.review.audit import Subject
from clearance.review.audit_events import LexiconTermAdded, LexiconTermRemoved
from clearance.storage.console_models import LexiconTerm, TeamLexicon
from clearance.storage.review_models import Team

MAX_TERM: Final = 200
__all__ = ["TERM_LANGUAGES", "add_term", "categories", "check_term", "current", "current_many",
           "list_terms", "remove_term", "words_at"]
#: The most terms in one team's list.
MAX_TERMS: Final = 2000


def _team(session: Session, team_id: str) -> Team:
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(f"no team {team_id!r}")
    return team


def _subject(team_id: str) -> Subject:
    return Subject("team", team_id)


def current(session: Session, team_id: str | None) -> TeamWords | None:
    """The team's list as it is now; ``None`` for no team or a team that never had a list."""
    if team_id is None:
        return None
    head = session.get(TeamLexicon, team_id)
    if head is None:
        return None
    return TeamWords(team_id, head.version, _terms(session, team_id, head.version))


def current_many(session: Session, team_ids: Iterable[str | None]) -> dict[str, TeamWords]:
    """:func:`current` for several teams in two queries."""
    wanted = sorted({t for t in team_ids if t is not None})
    if not wanted:
        return {}
    heads = {h.team_id: h.version for h in session.scalars(
        select(TeamLexicon).where(TeamLexicon.team_id.in_(wanted)))}
    if not heads:
        return {}
    terms: dict[str, list[TeamTerm]] = {t: [] for t in heads}
    for row in session.scalars(select(LexiconTerm).where(
            LexiconTerm.team_id.in_(list(heads)), LexiconTerm.removed_in.is_(None))
            .order_by(LexiconTerm.id)):
        terms[row.team_id].append(TeamTerm(row.term, row.category, row.language))
    return {t: TeamWords(t, v, tuple(terms[t])) for t, v in heads.items()}


def _terms(session: Session, team_id: str, version: int) -> tuple[TeamTerm, ...]:
    rows = session.scalars(select(LexiconTerm).where(
        LexiconTerm.team_id == team_id, LexiconTerm.added_in <= version,
        (LexiconTerm.removed_in.is_(None)) | (LexiconTerm.removed_in > version))
        .order_by(LexiconTerm.id))
    return tuple(TeamTerm(r.term, r.category, r.language) for r in rows)


def words_at(session: Session, team_id: str, version: int) -> TeamWords:
    """The team's list as it was at ``version``."""
    _team(session, team_id)
    head = session.get(TeamLexicon, team_id)
    if head is None or not 0 <= version <= head.version:
        raise NotFound(f"team {team_id!r} has no word list version {version}")
    return TeamWords(team_id, version, _terms(session, team_id, version))


def list_terms(session: Session, team_id: str, *, include_removed: bool = False
               ) -> tuple[int, list[LexiconTerm]]:
    """The list's version and its terms (the removed ones too, when asked), oldest first."""
    _team(session, team_id)
    head = session.get(TeamLexicon, team_id)
    query = select(LexiconTerm).where(LexiconTerm.team_id == team_id)
    if not include_removed:
        query = query.where(LexiconTerm.removed_in.is_(None))
    return (head.version if head is not None else 0,
            list(session.scalars(query.order_by(LexiconTerm.id))))


def check_term(term: str, category: str, language: str) -> tuple[str, str, str]:
    """The term as stored, or :class:`InputError` naming what is wrong."""
    term = " ".join(term.split())
    if not has_visible_words(term) or len(term) > MAX_TERM:
        raise InputError(f"a term is 1 to {MAX_TERM} characters with visible words")
    if category not in SUGGESTIVE_CATEGORIES:
        raise InputError(f"unknown category {category!r} (one of "
                         f"{', '.join(sorted(SUGGESTIVE_CATEGORIES))})")
    if language not in TERM_LANGUAGES:
        raise InputError(f"unknown language {language!r} (one of {', '.join(TERM_LANGUAGES)})")
    try:
        re.compile(term_regex(plain_lower(term)))
    except re.error as exc:  # pragma: no cover - term_regex escapes everything
        raise InputError(f"the term {term!r} is not a pattern: {exc}") from exc
    return term, category, language


def _bump(session: Session, team_id: str, by: str, now: dt.datetime) -> int:
    head = session.get(TeamLexicon, team_id, with_for_update=True)
    if head is None:
        head = TeamLexicon(team_id=team_id, version=0, updated_at=now, updated_by=by)
        session.add(head)
    head.version += 1
    head.updated_at, head.updated_by = now, by
    session.flush()
    return head.version


def add_term(session: Session, actor: Actor, team_id: str, term: str, category: str,
             language: str, now: dt.datetime | None = None) -> LexiconTerm:
    """Add a term to the team's list (admins); the list's version goes up by one."""
    require_role(actor, "admin")
    _team(session, team_id)
    term, category, language = check_term(term, category, language)
    now = now or dt.datetime.now(dt.UTC)
    _, active = list_terms(session, team_id)
    if len(active) >= MAX_TERMS:
        raise InputError(f"team {team_id}'s list has {len(active)} terms (at most {MAX_TERMS})")
    key = plain_lower(term)
    if any(plain_lower(t.term) == key and t.language == language for t in active):
        raise ReviewConflict(f"{term!r} ({language}) is in team {team_id}'s list already")
    version = _bump(session, team_id, actor.audit_name, now)
    row = LexiconTerm(team_id=team_id, term=term, category=category, language=language,
                      added_in=version, added_by=actor.audit_name, added_at=now)
    session.add(row)
    session.flush()
    audit.record(session, LexiconTermAdded(
        subject=_subject(team_id), term_id=row.id, term=term, category=category,
        language=language, version=version), actor=actor.audit_name)
    return row


def remove_term(session: Session, actor: Actor, team_id: str, term_id: int,
                now: dt.datetime | None = None) -> LexiconTerm:
    """Remove a term from the team's list (admins; the row stays, with the version that
    removed it)."""
    require_role(actor, "admin")
    _team(session, team_id)
    row = session.get(LexiconTerm, term_id)
    if row is None or row.team_id != team_id:
        raise NotFound(f"no term {term_id} in team {team_id}'s list")
    if row.removed_in is not None:
        raise ReviewConflict(f"term {term_id} was removed in version {row.removed_in}")
    now = now or dt.datetime.now(dt.UTC)
    version = _bump(session, team_id, actor.audit_name, now)
    row.removed_in, row.removed_by, row.removed_at = version, actor.audit_name, now
    session.flush()
    audit.record(session, LexiconTermRemoved(subject=_subject(team_id), term_id=row.id,
                                             term=row.term, version=version),
                 actor=actor.audit_name)
    return row


def categories() -> Mapping[str, bool]:
    """The categories a term may have, and whether each is sexualising framing."""
    return dict(SUGGESTIVE_CATEGORIES)
