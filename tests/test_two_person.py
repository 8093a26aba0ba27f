"""The two-person rule's trigger is a policy setting (``two_person``): which rules or labels need
two people. By default it follows what the policy reviews or blocks because of a minor; the
shipped policy keeps its guesses (a semantic paraphrase) to one reviewer, so a TV-Y synopsis whose
"little sister gets all of the attention" is not a senior's work, while the Cuties copy and art
still need two people."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from clearance.errors import PolicyError
from clearance.findings import Fact, Finding, ImageBox, TextSpan
from clearance.policy.engine import Decision, evaluate
from clearance.policy.loader import load_policy, parse_policy_text
from clearance.policy.model import Policy
from clearance.review import queue
from clearance.review.access import Actor
from clearance.screening import Screener, ScreenResult
from clearance.settings import Settings
from clearance.storage import session_scope
from clearance.storage.models import Asset, AssetVersion, Title
from clearance.storage.review_models import User

TV_Y = ("The Carson kids win a talent show with a dance that Cory created. But when \"The "
        "Chrissy\" catches on, his little sister gets all of the attention.")
CUTIES = ("Amy, 11, becomes fascinated with a twerking dance crew. Hoping to join them, she "
          "starts to explore her femininity, defying her family's traditions.")


def span(label: str, score: float, text: str, start: int = 0, sentence: int = 0,
         **attrs: object) -> Finding:
    return Finding(label, score, TextSpan(start, start + len(text), text, sentence), "fake", "1",
                   tuple(attrs.items()))  # type: ignore[arg-type]


def box(label: str, score: float, **attrs: object) -> Finding:
    return Finding(label, score, ImageBox(10, 10, 50, 80), "fake", "1",
                   tuple(attrs.items()))  # type: ignore[arg-type]


#: The TV-Y synopsis as the semantic stage reads it: a child word, and a sentence that reads like
#: body-appearance framing to the embedding model (a guess).
LITTLE_SISTER = (
    span("minor.mentioned", 0.9, "little sister", 100, 1, age=None, age_band=None,
         group="child", term="little sister"),
    span("suggestive.text", 0.55, "his little sister gets all of the attention", 90, 1,
         category="body_appearance", framing=True, term="attention", source="semantic"),
    Finding("text.language", 0.99, Fact("language", "en"), "fake", "1"),
)
#: The Cuties synopsis: a stated age of 11 beside the lexicon's framing.
AMY = (
    span("minor.mentioned", 0.95, "Amy, 11", 0, 0, age=11, age_band=None, group="child",
         term="amy, 11"),
    span("suggestive.text", 0.85, "twerking", 30, 0, category="sexualised_dance", framing=True,
         term="twerking", source="lexicon"),
)
#: The withdrawn poster: a known minor of 11 and a suggestive whole-image score.
POSTER = (
    box("minor.known", 1.0, age=11, person="Fathia Youssouf"),
    Finding("suggestive.image", 0.8, Fact("suggestive", "0.8"), "fake", "1"),
)


def test_the_tv_y_synopsis_is_one_reviewers_and_the_cuties_cases_two() -> None:
    policy = load_policy()
    tv_y = evaluate(LITTLE_SISTER, policy)
    assert tv_y.outcome == "review"
    assert tv_y.rule_names == ["child-sexualised-paraphrase"]
    assert not tv_y.needs_two
    assert tv_y.to_dict()["rules"][0]["two_person"] is False
    amy = evaluate(AMY, policy)
    assert amy.outcome == "block" and amy.needs_two
    assert amy.to_dict()["rules"][0]["two_person"] is True
    poster = evaluate(POSTER, policy)
    assert poster.rule_names[0] == "minor-in-sexualised-image" and poster.needs_two
    # the revised English synopsis, reviewed because the French copy still frames the child
    revised = evaluate(AMY[:1], policy, {"synopsis/fr-FR/web": AMY[1:]})
    assert revised.rule_names == ["minor-with-sexualised-title-campaign"] and revised.needs_two


def test_a_minor_merely_mentioned_needs_one_person_under_the_default_setting() -> None:
    """A policy without ``two_person``: a rule that fired because of a minor needs two; a rule
    that fired on something else, with a minor mentioned beside it, needs one."""
    policy = parse_policy_text(
        "policy: p\nversion: 1\nrules:\n"
        "  - {name: framed, description: d, outcome: review,\n"
        "     when: {all: [{finding: minor.mentioned}, {finding: suggestive.text}]}}\n"
        "  - {name: lang, description: d, outcome: review, when: {finding: text.language}}\n",
        "p.yaml")
    assert policy.two_person.labels == ["minor.*"] and policy.two_person.rules == []
    both = evaluate(LITTLE_SISTER, policy)
    assert [(r.rule, r.needs_two) for r in both.fired] == [("framed", True), ("lang", False)]
    only_lang = evaluate((LITTLE_SISTER[0], LITTLE_SISTER[2]), policy)
    assert only_lang.outcome == "review" and not only_lang.needs_two  # the minor is mentioned only


def test_rules_and_labels_of_the_setting() -> None:
    text = ("policy: p\nversion: 1\n"
            "two_person: {rules: [lang], labels: []}\n"
            "rules:\n"
            "  - {name: framed, description: d, outcome: review,\n"
            "     when: {all: [{finding: minor.mentioned}, {finding: suggestive.text}]}}\n"
            "  - {name: lang, description: d, outcome: review, when: {finding: text.language}}\n")
    policy = parse_policy_text(text, "p.yaml")
    fired = evaluate(LITTLE_SISTER, policy).fired
    assert [(r.rule, r.needs_two) for r in fired] == [("framed", False), ("lang", True)]


def test_the_setting_is_validated_with_lines_and_hints() -> None:
    text = ("policy: p\nversion: 1\n"
            "two_person:\n"
            "  rules: [framd, note]\n"
            "  labels: [minor.knwn, nothing.*]\n"
            "rules:\n"
            "  - {name: framed, description: d, outcome: review,\n"
            "     when: {finding: minor.mentioned}}\n"
            "  - {name: note, description: d, outcome: pass, when: {finding: minor.mentioned}}\n")
    with pytest.raises(PolicyError) as err:
        parse_policy_text(text, "p.yaml")
    shown = [p.rendered() for p in err.value.problems]
    assert shown == [
        "p.yaml:4: two_person.rules[0]: two_person names 'framd', which is not a rule of this "
        "policy (did you mean 'framed'?)",
        "p.yaml:4: two_person.rules[1]: two_person names 'note', a pass rule: nothing it decides "
        "is queued (name review or block rules)",
        "p.yaml:5: two_person.labels[0]: two_person label 'minor.knwn' matches no finding label "
        "(did you mean 'minor.known'?)",
        "p.yaml:5: two_person.labels[1]: two_person label 'nothing.*' matches no finding label "
        "(see docs/labels.md)",
    ]
    with pytest.raises(PolicyError) as err:
        parse_policy_text(text.replace("  labels: [minor.knwn, nothing.*]\n",
                                       "  lables: [minor.known]\n")
                          .replace("framd, note", "framed"), "p.yaml")
    assert [p.rendered() for p in err.value.problems] == [
        "p.yaml:5: two_person.lables: Extra inputs are not permitted (remove it, or check its "
        "spelling against docs/policy.md)"]


def test_a_stored_trace_round_trips_the_answer_and_an_old_one_reads_the_default() -> None:
    decision = evaluate(LITTLE_SISTER, load_policy())
    again = Decision.from_dict(decision.to_dict())
    assert again == decision and not again.needs_two
    old = decision.to_dict()
    del old["rules"][0]["two_person"]  # a trace stored before policies said
    assert Decision.from_dict(old).needs_two  # the default: reviewed because of a minor


@pytest.fixture
def studio(engine: Engine) -> Iterator[tuple[Engine, Actor]]:
    with session_scope(engine) as s:
        s.add(Title(id="s2580", original_title="Go! Go! Cory Carson: The Chrissy", type="movie",
                    rating="TV-Y"))
        u = User(username="sub", display_name="Sub", role="submitter", team_id=None)
        s.add(u)
        s.flush()
        actor = Actor(u.id, "sub", "submitter", None, "session")
    yield engine, actor


def _submit(engine: Engine, actor: Actor, kind: str, result: ScreenResult) -> bool:
    with session_scope(engine) as s:
        asset = Asset(title_id="s2580", kind=kind, locale="en", channel="web")
        s.add(asset)
        s.flush()
        version = AssetVersion(asset_id=asset.id, content_sha256=kind.ljust(64, "0"),
                               content_type="text/plain", size_bytes=10, created_by="sub")
        s.add(version)
        s.flush()
        item, _ = queue.submit_result(s, actor, version, result, team_id=None)
        return item.needs_two


def test_the_queue_routes_by_the_policy_setting(studio: tuple[Engine, Actor]) -> None:
    engine, actor = studio
    policy = load_policy()
    tv_y = ScreenResult("s2580", "text", evaluate(LITTLE_SISTER, policy), LITTLE_SISTER)
    cuties = ScreenResult("s2032", "text", evaluate(AMY, policy), AMY)
    assert _submit(engine, actor, "synopsis", tv_y) is False
    assert _submit(engine, actor, "tagline", cuties) is True
    with Session(engine) as s:
        assert [i.needs_two for i in queue.list_queue(
            s, Actor(0, "x", "reviewer", None, "session"))] == [True, False]


def test_the_real_tv_y_synopsis_screened_with_the_semantic_stage() -> None:
    """The catalog's s2580 synopsis, screened as the issue saw it (semantic stage on): queued
    for one reviewer's look, not a senior's; the Cuties synopsis needs two."""
    screener = Screener.from_settings(Settings(semantic="always"))
    tv_y = screener.screen_text(TV_Y, rating="TV-Y")
    assert tv_y.decision.outcome == "review" and not tv_y.decision.needs_two
    cuties = screener.screen_text(CUTIES, rating="TV-MA")
    assert cuties.decision.outcome == "block" and cuties.decision.needs_two


def test_policy_model_default_is_the_documented_one() -> None:
    assert Policy.model_fields["two_person"].default_factory is not None
    text = (load_policy().model_dump()["two_person"])
    assert "child-sexualised-paraphrase" not in text["rules"]
    assert "child-sexualised-copy" in text["rules"]


def test_the_cuties_demo_items_still_need_two_people(tmp_path: Path) -> None:
    """The demo's queue (the real case): both posters, both English synopses and the original
    French one need a reviewer and a senior; the thumbnail blocked only as a near-copy of the
    withdrawn poster (no minor in its findings) and the passed French revision do not."""
    from clearance.demo import run_demo
    from clearance.demo.serve import seed_review
    from clearance.storage import ready_engine
    from clearance.storage.review_models import ReviewItem

    settings = Settings(data_dir=tmp_path, environment="development")
    seed_review(settings, run_demo(settings, Screener.from_settings(settings)))
    with ready_engine(settings.resolved_database_url) as engine, \
            session_scope(engine) as s:
        found = {(i.version.asset.kind, i.version.asset.locale, i.version.number):
                 (i.screening_decision, i.needs_two) for i in s.query(ReviewItem)}
    assert found == {
        ("key_art", "und", 1): ("block", True), ("key_art", "und", 2): ("block", True),
        ("synopsis", "en", 1): ("block", True), ("synopsis", "en", 2): ("review", True),
        ("synopsis", "fr", 1): ("block", True), ("synopsis", "fr", 2): ("pass", False),
        ("thumbnail", "fr-FR", 1): ("block", False)}
