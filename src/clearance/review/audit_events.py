"""The audit log's event types: one frozen dataclass per kind of change, with a typed payload.

An event says *what* happened to *which* :class:`Subject`; :func:`clearance.review.audit.record`
adds *who* (the actor) and *when*, and appends it to the hash chain. The stored row keeps three
strings — ``type`` (the class's :attr:`AuditEvent.name`), ``subject`` (``str(subject)``, e.g.
``item:12``) and ``data`` (the canonical JSON of :meth:`AuditEvent.data`) — exactly as the
string-typed API wrote them before, so chains written by earlier versions still verify and exports
keep their shape.

Adding an event type is one class in this module: a ``name`` (the stored type string; never
rename one, old rows keep it), the ``subject_kind`` it is about, and the payload fields. Defining
the class registers it; a second class with the same name is refused (:class:`RegistryError`).
``docs/audit.md`` must list every name (a test reads :func:`event_types`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal

from clearance.errors import AuditError, RegistryError

#: Event names: dotted lowercase words (``user.create``).
_NAME: Final = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
#: Subject kinds: one lowercase word (``item``, ``user``).
_KIND: Final = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Subject:
    """What an event is about: a kind and an id, stored as ``kind:id`` (``item:12``).

    Parse a stored subject with :meth:`parse` (or :func:`clearance.review.audit.subject_of` for
    a row) instead of splitting the string."""

    kind: str
    id: str

    def __post_init__(self) -> None:
        if not _KIND.fullmatch(self.kind):
            raise AuditError(f"invalid audit subject kind {self.kind!r}: one lowercase word")
        if not self.id or any(c.isspace() for c in self.id):
            raise AuditError(f"invalid audit subject id {self.id!r}: non-empty, no spaces")

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> Subject:
        """The subject stored as ``text`` (``item:12`` -> ``Subject("item", "12")``)."""
        kind, sep, ident = text.partition(":")
        if not sep:
            raise AuditError(f"invalid audit subject {text!r}: expected kind:id")
        return cls(kind, ident)

    @property
    def number(self) -> int | None:
        """The id as an integer when it is one (item, token and webhook ids), else ``None``."""
        return int(self.id) if self.id.isascii() and self.id.isdigit() else None

    @classmethod
    def item(cls, item_id: int) -> Subject:
        return cls("item", str(item_id))

    @classmethod
    def user(cls, username: str) -> Subject:
        return cls("user", username)

    @classmethod
    def token(cls, token_id: int) -> Subject:
        return cls("token", str(token_id))

    @classmethod
    def webhook(cls, subscription_id: int) -> Subject:
        return cls("webhook", str(subscription_id))


@dataclass(frozen=True, kw_only=True)
class AuditEvent:
    """Base of every audit event type; subclasses set ``name`` and ``subject_kind``.

    Not the stored row (that is :class:`clearance.storage.review_models.AuditEvent`, which
    :func:`~clearance.review.audit.record` makes from one of these). No ``slots``: a slotted
    dataclass is rebuilt as a second class, which would register every event type twice."""

    #: The stored ``type`` string; listed in docs/audit.md.
    name: ClassVar[str]
    #: The :attr:`Subject.kind` this event is about.
    subject_kind: ClassVar[str]
    #: Every registered event type by name, in definition order.
    _registry: ClassVar[dict[str, type[AuditEvent]]] = {}

    subject: Subject

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise RegistryError(f"audit event class {cls.__qualname__} needs a name: ClassVar[str] "
                                f"of dotted lowercase words, got {name!r}")
        kind = getattr(cls, "subject_kind", None)
        if not isinstance(kind, str) or not _KIND.fullmatch(kind):
            raise RegistryError(f"audit event class {cls.__qualname__} needs a subject_kind")
        taken = AuditEvent._registry.get(name)
        if taken is not None:
            raise RegistryError(f"audit event name {name!r} is already taken by "
                                f"{taken.__module__}.{taken.__qualname__}")
        AuditEvent._registry[name] = cls

    def __post_init__(self) -> None:
        if "name" not in type(self).__dict__:
            raise AuditError("AuditEvent is a base class; record one of its event types")
        if not isinstance(self.subject, Subject):
            raise AuditError(f"{self.name} event: subject must be a Subject, "
                             f"not {type(self.subject).__name__}")
        if self.subject.kind != self.subject_kind:
            raise AuditError(f"{self.name} event is about a {self.subject_kind}, "
                             f"not {self.subject}")

    def data(self) -> dict[str, Any]:
        """The payload as stored (every field but ``subject``); overridden where the stored
        keys differ from the field names."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name != "subject"}


