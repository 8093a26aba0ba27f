"""Review items for the API's busiest routes, read as rows: the queue page
(``GET /api/items``) and an item's detail (``GET /api/items/{id}`` and the answers of claim,
claim-next, release and decision), built from a few Core queries instead of loading ORM objects.

The answers are the same as :func:`clearance.service.views.item_list` and
:func:`~clearance.service.views.item_detail` give from ORM objects (``tests/test_item_rows.py``
compares them for every kind of caller); those stay for the pages and the other routes. Why:
``bench/bench_load.py`` measured ~15 ms of Python per request, most of it SQLAlchemy building
ORM objects (identity map, relationship loaders: 7 statements for a queue page, 15 for an item).
Here a queue page is one statement and an item three, and only the columns shown are read.

The answers are JSON-ready mappings (timestamps already ISO 8601 strings in UTC), which the
routes encode once (:func:`clearance.service.answers.json_answer`) rather than have FastAPI
validate a model and serialise it again: a 50-item page spent more time building and
serialising models than reading its rows. They are what the response models
(:class:`~clearance.service.models_public.ItemPage`, :class:`~.ItemDetail`) give in JSON mode;
``tests/test_item_rows.py`` checks that too.

Visibility is the ORM path's: :func:`clearance.review.items.visible` (an item of another team,
or a quarantined one, is not found) and :mod:`clearance.review.context`'s rules for the title
context (a submitter sees their own team's assets and decisions, reviews without reviewer
names).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from clearance.catalog.views import age_on
from clearance.errors import NotFound
from clearance.findings import Finding
from clearance.policy.engine import Decision
from clearance.review.access import Actor
from clearance.review.items import FINAL_STATE_OUTCOME, OPEN_STATES, visibility_key, visible
from clearance.service.answers import iso_utc
from clearance.storage.models import Asset, AssetVersion, Credit, Person, Title, VersionPerson
from clearance.storage.quarantine_models import QuarantineHold
from clearance.storage.review_models import Comment, Review, ReviewItem, User
from clearance.storage.screening_models import Screening

_Submitter = aliased(User, name="submitter")
_Holder = aliased(User, name="holder")

#: How many reviews an item has (odd on a two-person item: a first review awaits its second).
_REVIEW_COUNT: Final = (select(func.count(Review.id)).where(Review.item_id == ReviewItem.id)
                        .correlate(ReviewItem).scalar_subquery().label("review_count"))

#: The columns of a listed item (:class:`ItemPublic`).
_SUMMARY: Final = (
    ReviewItem.id, ReviewItem.state, ReviewItem.screening_decision, ReviewItem.risk,
    ReviewItem.rules, ReviewItem.needs_two, ReviewItem.version_id, ReviewItem.round,
    ReviewItem.screening_id, ReviewItem.team_id, ReviewItem.submitted_by, ReviewItem.claimed_by,
    ReviewItem.lease_expires_at, ReviewItem.created_at, ReviewItem.updated_at,
    ReviewItem.decided_at, Screening.policy, AssetVersion.number, AssetVersion.content_type,
    Asset.id.label("asset_id"), Asset.title_id, Asset.kind, Asset.locale, Asset.channel,
    _Submitter.username.label("submitter_name"), _Holder.username.label("holder_name"),
    _REVIEW_COUNT,
)
_SUMMARY_COLUMNS: Final = len(_SUMMARY)


def _summary_select(*extra: Any) -> Select[Any]:
    return (select(*_SUMMARY, *extra)
            .join(Screening, Screening.id == ReviewItem.screening_id)
            .join(AssetVersion, AssetVersion.id == ReviewItem.version_id)
            .join(Asset, Asset.id == AssetVersion.asset_id)
            .outerjoin(_Submitter, _Submitter.id == ReviewItem.submitted_by)
            .outerjoin(_Holder, _Holder.id == ReviewItem.claimed_by))


def _db(session: Session | Connection) -> Connection:
    """The connection to read with: the session's, or the one given (a read-only request reads
    on a bare connection: :func:`clearance.service.deps.reading`)."""
    return session.connection() if isinstance(session, Session) else session


def item_page(session: Session | Connection, actor: Actor, query: Select[Any], *, limit: int,
              offset: int) -> list[dict[str, Any]]:
    """A page of the items ``query`` (:func:`page_query`) selects, as listed, in one statement
    (the JSON of ``views.item_list`` over the same items)."""
    rows = _db(session).execute(query, {"limit": max(0, limit),
                                                "offset": max(0, offset)})
    is_reviewer = actor.at_least("reviewer")
    return [_summary(row, is_reviewer) for row in rows]


def _summary(row: Any, is_reviewer: bool) -> dict[str, Any]:
    """An item as listed (:func:`clearance.service.views.item_summary`), in JSON: the first
    columns of ``row`` are :data:`_SUMMARY`'s."""
    (item_id, state, decision, risk, rules, needs_two, version_id, round_, screening_id,
     team_id, submitted_by, claimed_by, lease, created, updated, decided, policy, number,
     content_type, asset_id, title_id, kind, locale, channel, submitter, holder,
     review_count) = row[:_SUMMARY_COLUMNS]
    return {
        "id": item_id, "state": state, "outcome": FINAL_STATE_OUTCOME.get(state),
        "screening_decision": decision, "policy_version": policy, "risk": round(risk, 4),
        "rules": list(rules), "needs_two": needs_two,
        "awaiting_senior": bool(needs_two and state in OPEN_STATES and review_count % 2 == 1),
        "title_id": title_id,
        "asset": {"id": asset_id, "kind": kind, "locale": locale, "channel": channel},
        "version_id": version_id, "version_number": number, "round": round_,
        "screening_id": screening_id, "content_type": content_type,
        "content_url": f"/api/items/{item_id}/content", "team_id": team_id,
        "submitted_by": submitter if submitted_by else None,
        "claimed_by": holder if is_reviewer and claimed_by else None,
        "is_claimed": state == "claimed",
        "lease_expires_at": iso_utc(lease) if is_reviewer and lease is not None else None,
        "created_at": iso_utc(created), "updated_at": iso_utc(updated),
        "decided_at": iso_utc(decided) if decided is not None else None,
    }


