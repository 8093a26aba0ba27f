"""The incident report: one standalone HTML file (inline CSS, inline SVG charts drawn on the
server by :mod:`clearance.monitor.charts`, no script, nothing fetched) with the incident, the
versions live at the onset and how they got out, the charts with the alerts and actions marked,
every action with its measured effect, the theme shift, what screening saw and the draft policy
change with its what-if, the timeline and the top posts. No picture is embedded: the versions are
named, never shown. Every value is HTML-escaped; :func:`effect_table` and the other fragments are
shared with the incident page of the UI.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from clearance.incidents.effect import subject_counts
from clearance.incidents.records import get_incident
from clearance.incidents.subjects import NAMES, SUBJECTS, default_subjects
from clearance.incidents.views import incident_view
from clearance.monitor import signals
from clearance.monitor.charts import Chart, Line, line_chart
from clearance.monitor.petitions import DEBATE_THRESHOLD
from clearance.storage.db import as_utc, session_scope
from clearance.storage.monitor_models import THEMES, MonitorPetition

STYLE: Final = """body{font-family:system-ui,sans-serif;margin:24px;max-width:900px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}h3{font-size:15px;margin-bottom:4px}
table{border-collapse:collapse;width:100%;margin:6px 0}td,th{border-bottom:1px solid #ddd;
padding:3px 6px;text-align:left;font-size:13px}.muted{color:#666}.chart{display:block;
margin:10px 0}.post{font-size:13px;margin:2px 0}.tag{background:#eef;border-radius:3px;
padding:0 4px;font-size:12px}.bad{color:#b03a2e}.good{color:#1e8449}.shift{background:#fef5e7;
border-left:4px solid #d68910;padding:8px 12px}pre{background:#f6f6f6;padding:8px;
font-size:12px;overflow:auto;max-height:320px}"""
#: How far before the onset the charts begin.
LEAD_IN: Final = dt.timedelta(days=2)


def _t(value: Any) -> str:
    return escape(str(value)[:16].replace("T", " ")) if value else "-"


def _pct(value: Any) -> str:
    return "-" if value is None else f"{float(value):.0%}"


def _num(value: Any, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{float(value):+,.0f}" if signed else f"{float(value):,.0f}"


def _share_row(name: str, m: dict[str, Any]) -> str:
    s, c = m["share"], m["count"]
    cls = "" if s.get("change") is None else (
        "bad" if s["low"] > 0 else "good" if s["high"] < 0 else "")
    interval = "-" if s.get("low") is None else \
        f"{float(s['low']):+.0%} to {float(s['high']):+.0%}"
    trend = "-" if c.get("change") is None else \
        f"{float(c['change']):+,.0f} ({float(c['low']):+,.0f} to {float(c['high']):+,.0f})"
    change = "-" if s.get("change") is None else f"{float(s['change']):+.0%}"
    return (f"<tr><td>{escape(name)}</td><td>{_pct(s.get('before'))}</td>"
            f"<td>{_pct(s.get('after'))}</td><td class='{cls}'>{change}</td>"
            f"<td>{interval}</td><td>{_num(c.get('before'))} → {_num(c.get('after'))}</td>"
            f"<td>{trend}</td></tr>")


def effect_table(effect: dict[str, Any] | None) -> str:
    """An action's effect as an HTML table (or why there is none)."""
    if not effect:
        return "<p class='muted'>Not measured yet.</p>"
    if "volume" not in effect:
        return f"<p class='muted'>{escape(str(effect.get('status', 'not measured')))}</p>"
    v = effect["volume"]
    head = (f"<p class='muted'>{escape(str(effect.get('status')))}: "
            f"{_t(effect['before']['start'])}–{_t(effect['before']['end'])} against "
            f"{_t(effect['after']['start'])}–{_t(effect['after']['end'])} UTC "
            f"({effect['hours_observed']} of {effect['window_hours']} hours)</p>")
    volume = (f"<p>Posts: {_num(v['before'])} before, {_num(v['after'])} after; "
              f"expected from the trend {_num(v.get('expected'))}, change "
              f"<b>{_num(v.get('change'), True)}</b> (95% {_num(v.get('low'), True)} to "
              f"{_num(v.get('high'), True)})</p>")
    rows = [_share_row("negative", effect["negative"])]
    rows += [_share_row(NAMES.get(s, s), m) for s, m in effect["subjects"].items()]
    rows += [_share_row(t.replace("_", " "), m) for t, m in effect["themes"].items()
             if m["count"]["before"] or m["count"]["after"]]
    table = ("<table><tr><th></th><th>share before</th><th>after</th><th>change</th>"
             "<th>95% interval</th><th>posts</th><th>against the trend (95%)</th></tr>"
             + "".join(rows) + "</table>")
    shift = effect.get("shift")
    shift_html = f"<p class='shift'>{escape(shift['summary'])}</p>" if shift else ""
    overlaps = effect.get("overlaps") or []
    note = ("<p class='muted'>Other actions inside these windows: " + ", ".join(
        f"{escape(o['kind'].replace('_', ' '))} at {_t(o['at'])}" for o in overlaps)
            + " — this is their joint effect.</p>") if overlaps else ""
    return head + volume + table + shift_html + note


