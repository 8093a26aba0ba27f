"""Did it work: the trend counterfactual and share intervals on numbers worked by hand, the matched
windows around an action (partial when the stream has not reached their end), subjects, the
theme shift named when the posts move from the poster to the film, overlapping actions listed;
and learning from an incident: the rules that acted, recorded and did not fire on its causes,
and a draft tried with the what-if over the catalog."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from clearance.incidents import actions, records
from clearance.incidents.effect import measure, name_shift, share_change, trend_change, windows
from clearance.incidents.learning import learn
from clearance.incidents.outcome import measure_actions, theme_shift
from clearance.incidents.report import render_html
from clearance.incidents.subjects import default_subjects
from clearance.monitor.scoring import Scorer
from clearance.policy.loader import load_policy
from clearance.storage import LocalBlobStore, session_scope
from incident_world import ONSET, IncidentWorld, hourly_posts

UTC = dt.UTC
POSTER = "That #Cuties poster sexualises 11 year olds."
FILM = "The #Cuties film itself sexualises 11 year olds, cancel Netflix."


def test_trend_counterfactual_worked_by_hand() -> None:
    # a straight rise 10, 12, ..., 32 over 12 hours carries on to 34 ... 56 (sum 540)
    before = [10 + 2 * h for h in range(12)]
    flat = trend_change(before, [20] * 12)
    assert flat["expected"] == pytest.approx(540)
    assert flat["change"] == pytest.approx(240 - 540)
    assert flat["low"] == flat["high"] == pytest.approx(-300)  # a perfect line: no spread
    noisy = trend_change([10, 14, 12, 16, 14, 18, 16, 20, 18, 22, 20, 24], [20] * 12)
    assert noisy["low"] < noisy["change"] < noisy["high"] < 0
    assert trend_change([1, 2], [3])["expected"] is None  # too short to fit a line


def test_share_change_interval() -> None:
    out = share_change(50, 100, 20, 100)
    assert (out["before"], out["after"], out["change"]) == (0.5, 0.2, -0.3)
    assert out["low"] == pytest.approx(-0.3 - 1.96 * (0.25 / 100 + 0.16 / 100) ** 0.5, abs=1e-4)
    assert share_change(0, 0, 1, 2)["change"] is None


def test_windows_are_matched_whole_hours_and_partial_at_the_stream_end() -> None:
    at = dt.datetime(2020, 8, 20, 10, 17, tzinfo=UTC)
    w = windows(at, 12, now=dt.datetime(2020, 8, 20, 16, 40, tzinfo=UTC))
    assert w.before == (dt.datetime(2020, 8, 19, 22, tzinfo=UTC),
                        dt.datetime(2020, 8, 20, 10, tzinfo=UTC))
    assert w.after[0] == dt.datetime(2020, 8, 20, 11, tzinfo=UTC)  # the action's hour is left out
    assert (w.observed, w.is_complete) == (5, False)


def test_subjects() -> None:
    lexicon = default_subjects()
    assert lexicon.subjects("The film's poster is disgusting") == {"poster"}
    assert lexicon.subjects("Read the Cuties synopsis") == {"description"}
    assert lexicon.subjects("Ce film montre des scènes choquantes") == {"film"}
    assert lexicon.subjects("Cancel Netflix") == set()


def test_name_shift_needs_a_significant_fall_and_rise() -> None:
    def m(before: float, after: float, low: float, high: float) -> dict[str, object]:
        return {"share": {"before": before, "after": after, "change": after - before,
                          "low": low, "high": high}}

    moved = name_shift({"poster": m(0.6, 0.1, -0.6, -0.4), "film": m(0.1, 0.6, 0.4, 0.6),
                        "description": m(0.2, 0.2, -0.1, 0.1)})
    assert moved is not None and (moved["from"], moved["to"]) == ("poster", "film")
    assert "from the poster (60% → 10% of posts) to the film itself (10% → 60%)" in \
        str(moved["summary"])
    assert name_shift({"poster": m(0.6, 0.55, -0.1, 0.0), "film": m(0.1, 0.6, 0.4, 0.6)}) is None


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer()


@pytest.fixture
def world(engine: Engine, blobs: LocalBlobStore, tmp_path: Path) -> IncidentWorld:
    return IncidentWorld(engine, blobs, tmp_path)


def test_effects_of_actions_and_the_theme_shift(world: IncidentWorld, scorer: Scorer) -> None:
    """Twelve hours of rising posts about the poster; after the withdrawal the poster fades and
    the film takes over."""
    act = ONSET + dt.timedelta(hours=12)
    posts = hourly_posts(ONSET, 12, 10, POSTER, "p", step=2)
    posts += hourly_posts(act + dt.timedelta(hours=1), 12, 4, POSTER, "a", step=0)
    posts += hourly_posts(act + dt.timedelta(hours=1), 12, 20, FILM, "f", step=0)
    posts += hourly_posts(act + dt.timedelta(hours=14), 1, 1, FILM, "z", step=0)  # stream on
    world.posts(scorer, posts)
    with session_scope(world.engine) as s:
        incident_id = records.open_incident(s, title_id="s2032", by="user:jo", now=ONSET).id
        actions.statement(s, incident_id, "We are sorry.", channel="x", by="user:jo", at=act)
        actions.escalate(s, incident_id, to="legal", reason="the film", by="user:jo",
                         at=act + dt.timedelta(hours=2))
    with session_scope(world.engine) as s:
        incident = records.get_incident(s, incident_id)
        first, second = measure_actions(s, incident)
        shift = theme_shift(s, incident)
    effect = first.effect
    assert effect is not None and effect["status"] == "measured"
    assert effect["volume"]["before"] == sum(10 + 2 * h for h in range(12))
    assert effect["volume"]["after"] == 24 * 12
    assert effect["volume"]["change"] < 0  # below the rising trend
    poster = effect["subjects"]["poster"]["share"]
    assert (poster["before"], round(poster["after"], 3)) == (1.0, round(4 / 24, 3))
    assert effect["shift"]["from"] == "poster" and effect["shift"]["to"] == "film"
    assert effect["themes"]["child_sexualisation"]["share"]["before"] == 1.0
    assert [o["kind"] for o in effect["overlaps"]] == ["escalation"]
    assert second.effect is not None and second.effect["status"] == "partial"
    assert shift is not None and shift["shift"]["to"] == "film"
    with session_scope(world.engine) as s:  # a stream that has not reached the action yet
        early = measure(s, "s2032", act, now=act)
    assert early["status"].startswith("not yet")


def test_learning_names_the_rules_and_tries_a_draft_over_the_catalog(
        world: IncidentWorld) -> None:
    with session_scope(world.engine) as s:
        incident = records.open_incident(s, title_id="s2032", by="user:jo", now=ONSET)
        out = learn(s, incident, load_policy())
    causes = {c["version_id"]: c for c in out["causes"]}
    art = causes[world.key_art]
    # constructed screenings with no trace: nothing acted, so the verdict is "overridden" (a
    # block approved by people) and the labels are the risk ones
    assert art["verdict"] == "overridden" and art["decision"] == "block"
    assert art["labels"]["minor.known"] == 4
    did_not_fire = {r["rule"]: r for r in art["rules"]["did_not_fire"]}
    assert "minor-in-sexualised-image" in did_not_fire
    # the stored findings fire minor-in-mature-title (pass) on the synopsis: the draft
    # raises it, and the what-if runs over the catalog
    assert out["draft"] is None or out["draft"]["whatif"]["evaluated"] >= 1
    with session_scope(world.engine) as s:
        html = render_html(s, incident.id, learning=out)
    assert "how it got out" in html and "approved by jo and robin" in html
    assert "<script" not in html


def test_when_a_petition_passed_a_threshold() -> None:
    from clearance.incidents.views import passed_at

    t0 = dt.datetime(2020, 8, 21, 12, tzinfo=UTC)
    times = [t0, t0 + dt.timedelta(minutes=30), t0 + dt.timedelta(hours=1)]
    assert passed_at(times, [90_000, 96_000, 102_000], 100_000) == t0 + dt.timedelta(minutes=50)
    assert passed_at(times, [100_500, 101_000, 102_000], 100_000) == t0
    assert passed_at(times, [1, 2, 3], 100_000) is None