def page_query(where: Iterable[ColumnElement[bool]], order_by: Sequence[Any]) -> Select[Any]:
    """The listed items matching ``where`` (conditions on :class:`ReviewItem`) in ``order_by``
    (its columns); the page's ``limit`` and ``offset`` are bound when it runs (so one
    statement serves every page).

    The page is chosen from the items alone and only its rows are joined to what a listed item
    shows: with the joins around the sort, PostgreSQL joined every open item to five tables
    before keeping fifty (5.6 ms a page with ~1,500 open items under
    ``bench/bench_load.py``, two thirds of the database's time there)."""
    page = (select(ReviewItem.id).where(*where).order_by(*order_by)
            .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer))
            .subquery("page"))
    return _summary_select().join(page, page.c.id == ReviewItem.id).order_by(*order_by)


# -- one item --------------------------------------------------------------------------------

def _iso(at: dt.datetime | None) -> str | None:
    return None if at is None else iso_utc(at)


def _reasons(decision: str, policy: str, trace: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """:attr:`ReviewItem.reasons`, from the screening's columns."""
    fired = Decision.from_dict({"decision": decision, "policy": policy, "rules": trace}).fired
    return [{"rule": r.rule, "outcome": r.outcome, "description": r.description,
             "text": r.reason()} for r in fired]


def _review_dicts(rows: Sequence[Any], named: bool) -> list[dict[str, Any]]:
    """:func:`clearance.review.context._reviews`, from ``review`` rows of :data:`_SIDE`."""
    return [{"reviewer": r.name if named else None, "outcome": r.a, "reason": r.b,
             "reason_code": r.c, "final": r.final, "created_at": _iso(r.at)}
            for r in rows]


def _comment_author(viewer: Actor, author_id: int, username: str, role: str) -> str | None:
    """:func:`clearance.review.context.comment_author`, from columns."""
    if viewer.at_least("reviewer") or author_id == viewer.user_id or role == "submitter":
        return username
    return None


def _can_see(actor: Actor, item: Any, held: set[int]) -> bool:
    """:func:`clearance.review.context._can_see`, from columns."""
    if item.version_id in held:
        return False
    if actor.at_least("reviewer"):
        return True
    return item.submitted_by == actor.user_id or (
        actor.team_id is not None and item.team_id == actor.team_id)


#: :func:`_detail_query`'s statements by :func:`~clearance.review.items.visibility_key`.
_DETAIL_QUERIES: Final[dict[Hashable, Select[Any]]] = {}


def _detail_query(actor: Actor) -> Select[Any]:
    """The item row of :func:`item_detail` for what ``actor`` may see, built once per kind of
    caller (a statement reused is not rebuilt, nor its cache key recomputed). One object for
    every reviewer, not one each: SQLAlchemy's compiled cache is keyed by the statement's
    shape, and a different object of the same shape made it adapt the cached result columns
    to the new object on every execution (comparing column expressions: ~2 % of the service's
    CPU in ``bench/bench_load.py``, where 50 reviewers each had their own)."""
    key = visibility_key(actor)
    query = _DETAIL_QUERIES.get(key)
    if query is None:
        if len(_DETAIL_QUERIES) >= 512:
            _DETAIL_QUERIES.clear()
        query = _DETAIL_QUERIES[key] = (
            _summary_select(Screening.findings, Screening.decision.label("screened"),
                            Screening.trace, AssetVersion.content_sha256,
                            AssetVersion.shoot_date, Asset.team_id.label("asset_team"),
                            Title.original_title, Title.rating)
            .join(Title, Title.id == Asset.title_id)
            .where(ReviewItem.id == bindparam("item_id"), visible(actor)))
    return query


#: Every asset of a title (by id) with its versions (by id), whether each is quarantined and its
#: review rounds (by round): the latest version of each asset, this asset's history and the
#: items shown beside them, in one statement.
_TITLE_ASSETS: Final = (
    select(Asset.id, Asset.kind, Asset.locale, Asset.channel, Asset.team_id,
           AssetVersion.id.label("version_id"), AssetVersion.number,
           AssetVersion.content_sha256, AssetVersion.created_at, AssetVersion.created_by,
           AssetVersion.shoot_date, QuarantineHold.id.label("hold_id"),
           ReviewItem.id.label("item_id"), ReviewItem.state, ReviewItem.screening_decision,
           ReviewItem.submitted_by, ReviewItem.team_id.label("item_team"))
    .outerjoin(AssetVersion, AssetVersion.asset_id == Asset.id)
    .outerjoin(QuarantineHold, QuarantineHold.version_id == AssetVersion.id)
    .outerjoin(ReviewItem, ReviewItem.version_id == AssetVersion.id)
    .where(Asset.title_id == bindparam("title_id"))
    .order_by(Asset.id, AssetVersion.id, ReviewItem.round))

def _nulls(**types: Any) -> list[Any]:
    return [cast(null(), t).label(name) for name, t in types.items()]


#: Everything an item's detail lists besides its title's assets, in one statement of one shape
#: (what, ord, item_id, name, a, b, c, final, at, dob, author_id), by ``what`` then ``ord``:
#:
#: * ``cast`` -- the title's cast, by credit: name, a = character, dob;
#: * ``depicted`` -- the people depicted in the version, by person: name;
#: * ``review`` -- the reviews of every item on the asset's versions, by review (the caller keeps
#:   those of the items it shows): item_id, name = reviewer, a = outcome, b = reason,
#:   c = reason code, final, at;
#: * ``zcomment`` -- the item's comments, by comment: name = author, a = body, b = author's
#:   role, at, author_id.
#:
#: Was three statements (people, reviews, comments); each costs the service a round trip and
#: ~0.2 ms of Python, and an item's detail answers three of every four requests of the review
#: mix (``bench/bench_load.py``).
_SIDE: Final = union_all(
    select(literal("cast").label("what"), Credit.id.label("ord"),
           cast(null(), Integer).label("item_id"), Person.name.label("name"),
           Credit.character.label("a"), *_nulls(b=String, c=String, final=Boolean,
                                                 at=DateTime(timezone=True)),
           Person.date_of_birth.label("dob"), cast(null(), Integer).label("author_id"))
    .join(Person, Person.id == Credit.person_id)
    .where(Credit.title_id == bindparam("title_id"), Credit.role == "cast"),
    select(literal("depicted"), VersionPerson.person_id, cast(null(), Integer), Person.name,
           *_nulls(a=String, b=String, c=String, final=Boolean, at=DateTime(timezone=True),
                   dob=Date, author_id=Integer))
    .join(Person, Person.id == VersionPerson.person_id)
    .where(VersionPerson.version_id == bindparam("version_id")),
    select(literal("review"), Review.id, Review.item_id, User.username, Review.outcome,
           Review.reason, Review.reason_code, Review.final, Review.created_at,
           *_nulls(dob=Date, author_id=Integer))
    .join(User, User.id == Review.reviewer_id)
    .where(Review.item_id.in_(select(ReviewItem.id)
                              .join(AssetVersion, AssetVersion.id == ReviewItem.version_id)
                              .where(AssetVersion.asset_id == bindparam("asset_id")))),
    select(literal("zcomment"), Comment.id, Comment.item_id, User.username, Comment.body,
           User.role, cast(null(), String), cast(null(), Boolean), Comment.created_at,
           cast(null(), Date), Comment.author_id)
    .join(User, User.id == Comment.author_id)
    .where(Comment.item_id == bindparam("item_id")),
).subquery()
_SIDE_QUERY: Final = select(_SIDE).order_by(_SIDE.c.what, _SIDE.c.ord)


@dataclass(frozen=True, slots=True)
class _Side:
    """An item's side rows (:data:`_SIDE`), sorted out."""

    cast: list[Any]
    depicted: list[str]
    reviews: dict[int, list[Any]]
    comments: list[Any]


def _side(db: Connection, row: Any) -> _Side:
    side = _Side([], [], defaultdict(list), [])
    for r in db.execute(_SIDE_QUERY, {"title_id": row.title_id, "version_id": row.version_id,
                                      "asset_id": row.asset_id, "item_id": row.id}):
        if r.what == "cast":
            side.cast.append(r)
        elif r.what == "depicted":
            side.depicted.append(r.name)
        elif r.what == "review":
            side.reviews[r.item_id].append(r)
        else:
            side.comments.append(r)
    return side


def item_detail(session: Session | Connection, actor: Actor, item_id: int) -> dict[str, Any]:
    """The item ``actor`` may see, with findings, reasons, reviews, comments and title context
    (:class:`NotFound` otherwise): the JSON of ``views.item_detail(session, actor,
    queue.get_item(session, actor, item_id))``, in three statements."""
    db = _db(session)
    row = db.execute(_detail_query(actor), {"item_id": item_id}).first()
    if row is None:
        raise NotFound(f"no review item {item_id}")
    is_reviewer = actor.at_least("reviewer")
    summary = _summary(row, is_reviewer)
    side = _side(db, row)
    context = _context(db, actor, row, side)
    comments = [{"id": c.ord, "author": _comment_author(actor, c.author_id, c.name, c.b),
                 "body": c.a, "created_at": iso_utc(c.at)} for c in side.comments]
    context["comments"] = [{"author": c["author"], "body": c["body"],
                            "created_at": c["created_at"]} for c in comments]
    summary["findings"] = [Finding.from_dict(f).to_dict() for f in row.findings]
    summary["reasons"] = _reasons(row.screened, row.policy, row.trace)
    summary["reviews"] = context["reviews"]
    summary["comments"] = comments
    summary["context"] = context
    return summary


def _context(db: Connection, actor: Actor, item: Any, side: _Side) -> dict[str, Any]:
    """:func:`clearance.review.context.item_context` without its comments (the caller adds
    them), from rows."""
    today = dt.datetime.now(dt.UTC).date()
    shoot = item.shoot_date
    cast_: list[dict[str, Any]] = []
    for p in side.cast:
        dob = p.dob
        cast_.append({"name": p.name, "character": p.a,
                      "date_of_birth": dob.isoformat() if dob else None,
                      "age_now": age_on(dob, today) if dob else None,
                      "age_at_shoot": age_on(dob, shoot) if dob and shoot else None})
    assets: dict[int, Any] = {}
    versions: dict[int, dict[int, Any]] = defaultdict(dict)  # asset -> version -> last round
    items: dict[int, Any] = {}  # version -> its latest round
    held: set[int] = set()
    for a in db.execute(_TITLE_ASSETS, {"title_id": item.title_id}):
        assets.setdefault(a.id, a)
        if a.version_id is None:
            continue
        versions[a.id][a.version_id] = a
        if a.hold_id is not None:
            held.add(a.version_id)
        if a.item_id is not None:
            items[a.version_id] = _Round(a.item_id, a.version_id, a.state,
                                         a.screening_decision, a.submitted_by, a.item_team)
    own = list(versions[item.asset_id].values())
    latest = {asset_id: list(vs.values())[-1] for asset_id, vs in versions.items() if vs}
    is_reviewer = actor.at_least("reviewer")
    others = []
    for asset_id, other in assets.items():
        if asset_id == item.asset_id:
            continue
        if not is_reviewer and (actor.team_id is None or other.team_id != actor.team_id):
            continue
        newest = latest.get(asset_id)
        other_item = items.get(newest.version_id) if newest is not None else None
        shown = other_item is not None and _can_see(actor, other_item, held)
        others.append({
            "asset_id": asset_id, "kind": other.kind, "locale": other.locale,
            "channel": other.channel, "version_id": newest.version_id if newest else None,
            "item_id": other_item.id if shown and other_item else None,
            "state": other_item.state if shown and other_item else None,
            "screening_decision": other_item.screening_decision if shown and other_item
            else None,
        })
    shown_items = {v.version_id: items[v.version_id] for v in own
                   if v.version_id in items and _can_see(actor, items[v.version_id], held)}
    reviews = side.reviews  # those of the items shown are read below
    history = []
    for v in own:
        v_item = shown_items.get(v.version_id)
        known = v.version_id not in held and (
            is_reviewer or v_item is not None or (
                v.version_id not in items and actor.team_id is not None
                and item.asset_team == actor.team_id))
        history.append({
            "version_id": v.version_id, "number": v.number,
            "sha256": v.content_sha256 if known else None,
            "created_at": _iso(v.created_at) if known else None,
            "created_by": v.created_by if known else None,
            "shoot_date": v.shoot_date.isoformat() if known and v.shoot_date else None,
            "current": v.version_id == item.version_id,
            "item_id": v_item.id if v_item else None,
            "state": v_item.state if v_item else None,
            "screening_decision": v_item.screening_decision if v_item else None,
            "reviews": _review_dicts(reviews.get(v_item.id, []), is_reviewer) if v_item else [],
        })
    return {
        "title": {"id": item.title_id, "name": item.original_title, "rating": item.rating},
        "asset": {"asset_id": item.asset_id, "kind": item.kind, "locale": item.locale,
                  "channel": item.channel},
        "version": {"version_id": item.version_id, "number": item.number,
                    "sha256": item.content_sha256, "content_type": item.content_type,
                    "shoot_date": shoot.isoformat() if shoot else None,
                    "depicted": side.depicted},
        "cast": cast_,
        "other_assets": others,
        "history": history,
        "reviews": _review_dicts(reviews.get(item.id, []), is_reviewer),
    }


@dataclass(frozen=True, slots=True)
class _Round:
    """A version's latest review round, as the title context shows it."""

    id: int
    version_id: int
    state: str
    screening_decision: str
    submitted_by: int | None
    team_id: str | None