def learning_html(learning: dict[str, Any] | None) -> str:
    """What screening saw on the causes, and the draft with its what-if."""
    if not learning:
        return "<p class='muted'>Not studied yet.</p>"
    parts = []
    for c in learning["causes"]:
        acted = ", ".join(f"{r['rule']} ({r['outcome']})" for r in c["rules"]["acted"]) or "none"
        recorded = ", ".join(r["rule"] for r in c["rules"]["recorded"]) or "none"
        missed = "".join(f"<li>{escape(r['rule'])} ({escape(r['outcome'])}): had "
                         f"{escape(', '.join(r['had']))}; {escape(r['why'])}</li>"
                         for r in c["rules"]["did_not_fire"])
        labels = ", ".join(f"{k} ×{n}" for k, n in c["labels"].items()) or "none"
        parts.append(
            f"<h3>{escape(str(c['label']))} <span class='tag'>{escape(c['verdict'])}</span></h3>"
            f"<p>Screening said <b>{escape(str(c['decision']))}</b>; "
            f"{escape(str(c['cleared']))}.</p><p class='muted'>Findings: {escape(labels)}</p>"
            f"<p>Rules that acted: {escape(acted)}. Rules that only recorded: "
            f"{escape(recorded)}.</p>"
            + (f"<p>Rules that did not fire:</p><ul>{missed}</ul>" if missed else ""))
    draft = learning.get("draft")
    parts.append(f"<p><b>{escape(learning['summary'])}</b></p>")
    if draft:
        w = draft["whatif"]
        changes = "".join(
            f"<li>{escape(ch['rule'])}: "
            + (escape(f"{ch['from']} → {ch['to']}") if ch["change"] == "outcome"
               else escape(f"new rule → {ch['outcome']} when {', '.join(ch['labels'])}"))
            + f" <span class='muted'>(fired on {escape(', '.join(ch['because']))})</span></li>"
            for ch in draft["changes"])
        on = ", ".join(f"{o['label']}: {o['live']} → {o['draft']}" for o in draft["on_causes"])
        examples = "".join(
            f"<tr><td>{escape(e['title_id'])}</td><td>{escape(e['asset'])} v{e['version']}"
            f"</td><td>{escape(e['before'])} → {escape(e['after'])}</td>"
            f"<td>{escape('; '.join(e['reasons_after'])[:200])}</td></tr>"
            for e in w["examples"])
        parts.append(
            f"<h3>Draft policy {escape(draft['policy'])}</h3><ul>{changes}</ul>"
            f"<p>On the causes: {escape(on or '-')}.</p>"
            f"<p>What-if over the catalog: {w['evaluated']:,} live versions decided again "
            f"(stored findings, no model); <b>{w['changed_others']:,} other item(s) would "
            f"change</b>" + ("; " + escape(", ".join(
                f"{m['from']} → {m['to']}: {m['items']}" for m in w["moves"])) if w["moves"]
                else "") + ".</p>"
            + (f"<table><tr><th>title</th><th>asset</th><th>decision</th><th>why (draft)</th>"
               f"</tr>{examples}</table>" if examples else "")
            + f"<details><summary>The draft (YAML)</summary><pre>{escape(draft['yaml'])}"
              "</pre></details>")
    return "".join(parts)


