"""How review objects look in API responses: the models of
:mod:`clearance.service.models_public`, built from the ORM rows in the request's session. Reviewer
names are shown to reviewers and above only: a submitter sees what was decided and why, not who
decided it, nor who wrote a reviewer's comment (as in :mod:`clearance.review.context`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearance.review import audit, queue
from clearance.review.access import Actor
from clearance.review.context import comment_author
from clearance.screening import records
from clearance.service.models_public import (
    AssetRef,
    AuditEventPublic,
    CommentPublic,
    DeliveryPublic,
    FindingPublic,
    ItemContext,
    ItemDetail,
    ItemPublic,
    JobError,
    JobPublic,
    MePublic,
    ReasonPublic,
    TokenPublic,
    UserPublic,
    WebhookPublic,
)
from clearance.storage.job_models import Job
from clearance.storage.review_models import (
    ApiToken,
    AuditEvent,
    Comment,
    ReviewItem,
    User,
    WebhookDelivery,
    WebhookSubscription,
)


def usernames(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(wanted)))
    return {uid: name for uid, name in rows}


def item_summary(item: ReviewItem, actor: Actor, names: dict[int, str]) -> ItemPublic:
    """An item as listed: its state, screening decision, asset and claim."""
    version = item.version
    asset = version.asset
    is_reviewer = actor.at_least("reviewer")
    return ItemPublic(
        id=item.id, state=item.state, outcome=queue.FINAL_STATE_OUTCOME.get(item.state),
        screening_decision=item.screening_decision, policy_version=item.policy_version,
        risk=round(item.risk, 4), rules=list(item.rules), needs_two=item.needs_two,
        awaiting_senior=queue.awaiting_senior(item), title_id=asset.title_id,
        asset=AssetRef(id=asset.id, kind=asset.kind, locale=asset.locale,
                       channel=asset.channel),
        version_id=version.id, version_number=version.number, round=item.round,
        screening_id=item.screening_id, content_type=version.content_type,
        content_url=f"/api/items/{item.id}/content", team_id=item.team_id,
        submitted_by=names.get(item.submitted_by) if item.submitted_by else None,
        claimed_by=names.get(item.claimed_by) if is_reviewer and item.claimed_by else None,
        is_claimed=item.state == "claimed",
        lease_expires_at=item.lease_expires_at if is_reviewer else None,
        created_at=item.created_at, updated_at=item.updated_at, decided_at=item.decided_at)


def item_list(session: Session, actor: Actor, items: Sequence[ReviewItem]) -> list[ItemPublic]:
    names = usernames(session, [u for i in items for u in (i.submitted_by, i.claimed_by)])
    return [item_summary(i, actor, names) for i in items]


def comment_view(comment: Comment, actor: Actor) -> CommentPublic:
    """A comment as ``actor`` sees it: a reviewer's comment is unnamed to a submitter."""
    return CommentPublic(id=comment.id, author=comment_author(actor, comment.author),
                         body=comment.body, created_at=comment.created_at)


def item_detail(session: Session, actor: Actor, item: ReviewItem) -> ItemDetail:
    """An item with its findings (rounded, as ``clearance screen`` shows them), reasons,
    reviews, comments and title context."""
    summary = item_list(session, actor, [item])[0]
    context = ItemContext.model_validate(queue.item_context(session, actor, item.id))
    return ItemDetail(
        **summary.model_dump(),
        findings=[FindingPublic.model_validate(f.to_dict())
                  for f in records.findings_of(item.screening)],
        reasons=[ReasonPublic.model_validate(r) for r in item.reasons],
        reviews=context.reviews, comments=[comment_view(c, actor) for c in item.comments],
        context=context)


def token_view(token: ApiToken) -> TokenPublic:
    return TokenPublic(id=token.id, name=token.name, prefix=token.prefix,
                       created_at=token.created_at, expires_at=token.expires_at,
                       last_used_at=token.last_used_at, revoked_at=token.revoked_at)


def user_view(user: User, tokens: Sequence[ApiToken] = ()) -> UserPublic:
    return UserPublic(id=user.id, username=user.username, display_name=user.display_name,
                      role=user.role, team_id=user.team_id, active=user.active,
                      blur_images=user.blur_images, created_at=user.created_at,
                      tokens=[token_view(t) for t in tokens])


def me_view(actor: Actor, user: User | None) -> MePublic:
    return MePublic(id=actor.user_id, username=actor.username, role=actor.role,
                    team_id=actor.team_id, via=actor.via, token_id=actor.token_id,
                    display_name=user.display_name if user else actor.username,
                    blur_images=user.blur_images if user else True)


def webhook_view(sub: WebhookSubscription) -> WebhookPublic:
    return WebhookPublic(id=sub.id, url=sub.url, events=list(sub.events), active=sub.active,
                         created_at=sub.created_at)


def delivery_view(d: WebhookDelivery) -> DeliveryPublic:
    return DeliveryPublic(id=d.id, subscription_id=d.subscription_id, event_type=d.event_type,
                          status=d.status, attempts=d.attempts,
                          next_attempt_at=d.next_attempt_at,
                          last_status_code=d.last_status_code, last_error=d.last_error,
                          created_at=d.created_at, delivered_at=d.delivered_at)


def audit_view(event: AuditEvent) -> AuditEventPublic:
    return AuditEventPublic.model_validate(audit.as_dict(event))


def job_view(job: Job) -> JobPublic:
    """A job's progress: the items its done steps made and the errors of its failed ones, in
    the order of the batch's files."""
    return JobPublic(
        id=job.id, state=job.state, done=job.done, total=job.total,
        items=[s.item_id for s in job.steps if s.state == "done" and s.item_id is not None],
        errors=[JobError(file=s.name, detail=s.error or "failed")
                for s in job.steps if s.state == "failed"],
        created_at=job.created_at, started_at=job.started_at, heartbeat_at=job.heartbeat_at,
        finished_at=job.finished_at, url=f"/api/jobs/{job.id}")