def event_types() -> tuple[type[AuditEvent], ...]:
    """Every registered event type, in definition order."""
    return tuple(AuditEvent._registry.values())


def event_names() -> tuple[str, ...]:
    """The stored ``type`` strings of :func:`event_types`."""
    return tuple(AuditEvent._registry)


# -- review items ---------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Submitted(AuditEvent):
    """An asset version submitted for review (its review item created)."""

    name: ClassVar[str] = "submission"
    subject_kind: ClassVar[str] = "item"
    version_id: int
    asset_id: int
    title_id: str
    kind: str
    locale: str
    channel: str
    sha256: str
    team_id: str | None


@dataclass(frozen=True, kw_only=True)
class Screened(AuditEvent):
    """The screening result stored with the item."""

    name: ClassVar[str] = "screening"
    subject_kind: ClassVar[str] = "item"
    decision: str
    policy_version: str
    labels: tuple[str, ...]
    rules: tuple[str, ...]
    risk: float
    needs_two: bool
    state: str


@dataclass(frozen=True, kw_only=True)
class Claimed(AuditEvent):
    """A reviewer claimed (or renewed) an item's lease."""

    name: ClassVar[str] = "claim"
    subject_kind: ClassVar[str] = "item"
    lease_expires_at: str
    renewed: bool = False

    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"lease_expires_at": self.lease_expires_at}
        if self.renewed:
            data["renewed"] = True
        return data


#: Why a claim ended.
ReleaseReason = Literal["released", "lease expired"]


@dataclass(frozen=True, kw_only=True)
class Released(AuditEvent):
    """A claim given back by its holder, or its lease expired (``held_by`` says whose)."""

    name: ClassVar[str] = "release"
    subject_kind: ClassVar[str] = "item"
    reason: ReleaseReason
    held_by: str | None = None

    def data(self) -> dict[str, Any]:
        if self.reason == "released":
            return {"reason": self.reason}
        return {"reason": self.reason, "held_by": self.held_by}


@dataclass(frozen=True, kw_only=True)
class Revealed(AuditEvent):
    """A reviewer saw an item's picture unblurred: ``how`` ``reveal`` (asked to, on the page
    or ``POST /api/items/{id}/reveal``), ``preference`` (the page shown to a reviewer who turned
    blurring off) or ``api`` (the bytes fetched through the API without a grant)."""

    name: ClassVar[str] = "reveal"
    subject_kind: ClassVar[str] = "item"
    version_id: int
    how: str = "reveal"

    def data(self) -> dict[str, Any]:
        # a plain reveal keeps the shape reveals always had
        data: dict[str, Any] = {"version_id": self.version_id}
        if self.how != "reveal":
            data["how"] = self.how
        return data


#: Where a review stands in its round (the two-person rule).
ReviewStep = Literal["single", "first", "concurring", "disagreeing"]


@dataclass(frozen=True, kw_only=True)
class Reviewed(AuditEvent):
    """One reviewer's outcome (also the first of two, or a disagreeing second)."""

    name: ClassVar[str] = "review"
    subject_kind: ClassVar[str] = "item"
    review_id: int
    outcome: str
    reason: str
    step: ReviewStep
    final: bool
    #: A preset reason code (stored only when one was given, so earlier events keep their shape).
    reason_code: str | None = None

    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"review_id": self.review_id, "outcome": self.outcome,
                                "reason": self.reason, "step": self.step, "final": self.final}
        if self.reason_code is not None:
            data["reason_code"] = self.reason_code
        return data