def charts(session: Session, view: dict[str, Any]) -> list[str]:
    """The incident's timelines as SVG: volume and negative share, themes, subjects, petitions,
    with the alerts and the actions marked."""
    title_id = view["title_id"]
    if title_id is None:
        return []
    now = signals.latest_activity(session)
    if now is None:
        return []
    onset = as_utc(dt.datetime.fromisoformat(view["onset"]))
    start = signals.floor_to(onset - LEAD_IN, 3600)
    end = signals.floor_to(as_utc(dt.datetime.fromisoformat(view["closed_at"])), 3600) \
        if view.get("closed_at") else signals.floor_to(now, 3600) + dt.timedelta(hours=1)
    series = signals.title_series(session, title_id, step=3600, start=start, end=end)
    times = list(series.starts)
    marks = [(as_utc(dt.datetime.fromisoformat(a["raised_at"])), f"alert: {a['rule']}")
             for a in view["alerts"]]
    marks += [(as_utc(dt.datetime.fromisoformat(a["at"])), a["kind"].replace("_", " "))
              for a in view["actions"]]
    out = [line_chart(Chart("Posts per hour (red: alerts and actions)",
                            [Line("posts", times, list(series.values["volume"]), "bars")],
                            unit="posts", marks=marks)),
           line_chart(Chart("Negative share", [Line("negative", times, series.share("negative"))],
                            y_max=1.0, as_percent=True, marks=marks)),
           line_chart(Chart("Themes (share of posts)",
                            [Line(t.replace("_", " "), times, series.share(t)) for t in THEMES
                             if series.total(t)], y_max=1.0, as_percent=True, marks=marks))]
    counts = subject_counts(session, title_id, start, end, default_subjects())
    volume = series.values["volume"]
    out.append(line_chart(Chart(
        "What the posts are about (share of posts)",
        [Line(NAMES[s], times, [c / v if v else None for c, v in zip(counts[s], volume,
                                                                      strict=True)])
         for s in SUBJECTS], y_max=1.0, as_percent=True, marks=marks)))
    for p in view["petitions"]:
        petition = session.get(MonitorPetition, p["id"])
        if petition is None:
            continue
        ps = signals.petition_series(session, petition)
        out.append(line_chart(Chart(
            f"Petition: {p['action'][:60]}",
            [Line("signatures", list(ps.times), [float(c) for c in ps.counts]),
             Line("100,000", [ps.times[0], ps.times[-1]] if ps.times else [],
                  [float(DEBATE_THRESHOLD)] * (2 if ps.times else 0), "dashed")],
            unit="signatures", marks=marks)))
    return out


