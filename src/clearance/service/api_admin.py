"""API routes for administration and oversight: users and their roles, API tokens, webhook
subscriptions and which team an asset belongs to (admins), and the audit log (senior reviewers
and admins; verifying the chain is for admins). Every change is audited by the domain functions
called here."""

from __future__ import annotations

from typing import Annotated, Final, Literal

from fastapi import APIRouter, Query, Response

from clearance.errors import InputError, UnknownReference
from clearance.review import access, audit, webhooks
from clearance.service import views
from clearance.service.deps import AdminDep, SeniorDep, SessionDep, StateDep
from clearance.service.models_public import (
    AssetPublic,
    AuditPage,
    ChainReportPublic,
    DeliveryList,
    TokenIssued,
    UserList,
    UserPublic,
    WebhookCreated,
    WebhookList,
)
from clearance.service.params import MAX_ID, IdPath
from clearance.service.schemas import (
    AssetTeamIn,
    RoleUpdate,
    TokenCreate,
    UserCreate,
    WebhookCreate,
)
from clearance.storage.review_models import DELIVERY_STATES, ApiToken, Team

router = APIRouter(tags=["admin"])
SHOWN_ONCE: Final = "store this secret now: it is not shown again"


@router.get("/users")
def list_users(actor: AdminDep, session: SessionDep) -> UserList:
    """Every user with their tokens (never the secrets)."""
    tokens: dict[int, list[ApiToken]] = {}
    for token in access.list_tokens(session):
        tokens.setdefault(token.user_id, []).append(token)
    return UserList(users=[views.user_view(u, tokens.get(u.id, ()))
                           for u in access.list_users(session)])


@router.post("/users", status_code=201)
def create_user(body: UserCreate, actor: AdminDep, session: SessionDep,
                response: Response) -> UserPublic:
    """Create a user (and their team if new); without a password the user is token-only."""
    user = access.create_user(session, actor.audit_name, body.username, role=body.role,
                              team_id=body.team_id, password=body.password,
                              display_name=body.display_name)
    response.headers["Location"] = f"/api/users/{user.username}"
    return views.user_view(user)


@router.put("/users/{username}/role")
def set_role(username: str, body: RoleUpdate, actor: AdminDep,
             session: SessionDep) -> UserPublic:
    """Change a user's role (audited as ``user.role``)."""
    return views.user_view(access.set_role(session, actor.audit_name, username, body.role))


@router.post("/users/{username}/tokens", status_code=201)
def issue_token(username: str, body: TokenCreate, actor: AdminDep,
                session: SessionDep) -> TokenIssued:
    """A new API token; the secret is in this response and never again."""
    token, secret = access.issue_token(session, actor.audit_name, username, body.name,
                                       body.expires_days)
    return TokenIssued(**views.token_view(token).model_dump(), user=username, secret=secret,
                       warning=SHOWN_ONCE)


@router.delete("/tokens/{token_id}", status_code=204, response_class=Response)
def revoke_token(token_id: IdPath, actor: AdminDep, session: SessionDep) -> Response:
    """Revoke an API token (revoking twice is not an error)."""
    access.revoke_token(session, actor.audit_name, token_id)
    return Response(status_code=204)


@router.put("/assets/{asset_id}/team")
def set_asset_team(asset_id: IdPath, body: AssetTeamIn, actor: AdminDep,
                   session: SessionDep) -> AssetPublic:
    """Give an asset to a team: only that team's submitters may add versions to it (reviewers
    and admins may add to any). ``null`` leaves it to no team. Audited as ``asset.team``."""
    if body.team_id is not None and session.get(Team, body.team_id) is None:
        raise UnknownReference(f"no team {body.team_id!r} (a team exists once a user "
                               "belongs to it)")
    asset = access.set_asset_team(session, actor.audit_name, asset_id, body.team_id)
    return AssetPublic(id=asset.id, title_id=asset.title_id, kind=asset.kind,
                       locale=asset.locale, channel=asset.channel, team_id=asset.team_id)


@router.get("/webhooks")
def list_webhooks(actor: AdminDep, session: SessionDep,
                  include_inactive: bool = False) -> WebhookList:
    """Webhook subscriptions (never their secrets)."""
    subs = webhooks.list_subscriptions(session, include_inactive=include_inactive)
    return WebhookList(webhooks=[views.webhook_view(s) for s in subs])


@router.post("/webhooks", status_code=201)
def add_webhook(body: WebhookCreate, actor: AdminDep, session: SessionDep,
                state: StateDep) -> WebhookCreated:
    """Subscribe a URL to events; the signing secret is in this response and never again. The
    URL must pass the service's outbound rule (``CLEARANCE_OUTBOUND_ALLOW``; outside
    development, public addresses only): 422 otherwise."""
    sub, secret = webhooks.subscribe(session, actor.audit_name, body.url, body.secret,
                                     body.events, outbound=state.settings)
    return WebhookCreated(**views.webhook_view(sub).model_dump(), secret=secret,
                          warning=SHOWN_ONCE)


@router.delete("/webhooks/{webhook_id:int}", status_code=204, response_class=Response)
def remove_webhook(webhook_id: IdPath, actor: AdminDep, session: SessionDep) -> Response:
    """Deactivate a subscription (its delivery log is kept)."""
    webhooks.unsubscribe(session, actor.audit_name, webhook_id)
    return Response(status_code=204)


@router.get("/webhooks/deliveries")
def list_deliveries(actor: AdminDep, session: SessionDep,
                    status: Literal["pending", "delivered", "failed"] | None = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> DeliveryList:
    """The delivery log, newest first; ``status`` one of pending, delivered, failed."""
    if status is not None and status not in DELIVERY_STATES:
        raise InputError(f"unknown delivery status {status!r} ({', '.join(DELIVERY_STATES)})")
    rows = webhooks.list_deliveries(session, status=status, limit=limit)
    return DeliveryList(deliveries=[views.delivery_view(d) for d in rows])


@router.get("/audit")
def list_audit(actor: SeniorDep, session: SessionDep,
               since: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
               subject: str | None = None,
               event_type: Annotated[str | None, Query(alias="type")] = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> AuditPage:
    """Audit events after ``since`` (a ``seq``), in chain order; ``next_since`` pages on."""
    events = list(audit.iter_events(session, since=since, subject=subject, type_=event_type,
                                    limit=limit))
    return AuditPage(events=[views.audit_view(e) for e in events],
                     next_since=events[-1].seq if events else since)


@router.get("/audit/verify")
def verify_audit(actor: AdminDep, session: SessionDep) -> ChainReportPublic:
    """Recompute the hash chain; ``ok`` false names the first broken event."""
    report = audit.verify(session)
    return ChainReportPublic(ok=report.ok, checked=report.checked,
                             broken_seq=report.broken_seq, problem=report.problem)