@dataclass(frozen=True, kw_only=True)
class Decided(AuditEvent):
    """The item's final outcome."""

    name: ClassVar[str] = "decision"
    subject_kind: ClassVar[str] = "item"
    outcome: str
    state: str
    reviewers: tuple[str, ...]
    screening_decision: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class Overridden(AuditEvent):
    """A senior reviewer approved what screening blocked, with written reasons."""

    name: ClassVar[str] = "override"
    subject_kind: ClassVar[str] = "item"
    screening_decision: str
    outcome: str
    reviewers: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Commented(AuditEvent):
    """A comment on an item."""

    name: ClassVar[str] = "comment"
    subject_kind: ClassVar[str] = "item"
    comment_id: int
    body: str


@dataclass(frozen=True, kw_only=True)
class RoundOpened(AuditEvent):
    """A version screened again decided differently: a new review round (this item) was opened
    on it; the earlier round's item, if it was still open, is now ``superseded``."""

    name: ClassVar[str] = "round"
    subject_kind: ClassVar[str] = "item"
    version_id: int
    round: int
    screening_id: int
    decision: str
    previous_item_id: int
    previous_decision: str
    previous_state: str


# -- publication -----------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Published(AuditEvent):
    """A version made live on its asset's channel and locale (replacing the live one, if any)."""

    name: ClassVar[str] = "publication"
    subject_kind: ClassVar[str] = "version"
    asset_id: int
    title_id: str
    kind: str
    locale: str
    channel: str
    number: int
    replaced_version_id: int | None


@dataclass(frozen=True, kw_only=True)
class Withdrawn(AuditEvent):
    """A version withdrawn everywhere (taken down if it was live; never published again)."""

    name: ClassVar[str] = "withdrawal"
    subject_kind: ClassVar[str] = "version"
    asset_id: int
    title_id: str
    number: int
    reason: str
    was_live: bool


# -- users, tokens, webhooks -----------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class UserCreated(AuditEvent):
    name: ClassVar[str] = "user.create"
    subject_kind: ClassVar[str] = "user"
    role: str
    team_id: str | None
    display_name: str
    has_password: bool


@dataclass(frozen=True, kw_only=True)
class RoleChanged(AuditEvent):
    """Stored as ``{"from": old, "to": new}``."""

    name: ClassVar[str] = "user.role"
    subject_kind: ClassVar[str] = "user"
    old: str
    new: str

    def data(self) -> dict[str, Any]:
        return {"from": self.old, "to": self.new}


@dataclass(frozen=True, kw_only=True)
class UserUpdated(AuditEvent):
    """A password, activity or preference change; stored as ``{"changed": what, what: value}``
    (the password's value never)."""

    name: ClassVar[str] = "user.update"
    subject_kind: ClassVar[str] = "user"
    changed: Literal["password", "active", "blur_images", "team_id"]
    value: bool | str | None = None

    def data(self) -> dict[str, Any]:
        if self.changed == "password":
            return {"changed": "password"}
        return {"changed": self.changed, self.changed: self.value}


@dataclass(frozen=True, kw_only=True)
class TokenIssued(AuditEvent):
    """Never the secret; ``expires_at`` in ISO 8601 or ``None``."""

    name: ClassVar[str] = "token.issue"
    subject_kind: ClassVar[str] = "token"
    user: str
    token_name: str
    prefix: str
    expires_at: str | None

    def data(self) -> dict[str, Any]:
        return {"user": self.user, "name": self.token_name, "prefix": self.prefix,
                "expires_at": self.expires_at}


@dataclass(frozen=True, kw_only=True)
class TokenRevoked(AuditEvent):
    name: ClassVar[str] = "token.revoke"
    subject_kind: ClassVar[str] = "token"
    user: str
    token_name: str
    prefix: str

    def data(self) -> dict[str, Any]:
        return {"user": self.user, "name": self.token_name, "prefix": self.prefix}


@dataclass(frozen=True, kw_only=True)
class WebhookSubscribed(AuditEvent):
    """Never the secret."""

    name: ClassVar[str] = "webhook.subscribe"
    subject_kind: ClassVar[str] = "webhook"
    url: str
    events: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class WebhookUnsubscribed(AuditEvent):
    name: ClassVar[str] = "webhook.unsubscribe"
    subject_kind: ClassVar[str] = "webhook"
    url: str