def render_html(session: Session, incident_id: int, *, learning: dict[str, Any] | None = None,
                shift: dict[str, Any] | None = None,
                lead_time: dt.timedelta | None = None) -> str:
    view = incident_view(session, get_incident(session, incident_id))
    e = escape
    lead = ""
    petitions = [p for p in view["petitions"] if p["passed_100k_at"]]
    if lead_time is not None and petitions:
        lead = (f"<p><b>The first alert came {lead_time.total_seconds() / 3600:.1f} hours "
                f"before the petition passed 100,000 signatures</b> "
                f"({_t(petitions[0]['passed_100k_at'])} UTC).</p>")
    versions = "".join(
        f"<tr><td>{e(v['label'])}<br><span class='muted'>{e(v['ref'])}</span></td>"
        f"<td>{e(v['role'])}</td><td>{e(str((v.get('screening') or {}).get('decision')))}</td>"
        f"<td>{e(v['cleared'])}</td><td>{e(v['now'])}</td></tr>"
        for v in view["versions"])
    actions = "".join(
        f"<h3>{e(a['kind'].replace('_', ' '))} <span class='muted'>{_t(a['at'])} UTC, by "
        f"{e(a['by'])}</span></h3><p>{e(_detail(a))}</p>{effect_table(a['effect'])}"
        for a in view["actions"]) or "<p class='muted'>No action yet.</p>"
    overall = (shift or {}).get("shift")
    shift_html = (f"<p class='shift'>{e(overall['summary'])} — the window before the first "
                  f"action against {_t(shift['after']['start'])}–{_t(shift['after']['end'])} "
                  "UTC.</p>") if overall and shift else \
        "<p class='muted'>No theme shift named.</p>"
    timeline = "".join(f"<tr><td>{_t(t['at'])}</td><td>{e(t['kind'])}</td>"
                       f"<td>{e(t['summary'])}</td><td class='muted'>{e(t['actor'])}</td></tr>"
                       for t in view["timeline"])
    posts = "".join(f"<p class='post'>[{e(p['lang'])}, reach {p['reach']:,}] {e(p['text'])}</p>"
                    for p in view["top_posts"])
    alerts = "".join(f"<li>{_t(a['raised_at'])} — {e(a['message'])}</li>"
                     for a in view["alerts"])
    petition_list = "".join(f"<li>{e(p['action'])}: {p['count']:,} signatures"
                            + (f", passed 100,000 at {_t(p['passed_100k_at'])} UTC"
                               if p["passed_100k_at"] else "") + "</li>"
                            for p in view["petitions"])
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>Incident {view['id']}: {e(view['name'])}</title><style>{STYLE}</style>"
            f"</head><body><h1>Incident {view['id']}: {e(view['name'])}</h1>"
            f"<p><span class='tag'>{e(view['state'])}</span> {e(str(view['title']))} "
            f"({e(str(view['title_id']))}) · owner {e(view['owner'] or 'nobody')} · opened "
            f"{_t(view['opened_at'])} UTC from {e(view['opened_from'])} · onset "
            f"{_t(view['onset'])} UTC</p>{lead}"
            f"<h2>Timelines</h2>{''.join(charts(session, view))}"
            f"<h2>Asset versions</h2><table><tr><th>version</th><th>role</th><th>screening</th>"
            f"<th>how it got out</th><th>now</th></tr>{versions}</table>"
            f"<h2>Alerts</h2><ul>{alerts}</ul><h2>Petitions</h2><ul>{petition_list}</ul>"
            f"<h2>Response and its effect</h2>{actions}<h2>Theme shift</h2>{shift_html}"
            f"<h2>Learning</h2>{learning_html(learning)}"
            f"<h2>Timeline</h2><table>{timeline}</table><h2>Top posts</h2>{posts}"
            "</body></html>")


def _detail(action: dict[str, Any]) -> str:
    d = action["detail"]
    kind = action["kind"]
    if kind == "withdraw_everywhere":
        return (f"{d['ref']}: {len(d['withdrawn'])} version(s) withdrawn now, "
                f"{len(d['already_withdrawn'])} before — " + ", ".join(
                    w["ref"] for w in d["withdrawn"]))
    if kind in ("replace", "copy_rewritten"):
        return (f"{d['replaced']['ref']} → {d['replacement']['ref']}: screening "
                f"{d['screening']['decision']}, review {d['review']['state']}; "
                f"{d.get('cleared', '')}")
    if kind == "statement":
        return f"on {d['channel']}: “{d['text']}”"
    if kind == "escalation":
        return f"to {d['to']}: {d['reason']}"
    if kind == "rating_changed":
        return f"rating {d['from']} → {d['to']}"
    if kind == "placement_changed":
        return f"{d.get('version') or ''} {d['from']} → {d['to']}".strip()
    return str(d)


def write_report(engine: Engine, incident_id: int, folder: Path, *,
                 learning: dict[str, Any] | None = None, shift: dict[str, Any] | None = None,
                 lead_time: dt.timedelta | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"incident-{incident_id}.html"
    with session_scope(engine) as session:
        html = render_html(session, incident_id, learning=learning, shift=shift,
                           lead_time=lead_time)
    path.write_text(html, encoding="utf-8")
    return path
