"""``clearance monitor report TITLE --format html``: the dashboard's title page as one file.

A standalone HTML page (inline CSS, inline SVG charts, no script, nothing fetched) with the
title's totals, charts, alerts (with their top posts, themes, languages and the live versions
with their screening decisions), petitions and news; every value is HTML-escaped. Top posts are
read when the report is written: a post deleted since shows as ``[deleted]``.
"""

from __future__ import annotations

from html import escape
from typing import Any

from sqlalchemy.orm import Session

from clearance.monitor.alert_context import alert_view
from clearance.monitor.dashboard import TitleOverview, overview_charts

_STYLE = """body{font-family:system-ui,sans-serif;margin:24px;max-width:800px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;font-size:13px}
.muted{color:#666}.chart{display:block;margin:12px 0}.post{font-size:13px;margin:2px 0}"""


def _alert_html(view: dict[str, Any]) -> str:
    live = "".join(
        f"<li>{escape(v['kind'])} {escape(v['locale'])}/{escape(v['channel'])} v{v['number']}"
        f" (version {v['version_id']}): screening <b>{escape(str(v['decision']))}</b>"
        f"{' — ' + escape(', '.join(v['labels'])) if v['labels'] else ''}; review "
        f"{escape(str(v['review_state']))}</li>" for v in view["live_versions"]) or \
        "<li class='muted'>no asset version was live at the onset</li>"
    posts = "".join(f"<p class='post'>[{escape(p['lang'])}, reach {p['reach']:,}] "
                    f"{escape(p['text'])}</p>" for p in view["top_posts"])
    themes = ", ".join(f"{escape(t.replace('_', ' '))} {share:.0%}"
                       for t, share in view["themes"].items()) or "none"
    langs = ", ".join(f"{escape(k)} {n}" for k, n in view["languages"].items()) or "-"
    return (f"<h3>Alert {view['id']}: {escape(view['rule'])}</h3>"
            f"<p>{escape(view['message'])}</p><p class='muted'>onset {escape(view['onset'])}, "
            f"window to {escape(view['window']['end'])}; themes: {themes}; languages: {langs}"
            f"</p><p>Live at the onset:</p><ul>{live}</ul>{posts}")


def render_html(session: Session, view: TitleOverview) -> str:
    totals = view.totals()
    share = totals["negative_share"]
    rows = "".join(f"<tr><td>{escape(t.replace('_', ' '))}</td><td>{n:,}</td></tr>"
                   for t, n in totals["themes"].items())
    charts = "".join(overview_charts(view))
    alerts = "".join(_alert_html(alert_view(session, a)) for a in view.alerts) or \
        "<p class='muted'>No alerts in this period.</p>"
    quoted = "".join(f"<li>version {v}: {n:,} posts quote it</li>" for v, n in view.quoted)
    news = "".join(f"<li>{escape(a.published_at.strftime('%Y-%m-%d'))} "
                   f"{escape(a.headline)} <span class='muted'>({escape(a.sentiment)})</span>"
                   "</li>" for a in view.articles)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{escape(view.name)} — public reaction</title><style>{_STYLE}</style>"
            f"</head><body><h1>{escape(view.name)} <span class='muted'>"
            f"({escape(view.title_id)})</span></h1>"
            f"<p class='muted'>{view.start:%Y-%m-%d %H:%M} to {view.end:%Y-%m-%d %H:%M} UTC</p>"
            f"<table><tr><th>posts</th><td>{totals['volume']:,}</td></tr>"
            f"<tr><th>negative</th><td>{totals['negative']:,}"
            f"{f' ({share:.0%})' if share is not None else ''}</td></tr>"
            f"<tr><th>offensive</th><td>{totals['offensive']:,}</td></tr>{rows}</table>"
            f"<h2>Timelines</h2>{charts}<h2>Alerts</h2>{alerts}"
            f"{'<h2>Quoted copy</h2><ul>' + quoted + '</ul>' if quoted else ''}"
            f"{'<h2>News</h2><ul>' + news + '</ul>' if news else ''}</body></html>")