# -- background jobs ------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class JobStarted(AuditEvent):
    """A background batch was accepted (its files stored, to be screened one by one)."""

    name: ClassVar[str] = "job.start"
    subject_kind: ClassVar[str] = "job"
    kind: str
    title_id: str
    asset_kind: str
    locale: str
    channel: str
    files: int


@dataclass(frozen=True, kw_only=True)
class JobInterrupted(AuditEvent):
    """A job left running by a process that is gone was marked interrupted (actor ``system``)."""

    name: ClassVar[str] = "job.interrupt"
    subject_kind: ClassVar[str] = "job"
    worker: str | None
    done: int
    total: int


@dataclass(frozen=True, kw_only=True)
class JobResumed(AuditEvent):
    """An interrupted job was queued again (only its files not yet done will run)."""

    name: ClassVar[str] = "job.resume"
    subject_kind: ClassVar[str] = "job"
    done: int
    total: int


# -- hash bank -------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class BankCreated(AuditEvent):
    """A hash bank was created."""

    name: ClassVar[str] = "bank.create"
    subject_kind: ClassVar[str] = "bank"
    reason: str
    distance: int
    enabled: bool
    description: str


@dataclass(frozen=True, kw_only=True)
class BankChanged(AuditEvent):
    """A bank's match distance or enabled flag changed."""

    name: ClassVar[str] = "bank.update"
    subject_kind: ClassVar[str] = "bank"
    distance: int
    enabled: bool
    previous_distance: int
    previous_enabled: bool


@dataclass(frozen=True, kw_only=True)
class BankEntryAdded(AuditEvent):
    """Content entered a bank: a catalog version (``version_id``) or a file banked by hand."""

    name: ClassVar[str] = "bank.add"
    subject_kind: ClassVar[str] = "bank"
    entry_id: int
    version_id: int | None
    sha256: str
    label: str
    source: str
    reason: str
    hashes: int


@dataclass(frozen=True, kw_only=True)
class BankEntryRemoved(AuditEvent):
    """An entry was taken out of its bank (kept, marked removed)."""

    name: ClassVar[str] = "bank.remove"
    subject_kind: ClassVar[str] = "bank"
    entry_id: int
    version_id: int | None
    sha256: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class BankEntryRevealed(AuditEvent):
    """A reviewer revealed the blurred picture of a bank entry (on the bank page)."""

    name: ClassVar[str] = "bank.reveal"
    subject_kind: ClassVar[str] = "bank"
    entry_id: int
    version_id: int | None


@dataclass(frozen=True, kw_only=True)
class WithdrawnEverywhere(AuditEvent):
    """A version and every variant and near-copy of it were withdrawn in one action."""

    name: ClassVar[str] = "withdraw.everywhere"
    subject_kind: ClassVar[str] = "version"
    reason: str
    withdrawn: tuple[int, ...]
    already_withdrawn: tuple[int, ...]
    replacements: dict[str, int]


# -- sign-in: sessions, failures, rate limits ------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class SessionStarted(AuditEvent):
    """A user logged in to the UI: a session began."""

    name: ClassVar[str] = "session.start"
    subject_kind: ClassVar[str] = "user"
    session_id: int
    address: str


@dataclass(frozen=True, kw_only=True)
class SessionsEnded(AuditEvent):
    """UI sessions of a user were ended: by logging out (that one), or every one of them by a
    password change or a deactivation."""

    name: ClassVar[str] = "session.end"
    subject_kind: ClassVar[str] = "user"
    reason: str
    sessions: int


@dataclass(frozen=True, kw_only=True)
class LoginFailed(AuditEvent):
    """A well-formed login attempt failed. ``username`` is the account's only when it exists
    (a name typed that is no account may be a password typed in the wrong field)."""

    name: ClassVar[str] = "login.failure"
    subject_kind: ClassVar[str] = "address"
    username: str | None


@dataclass(frozen=True, kw_only=True)
class TokenRefused(AuditEvent):
    """An API request carried a bearer token that is unknown, revoked or expired, or whose
    user is deactivated."""

    name: ClassVar[str] = "token.failure"
    subject_kind: ClassVar[str] = "address"
    reason: str


