"""Incidents on SQLite and PostgreSQL: opened by hand, by a person from an alert and by an alert
rule on its own, tied to the versions live at the onset with how they got out ("approved by jo
and robin on 2020-08-18 despite minor.known ×4"); every state, owner and link change audited,
with the 'incident' webhook on open, close and reopen; every response action recorded (and the
first one moving the incident to responding); withdraw everywhere all or nothing (the sixth of
ten variants refused by the database leaves all ten as they were); a replacement screened and
queued like any upload; and everything, audit trail included, read back by a new engine."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from clearance.bank.hashing import availability as bank_availability
from clearance.catalog.publication import publish, was_withdrawn
from clearance.demo.art import draw_poster
from clearance.errors import InputError, ReviewConflict, StorageError
from clearance.findings import Finding, ImageBox
from clearance.incidents import actions, records
from clearance.incidents.learning import learn
from clearance.incidents.views import incident_view
from clearance.monitor import alerts as alert_rules
from clearance.monitor.alert_context import raise_alerts
from clearance.monitor.scoring import Scorer
from clearance.policy.engine import Decision
from clearance.policy.loader import load_policy
from clearance.review import audit, queue, webhooks
from clearance.screening import ScreenResult
from clearance.storage import LocalBlobStore, make_engine, session_scope
from clearance.storage.bank_models import BankEntry
from clearance.storage.incident_models import Incident, IncidentAction
from clearance.storage.models import AssetVersion, Title
from clearance.storage.review_models import AuditEvent, WebhookDelivery
from clearance.storage.screening_models import Publication
from incident_world import KNOWN, ONSET, PUBLISHED, IncidentWorld, actor, hourly_posts

UTC = dt.UTC


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer()


@pytest.fixture
def world(engine: Engine, blobs: LocalBlobStore, tmp_path: Path) -> IncidentWorld:
    return IncidentWorld(engine, blobs, tmp_path)


def _types(engine: Engine, prefix: str = "incident.") -> list[str]:
    with session_scope(engine) as s:
        return [t for t in s.scalars(select(AuditEvent.type).order_by(AuditEvent.seq))
                if t.startswith(prefix)]


def _deliveries(engine: Engine) -> list[dict[str, object]]:
    with session_scope(engine) as s:
        rows = s.scalars(select(WebhookDelivery).where(WebhookDelivery.event_type == "incident")
                         .order_by(WebhookDelivery.id)).all()
        return [json.loads(r.payload)["data"] for r in rows]


def test_opened_by_hand_ties_the_live_versions_with_how_they_got_out(
        world: IncidentWorld) -> None:
    with session_scope(world.engine) as s:
        webhooks.subscribe(s, "t", "https://example.org/hook", events=("incident",))
    with session_scope(world.engine) as s:
        incident = records.open_incident(s, title_id="s2032", name="Poster backlash",
                                         by="user:jo", owner="jo", onset=ONSET,
                                         now=ONSET + dt.timedelta(hours=1))
        incident_id = incident.id
    with session_scope(world.engine) as s:
        view = incident_view(s, records.get_incident(s, incident_id))
    assert (view["state"], view["owner"], view["opened_from"]) == ("open", "jo", "hand")
    live = {v["version_id"]: v for v in view["versions"]}
    assert set(live) == {world.key_art, world.synopsis}
    art = live[world.key_art]
    assert art["role"] == "live" and art["ref"] == "s2032/key_art/und/web/v1"
    assert art["cleared"] == ("approved by jo and robin on 2020-08-18 (an override of the "
                              "screening's block) despite minor.known ×4, suggestive.image ×1")
    assert art["screening"]["decision"] == "block"
    assert art["review"]["approved_by"] == ["jo", "robin"] and art["review"]["is_override"]
    assert art["publication"]["live_from"] == PUBLISHED.isoformat()
    assert [t["kind"] for t in view["timeline"]] == ["opened", "version", "version"]
    assert _types(world.engine) == ["incident.open"]
    [delivery] = _deliveries(world.engine)
    assert (delivery["change"], delivery["id"], delivery["state"]) == ("opened", incident_id,
                                                                      "open")
    # a version live only later is not a cause; one linked by hand is "added"
    late = world.version("thumbnail", "fr-FR", b"late", "image/png")
    with session_scope(world.engine) as s:
        incident = records.get_incident(s, incident_id)
        assert records.link_version(s, incident, late, by="user:jo")
        assert not records.link_version(s, incident, late, by="user:jo")
    with pytest.raises(InputError, match="onset cannot be in the future"), \
            session_scope(world.engine) as s:
        records.open_incident(s, title_id="s2032", by="user:jo",
                                  now=ONSET, onset=ONSET + dt.timedelta(days=1))
    with session_scope(world.engine) as s:
        roles = {v.version_id: v.role for v in records.linked_versions(s, incident_id)}
    assert roles == {world.key_art: "live", world.synopsis: "live", late: "added"}
    assert _types(world.engine) == ["incident.open", "incident.link"]


def test_states_and_owners_are_audited_and_announced(world: IncidentWorld) -> None:
    with session_scope(world.engine) as s:
        webhooks.subscribe(s, "t", "https://example.org/hook", events=("incident",))
        incident_id = records.open_incident(s, title_id="s2032", by="user:jo", now=ONSET).id

    def move(state: str, reason: str = "") -> str:
        with session_scope(world.engine) as s:
            return records.set_state(s, records.get_incident(s, incident_id), state,
                                     by="user:jo", reason=reason, now=ONSET).state

    assert move("responding") == "responding"
    assert move("monitoring") == "monitoring"
    assert move("responding") == "responding"
    with pytest.raises(InputError, match="closing an incident needs a reason"):
        move("closed")
    assert move("closed", "the poster is replaced and the posts faded") == "closed"
    with pytest.raises(ReviewConflict, match="closed: it can go to responding, not monitoring"):
        move("monitoring")
    with pytest.raises(ReviewConflict, match="closed: reopen it"), \
            session_scope(world.engine) as s:
        actions.statement(s, incident_id, "We are sorry.", channel="x", by="user:jo")
    assert move("responding", "the film is criticised now") == "responding"
    with session_scope(world.engine) as s:
        incident = records.get_incident(s, incident_id)
        assert incident.closed_at is None
        records.set_owner(s, incident, "robin", by="user:jo")
        records.set_owner(s, incident, "robin", by="user:jo")  # no change, no event
        with pytest.raises(InputError, match="no active user 'nobody'"):
            records.set_owner(s, incident, "nobody", by="user:jo")
    assert _types(world.engine) == ["incident.open"] + ["incident.state"] * 5 + [
        "incident.owner"]
    changes = [d["change"] for d in _deliveries(world.engine)]
    assert changes == ["opened", "closed", "reopened"]
    with session_scope(world.engine) as s:
        states = [json.loads(e.data) for e in audit.iter_events(s, type_="incident.state")]
        assert [(d["from"], d["to"]) for d in states] == [
            ("open", "responding"), ("responding", "monitoring"), ("monitoring", "responding"),
            ("responding", "closed"), ("closed", "responding")]
        assert audit.verify(s).ok


def _backlash(world: IncidentWorld, scorer: Scorer) -> None:
    quiet = hourly_posts(ONSET - dt.timedelta(days=2), 48, 2, "Watching #Cuties on Netflix "
                         "tonight", "q", step=0)
    loud = hourly_posts(ONSET, 3, 30, "That #Cuties poster sexualises 11 year olds. "
                        "Disgusting.", "b", step=0)
    world.posts(scorer, quiet + loud)


def test_an_alert_rule_opens_an_incident_and_links_later_alerts(
        world: IncidentWorld, scorer: Scorer, tmp_path: Path) -> None:
    _backlash(world, scorer)
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: t\nrules:\n"
        "  - {name: child, kind: theme, signal: child_sexualisation, min_count: 5, "
        "min_share: 0.1, open_incident: true, cooldown_hours: 1}\n"
        "  - {name: volume, kind: theme, signal: boycott, min_count: 1000}\n", "utf-8")
    ruleset = alert_rules.load_rules(rules)
    for hour in (1, 2):
        now = ONSET + dt.timedelta(hours=hour, minutes=5)
        with session_scope(world.engine) as s:
            raise_alerts(s, alert_rules.evaluate(s, ruleset, now=now), at=now)
    with session_scope(world.engine) as s:
        [incident] = s.scalars(select(Incident)).all()
        view = incident_view(s, incident)
    assert (view["opened_from"], view["opened_by"], view["state"]) == ("alert", "system", "open")
    assert len(view["alerts"]) == 2  # the second alert joined the open incident
    assert {v["version_id"] for v in view["versions"]} == {world.key_art, world.synopsis}
    assert view["themes"]["child_sexualisation"] > 0.5
    assert view["top_posts"] and view["top_posts"][0]["text"].startswith("That #Cuties poster")
    assert _types(world.engine) == ["incident.open", "incident.link"]
    # a rule without open_incident opens nothing
    with session_scope(world.engine) as s:
        records.set_state(s, records.get_incident(s, view["id"]), "closed", by="user:jo",
                          reason="done")
    plain = alert_rules.load_rules(rules).model_copy(update={"rules": [
        r.model_copy(update={"open_incident": False, "name": "child2"})
        for r in ruleset.rules[:1]]})
    now = ONSET + dt.timedelta(hours=3, minutes=5)
    with session_scope(world.engine) as s:
        assert raise_alerts(s, alert_rules.evaluate(s, plain, now=now), at=now)
    with session_scope(world.engine) as s:
        assert len(s.scalars(select(Incident)).all()) == 1


def test_every_action_is_recorded_and_audited(world: IncidentWorld) -> None:
    with session_scope(world.engine) as s:
        incident_id = records.open_incident(s, title_id="s2032", by="user:jo", now=ONSET).id
    at = ONSET + dt.timedelta(hours=5)
    with session_scope(world.engine) as s:
        actions.statement(s, incident_id, "We are sorry for the artwork.", channel="x",
                          by="user:jo", at=at)
        actions.rating_changed(s, incident_id, "TV-14", by="user:jo", reason="re-rated", at=at)
        actions.placement_changed(s, incident_id, placement_from="kids row",
                                  placement_to="removed", by="user:jo",
                                  version_id=world.key_art, at=at)
        actions.escalate(s, incident_id, to="legal", reason="the film is criticised", by="user:jo",
                         at=at)
        with pytest.raises(InputError, match="a statement needs visible words"):
            actions.statement(s, incident_id, " \u200b ", channel="x", by="user:jo")
    with session_scope(world.engine) as s:
        view = incident_view(s, records.get_incident(s, incident_id))
        assert s.get_one(Title, "s2032").rating == "TV-14"
    assert view["state"] == "responding"  # the first action moved it
    assert [a["kind"] for a in view["actions"]] == ["statement", "rating_changed",
                                                    "placement_changed", "escalation"]
    assert view["actions"][1]["detail"] == {"title_id": "s2032", "from": "TV-MA",
                                            "to": "TV-14", "reason": "re-rated"}
    assert view["actions"][2]["detail"]["version"] == "s2032/key_art/und/web/v1"
    assert _types(world.engine) == ["incident.open", "incident.action", "incident.state",
                                    *["incident.action"] * 3]


def test_a_replacement_is_screened_and_queued_before_it_goes_live(world: IncidentWorld) -> None:
    with session_scope(world.engine) as s:
        incident_id = records.open_incident(s, title_id="s2032", by="user:jo", now=ONSET).id
    replacement = draw_poster("replacement")
    action = actions.replace(world.engine, world.blobs, world.screener(), incident_id,
                             str(world.key_art), replacement, content_type="image/png",
                             by="user:jo", now=ONSET + dt.timedelta(hours=2))
    detail = action.detail
    assert action.kind == "replace"
    assert detail["replaced"]["version_id"] == world.key_art
    assert detail["replacement"]["ref"] == "s2032/key_art/und/web/v2"
    assert detail["screening"]["decision"] == "pass" and detail["review"]["state"] == "passed"
    with session_scope(world.engine) as s:
        assert actions.effective_at(s, s.get_one(IncidentAction, action.id)) is None  # not live
        new = s.get_one(AssetVersion, detail["replacement"]["version_id"])
        publish(s, new, by="user:sub", now=ONSET + dt.timedelta(hours=3))
    with session_scope(world.engine) as s:
        assert actions.effective_at(s, s.get_one(IncidentAction, action.id)) == \
            ONSET + dt.timedelta(hours=3)
    # copy: a block goes to the queue, and 'copy_rewritten' is for copy only
    rewrite = actions.replace(world.engine, world.blobs, world.screener(), incident_id,
                              str(world.synopsis), b"Amy, 11, twerks.",
                              content_type="text/plain; charset=utf-8", by="user:jo")
    assert rewrite.kind == "copy_rewritten"
    with pytest.raises(InputError, match="is a picture: use 'replace'"), \
            session_scope(world.engine) as s:
        actions.link_replacement(s, incident_id, str(world.key_art),
                                 str(detail["replacement"]["version_id"]), by="user:jo",
                                 kind="copy_rewritten")
    with pytest.raises(InputError, match="same content"):
        actions.replace(world.engine, world.blobs, world.screener(), incident_id,
                        str(world.key_art), draw_poster("withdrawn"), content_type="image/png",
                        by="user:jo")


def _refuse_withdrawal_of(engine: Engine, version_id: int) -> None:
    """A database trigger refusing to mark ``version_id`` withdrawn (an injected failure)."""
    with engine.begin() as c:
        if engine.dialect.name == "sqlite":
            for event in ("INSERT", "UPDATE"):
                c.execute(text(
                    f"CREATE TRIGGER refuse_{event.lower()} BEFORE {event} ON publications "
                    f"WHEN NEW.version_id = {version_id} AND NEW.end_reason = 'withdrawn' "
                    "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"))
        else:
            c.execute(text(
                "CREATE FUNCTION refuse_withdrawal() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.version_id = {version_id} AND NEW.end_reason = 'withdrawn' THEN "
                "RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$ "
                "LANGUAGE plpgsql"))
            c.execute(text("CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON publications FOR "
                           "EACH ROW EXECUTE FUNCTION refuse_withdrawal()"))


def _drop_refusal(engine: Engine) -> None:
    with engine.begin() as c:
        if engine.dialect.name == "sqlite":
            c.execute(text("DROP TRIGGER refuse_insert"))
            c.execute(text("DROP TRIGGER refuse_update"))
        else:
            c.execute(text("DROP TRIGGER refuse ON publications"))
            c.execute(text("DROP FUNCTION refuse_withdrawal()"))


@pytest.mark.skipif(not bank_availability(), reason="the bank extra (pdqhash) is needed")
def test_withdraw_everywhere_is_all_or_nothing(world: IncidentWorld) -> None:
    """Ten variants of the key art; the database refuses the sixth: all ten stay as they were
    (publications, bank, audit log, webhooks, the incident's actions); then all ten go."""
    poster = draw_poster("withdrawn")
    variants = [world.key_art] + [
        world.version("key_art", locale, poster, "image/png", channel="partner")
        for locale in ("en-US", "fr-FR", "es-ES", "de-DE", "it-IT", "pt-BR", "nl-NL", "pl-PL",
                       "sv-SE")]
    assert len(variants) == 10
    with session_scope(world.engine) as s:
        webhooks.subscribe(s, "t", "https://example.org/hook", events=("withdrawal",))
        incident_id = records.open_incident(s, title_id="s2032", by="user:jo", now=ONSET).id
    from clearance.bank import lineage

    order = lineage.check_expected(lineage.plan(world.engine, world.blobs, str(world.key_art)),
                                   None)
    assert sorted(order) == sorted(variants)
    _refuse_withdrawal_of(world.engine, order[5])

    def state() -> tuple[object, ...]:
        with session_scope(world.engine) as s:
            return (sorted((p.version_id, p.end_reason, p.live_until is None)
                           for p in s.scalars(select(Publication))),
                    s.scalars(select(BankEntry.version_id)).all(),
                    s.scalars(select(AuditEvent.type)).all(),
                    s.scalars(select(WebhookDelivery.id)).all(),
                    s.scalars(select(IncidentAction.id)).all(),
                    records.get_incident(s, incident_id).state)

    before = state()
    with pytest.raises(StorageError, match="injected failure"):
        actions.withdraw_everywhere(world.engine, world.blobs, incident_id, str(world.key_art),
                                    by="user:jo", reason="inappropriate artwork")
    assert state() == before
    with session_scope(world.engine) as s:
        assert not any(was_withdrawn(s, v) for v in variants)
    _drop_refusal(world.engine)
    action = actions.withdraw_everywhere(world.engine, world.blobs, incident_id,
                                         str(world.key_art), by="user:jo",
                                         reason="inappropriate artwork", now=ONSET)
    assert sorted(w["version_id"] for w in action.detail["withdrawn"]) == sorted(variants)
    with session_scope(world.engine) as s:
        assert all(was_withdrawn(s, v) for v in variants)
        # the ten hold the same bytes: one bank entry, under the version asked about
        assert s.scalars(select(BankEntry.version_id)).all() == [world.key_art]
        assert records.get_incident(s, incident_id).state == "responding"
    # confirmed ids that no longer match the plan are refused
    with pytest.raises(ReviewConflict, match="changed since"):
        actions.withdraw_everywhere(world.engine, world.blobs, incident_id, str(world.key_art),
                                    by="user:jo", reason="again", expect=[world.key_art])


def test_an_incident_and_its_audit_trail_survive_a_restart(world: IncidentWorld,
                                                           database_url: str) -> None:
    with session_scope(world.engine) as s:
        incident_id = records.open_incident(s, title_id="s2032", by="user:jo", owner="jo",
                                            now=ONSET).id
    with session_scope(world.engine) as s:
        actions.statement(s, incident_id, "We are sorry.", channel="x", by="user:jo", at=ONSET)
        records.set_state(s, records.get_incident(s, incident_id), "closed", by="user:jo",
                          reason="faded", now=ONSET + dt.timedelta(days=1))
    with session_scope(world.engine) as s:
        before = incident_view(s, records.get_incident(s, incident_id))
        trail = [audit.as_dict(e) for e in audit.iter_events(s, subject=f"incident:{incident_id}")]
    world.engine.dispose()
    fresh = make_engine(database_url)
    try:
        with session_scope(fresh) as s:
            after = incident_view(s, records.get_incident(s, incident_id))
            assert [audit.as_dict(e) for e in audit.iter_events(
                s, subject=f"incident:{incident_id}")] == trail
            assert audit.verify(s).ok
    finally:
        fresh.dispose()
    assert after == before
    assert [e["type"] for e in trail] == ["incident.open", "incident.action", "incident.state",
                                          "incident.state"]
    assert after["state"] == "closed" and after["close_reason"] == "faded"


def test_a_quarantined_version_is_named_but_never_shown(world: IncidentWorld) -> None:
    """A version whose (constructed) findings put a minor next to an exposed intimate region is
    held; linked to an incident it shows only its place: no screening, review or hash."""
    exposed = Finding("exposure.buttocks.exposed", 0.9, ImageBox(1, 1, 10, 10), "exposure", "1",
                      attributes=(("region", "buttocks"), ("state", "exposed")))
    held = world.version("still", "und", b"drawn still", "image/png")
    with session_scope(world.engine) as s:
        queue.submit_result(s, actor(world.engine, "sub"), s.get_one(AssetVersion, held),
                            ScreenResult("x", "image", Decision("block", "p@1"),
                                         (KNOWN[0], exposed)), team_id="studio")
    with session_scope(world.engine) as s:
        incident = records.open_incident(s, title_id="s2032", by="user:jo", now=ONSET)
        records.link_version(s, incident, held, by="user:jo")
        view = incident_view(s, incident)
        study = learn(s, incident, load_policy())
    [shown] = [v for v in view["versions"] if v["version_id"] == held]
    assert shown["quarantined"] and shown["screening"] is None and "sha256" not in shown
    assert shown["cleared"] == "quarantined: shown to the legal role only"
    assert held not in {c["version_id"] for c in study["causes"]}
