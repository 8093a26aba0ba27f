"""One exception tree for all of Clearance.

Everything the package raises on purpose derives from :class:`ClearanceError`. The CLI maps each
branch to one exit code (see ``docs/cli.md``) and the API to one problem+json shape, so a
caller never has to catch a bare ``Exception``::

    ClearanceError                      exit 70 unless a subclass says otherwise
    ├── ConfigurationError              exit 78  bad settings, refused default secret
    ├── InputError                      exit 3   the user's input cannot be used
    │   ├── ContentError                         empty text, text too large, undecodable bytes
    │   ├── ImportProblem                        a catalog file that cannot be read at all
    │   └── OutboundRefused                      a URL the outbound rule refuses (clearance.net)
    │       └── HostUnresolved                   its host name did not resolve (may be temporary)
    ├── PolicyError                     exit 4   a policy file is invalid (every problem listed)
    ├── RegistryError                   exit 70  duplicate or unknown detector/kind at registration
    ├── DetectorUnavailable             exit 6   a detector's model or optional extra is missing
    ├── StorageError                    exit 5   the database or blob store failed
    │   ├── NotFound                             a catalog object that does not exist (HTTP 404)
    │   └── AuditError                           an audit event refused or not appended
    ├── AccessError                     exit 7
    │   ├── Unauthenticated                      no or bad credentials (HTTP 401)
    │   ├── Forbidden                            known user, not allowed (HTTP 403)
    │   ├── TooManyAttempts                      too many failed logins or tokens (HTTP 429)
    │   └── Withheld                             quarantined for the legal path (HTTP 451)
    ├── ReviewConflict                  exit 8   review state or rules refuse it (HTTP 409)
    └── ExpectationFailed               exit 1   the demo's expected outcome was not met

Problems that carry a location (``file:line``) are :class:`Problem` values, rendered as
``file:line: message (hint)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem in a user's file: ``file:line: message (hint)``."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    hint: str | None = None

    def rendered(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        text = f"{where}{self.field + ': ' if self.field else ''}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class ClearanceError(Exception):
    """Base of every error Clearance raises on purpose."""

    exit_code: int = 70

    def __init__(self, message: str, *, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems: tuple[Problem, ...] = tuple(problems)

    def rendered(self) -> str:
        """The message followed by every located problem, one per line."""
        lines = [self.message]
        lines.extend(p.rendered() for p in self.problems)
        return "\n".join(lines)


class ConfigurationError(ClearanceError):
    exit_code = 78


class InputError(ClearanceError):
    exit_code = 3


class ContentError(InputError):
    """Content that cannot be screened: empty, too large, undecodable."""


class ImportProblem(InputError):
    """A catalog file that cannot be read at all (as opposed to single bad rows)."""


class OutboundRefused(InputError):
    """A URL Clearance will not send a request to (see :mod:`clearance.net`): malformed, not
    http(s), with credentials or control characters, or aimed at a private, loopback,
    link-local, metadata or otherwise non-public address that the allow-list does not permit.
    ``reason`` is a short generic phrase, safe to store and show."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class HostUnresolved(OutboundRefused):
    """The URL's host name did not resolve: nothing was refused on purpose, and trying again
    later may work."""


class PolicyError(ClearanceError):
    """An invalid policy; ``problems`` holds every problem found, not only the first."""

    exit_code = 4


class RegistryError(ClearanceError):
    """A duplicate name or unknown kind at registration time."""


class DetectorUnavailable(ClearanceError):
    """A detector whose model or optional dependency is not installed."""

    exit_code = 6


class StorageError(ClearanceError):
    exit_code = 5


class NotFound(StorageError):
    """A catalog object that does not exist."""


class UnknownReference(InputError):
    """A request names, in its body or options rather than in its address, an object that does
    not exist: a version to bank, a team to route to, a user to assign. The address was found,
    so the API answers 422 (the request is what is wrong), not 404; the command line exits 5,
    as for :class:`NotFound`."""

    exit_code = 5


class AuditError(StorageError):
    """The audit log refused an event (not a registered event type, a subject of the wrong
    kind, no actor) or could not append it. The change it records is rolled back with it."""


class AccessError(ClearanceError):
    """Who is asking is unknown (:class:`Unauthenticated`) or may not do this
    (:class:`Forbidden`)."""

    exit_code = 7


class Unauthenticated(AccessError):
    """No, expired or wrong credentials (HTTP 401)."""


class Forbidden(AccessError):
    """Known user, not allowed (HTTP 403)."""


class TooManyAttempts(AccessError):
    """Too many failed logins or refused API tokens from an address or for an account: refused
    without checking until ``retry_after`` seconds have passed (HTTP 429, ``Retry-After``)."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Withheld(AccessError):
    """Content that was quarantined as it was screened (a minor next to an exposed intimate
    region): it is withheld from review and shown only to the legal role (HTTP 451)."""


class ReviewConflict(ClearanceError):
    """A review action that the item's state or the review rules refuse (HTTP 409): an item
    claimed by someone else, a lease that expired, one's own submission, a second review that is
    not by a senior, an overturned block without a written reason."""

    exit_code = 8


class ExpectationFailed(ClearanceError):
    """An expected outcome (the demo's) was not met."""

    exit_code = 1