@dataclass(frozen=True, kw_only=True)
class Throttled(AuditEvent):
    """An account or an address reached its limit of failures: logins (``login``) or bearer
    tokens (``token``) are refused with 429 until ``retry_after`` seconds have passed. Recorded
    once, when the limit is reached, not for every refused attempt."""

    name: ClassVar[str] = "auth.throttle"
    subject_kind: ClassVar[str] = "address"
    what: str
    scope: str
    username: str | None
    failures: int
    retry_after: int


# -- assets ------------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class AssetTeamSet(AuditEvent):
    """An asset was given to a team (or taken from every team): whose submitters may add
    versions to it."""

    name: ClassVar[str] = "asset.team"
    subject_kind: ClassVar[str] = "asset"
    team_id: str | None
    previous: str | None


# -- quarantine (the legal reporting path) -----------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class QuarantineHeld(AuditEvent):
    """An item's version was quarantined: its findings put a minor next to an exposed intimate
    region, so no reviewer sees it; only the legal role."""

    name: ClassVar[str] = "quarantine.hold"
    subject_kind: ClassVar[str] = "item"
    version_id: int
    labels: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class QuarantineListed(AuditEvent):
    """The legal role listed the quarantine."""

    name: ClassVar[str] = "quarantine.list"
    subject_kind: ClassVar[str] = "quarantine"
    holds: int


@dataclass(frozen=True, kw_only=True)
class QuarantineViewed(AuditEvent):
    """The legal role opened a quarantined item's bytes."""

    name: ClassVar[str] = "quarantine.view"
    subject_kind: ClassVar[str] = "item"
    version_id: int


@dataclass(frozen=True, kw_only=True)
class QuarantineExported(AuditEvent):
    """The legal role built a quarantined item's report package (with its bytes or not)."""

    name: ClassVar[str] = "quarantine.export"
    subject_kind: ClassVar[str] = "item"
    version_id: int
    with_bytes: bool


# -- the queue at volume -----------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class BulkDecided(AuditEvent):
    """A reviewer decided several items at once from the queue. Each item's own ``claim``,
    ``review`` and ``decision`` events come first; this one says which were decided (final),
    which got the first review of a two-person round, and which were skipped."""

    name: ClassVar[str] = "queue.bulk"
    subject_kind: ClassVar[str] = "user"
    outcome: str
    reason: str
    decided: tuple[int, ...]
    first_reviews: tuple[int, ...]
    skipped: tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class Escalated(AuditEvent):
    """A reviewer holding an item sent it to the senior reviewers, with why; their claim ends and
    only a senior may claim it from now on."""

    name: ClassVar[str] = "escalation"
    subject_kind: ClassVar[str] = "item"
    reason: str


@dataclass(frozen=True, kw_only=True)
class Assigned(AuditEvent):
    """A senior gave an open item to a reviewer (``to``), or took it back (``to`` null)."""

    name: ClassVar[str] = "assignment"
    subject_kind: ClassVar[str] = "item"
    to: str | None
    previous: str | None


@dataclass(frozen=True, kw_only=True)
class FilterSaved(AuditEvent):
    """A reviewer saved a queue filter under a name (replacing one of that name)."""

    name: ClassVar[str] = "queue.filter.save"
    subject_kind: ClassVar[str] = "user"
    filter_id: int
    filter_name: str
    query: str
    shared: bool

    def data(self) -> dict[str, Any]:
        return {"filter_id": self.filter_id, "name": self.filter_name, "query": self.query,
                "shared": self.shared}


@dataclass(frozen=True, kw_only=True)
class FilterDeleted(AuditEvent):
    """A saved queue filter was deleted (by its owner, or an admin)."""

    name: ClassVar[str] = "queue.filter.delete"
    subject_kind: ClassVar[str] = "user"
    filter_id: int
    filter_name: str

    def data(self) -> dict[str, Any]:
        return {"filter_id": self.filter_id, "name": self.filter_name}


@dataclass(frozen=True, kw_only=True)
class RouteAdded(AuditEvent):
    """An admin added a route of review items to a reviewer team."""

    name: ClassVar[str] = "route.add"
    subject_kind: ClassVar[str] = "route"
    team_id: str
    position: int
    locales: tuple[str, ...]
    rules: tuple[str, ...]
    teams: tuple[str, ...]
    decisions: tuple[str, ...]
    note: str


@dataclass(frozen=True, kw_only=True)
class RouteRemoved(AuditEvent):
    """An admin removed a route."""

    name: ClassVar[str] = "route.remove"
    subject_kind: ClassVar[str] = "route"
    team_id: str


@dataclass(frozen=True, kw_only=True)
class AppealOpened(AuditEvent):
    """The submitting team appeals a rejected item, with why."""

    name: ClassVar[str] = "appeal.open"
    subject_kind: ClassVar[str] = "item"
    appeal_id: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class AppealDecided(AuditEvent):
    """A senior who did not decide the item upheld or overturned its appeal; ``item_state`` is
    the item's state afterwards (``approved``, or ``queued`` for a second senior under the
    two-person rule, or still ``rejected``)."""

    name: ClassVar[str] = "appeal.decide"
    subject_kind: ClassVar[str] = "item"
    appeal_id: int
    outcome: str
    reason: str
    item_state: str


@dataclass(frozen=True, kw_only=True)
class LexiconTermAdded(AuditEvent):
    """An admin added a term to a team's word list (``version``: the list's new version)."""

    name: ClassVar[str] = "lexicon.add"
    subject_kind: ClassVar[str] = "team"
    term_id: int
    term: str
    category: str
    language: str
    version: int


@dataclass(frozen=True, kw_only=True)
class LexiconTermRemoved(AuditEvent):
    """An admin removed a term from a team's word list."""

    name: ClassVar[str] = "lexicon.remove"
    subject_kind: ClassVar[str] = "team"
    term_id: int
    term: str
    version: int


# -- incidents ---------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class IncidentOpened(AuditEvent):
    """An incident was opened: by an alert rule on its own (``alert``, actor ``system``), by a
    person from an alert (``person``) or by hand (``hand``), about ``title_id``, with the asset
    versions live at the onset linked."""

    name: ClassVar[str] = "incident.open"
    subject_kind: ClassVar[str] = "incident"
    title_id: str | None
    incident_name: str
    opened_from: str
    alert_id: int | None
    owner: str | None
    onset: str
    versions: tuple[int, ...]

    def data(self) -> dict[str, Any]:
        return {"title_id": self.title_id, "name": self.incident_name,
                "opened_from": self.opened_from, "alert_id": self.alert_id,
                "owner": self.owner, "onset": self.onset, "versions": list(self.versions)}


@dataclass(frozen=True, kw_only=True)
class IncidentStateChanged(AuditEvent):
    """An incident moved from one state to another (open, responding, monitoring, closed);
    stored as ``{"from": old, "to": new, "reason": ...}``."""

    name: ClassVar[str] = "incident.state"
    subject_kind: ClassVar[str] = "incident"
    old: str
    new: str
    reason: str

    def data(self) -> dict[str, Any]:
        return {"from": self.old, "to": self.new, "reason": self.reason}


@dataclass(frozen=True, kw_only=True)
class IncidentOwnerChanged(AuditEvent):
    """An incident was given to someone (or taken from its owner); ``{"from", "to"}``."""

    name: ClassVar[str] = "incident.owner"
    subject_kind: ClassVar[str] = "incident"
    old: str | None
    new: str | None

    def data(self) -> dict[str, Any]:
        return {"from": self.old, "to": self.new}


@dataclass(frozen=True, kw_only=True)
class IncidentLinked(AuditEvent):
    """An alert, an asset version or a petition was linked to an incident."""

    name: ClassVar[str] = "incident.link"
    subject_kind: ClassVar[str] = "incident"
    what: Literal["alert", "version", "petition"]
    ref: int


@dataclass(frozen=True, kw_only=True)
class IncidentActionRecorded(AuditEvent):
    """A response action was taken on an incident and recorded on its timeline (withdraw
    everywhere, replace, statement, copy rewritten, rating or placement changed, escalation)."""

    name: ClassVar[str] = "incident.action"
    subject_kind: ClassVar[str] = "incident"
    action_id: int
    kind: str
    at: str
    summary: str
