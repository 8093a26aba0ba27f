"""A self-contained HTML report of screening results (``clearance screen --format html``).

One file, no external assets, readable at catalog scale (8,807 synopses):

* **What needs a person comes first.** The header counts block, review and pass; a summary
  table counts the items each rule sent to review or block, and a jump list names every such
  item (its title and the rules that fired) with a link to its card. Their cards come first,
  blocks before reviews, the most confident first.
* **Passed items are rows, not cards** (in a report of more than :data:`ROWS_OVER` items): id,
  title, the labels found and the copy (an image is named and measured, not embedded), so a
  catalog's passes cost a line each (the 8,807-title
  catalog: 4,771,036 bytes of cards in file order before, 2,054,079 now).
* **Filter and sort** without a server: a text box keeps the items whose id, title, words or
  labels contain what is typed, tick boxes show or hide each decision, and a menu sorts by risk,
  title, id or input order (a small inline script; without it everything is shown in risk
  order).
* Every image is embedded as a downscaled JPEG data URI and shown **blurred and greyscale by
  default**, with the boxes and labels of its findings drawn over it (labels placed apart and
  inside the picture by :mod:`clearance.overlay`); a click (or Enter) reveals one image at a
  time. Copy is shown with the spans of its findings highlighted.

Items are named by their id and, where the input says (a catalog CSV's ``title`` column), their
title.
"""

from __future__ import annotations

import base64
import html
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
from PIL import Image

from clearance.content.picture import Picture
from clearance.finding_text import finding_details
from clearance.findings import Finding, ImageBox, TextSpan
from clearance.overlay import Rect, layout
from clearance.policy.model import OUTCOME_RANK
from clearance.screening import ScreenResult

PREVIEW_MAX_SIDE = 900
#: With more pictures than this in cards, they are embedded smaller (a report of a folder of
#: thousands of blocked images stays openable).
MANY_PICTURES: Final = 60
SMALL_PREVIEW_SIDE: Final = 360
#: A report of more items than this shows passed items as rows (a small one keeps their cards).
ROWS_OVER: Final = 50
#: Labels every copy item carries (the language): left out of a passed row's labels.
QUIET_LABELS: Final = frozenset({"text.language"})

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2228}
header{background:#1d2228;color:#fff;padding:12px 20px}header h1{font-size:18px;margin:0}
main{padding:16px 20px;display:grid;gap:16px}
.panel,.card{background:#fff;border-radius:6px;box-shadow:0 1px 3px #0002;padding:14px 16px}
h2{font-size:15px;margin:0 0 8px}
.card h2{display:flex;gap:10px;align-items:center}
.badge{border-radius:3px;padding:1px 8px;color:#fff;font-size:12px;text-transform:uppercase}
.pass{background:#2e7d32}.review{background:#b26a00}.block{background:#c62828}
.muted{color:#5f6b78}.num{text-align:right}
.controls{display:flex;gap:14px;flex-wrap:wrap;align-items:center}
.controls input[type=search]{min-width:260px;padding:4px 6px}
body.hide-block .o-block,body.hide-review .o-review,body.hide-pass .o-pass,.gone{display:none}
.frame{position:relative;display:inline-block;max-width:100%;cursor:pointer;outline:none;
  line-height:0}
.body{display:flex;gap:18px;flex-wrap:wrap;align-items:flex-start}
.media{flex:0 1 auto;max-width:100%}.details{flex:1 1 380px;min-width:0}
.frame img{display:block;max-width:100%;max-height:560px;width:auto;height:auto;
  filter:blur(22px) grayscale(1);transition:filter .15s}
.frame.revealed img{filter:none}
.frame .pic{overflow:hidden}
.frame:focus-visible{box-shadow:0 0 0 3px #1565c0}
.frame .hint{position:absolute;left:8px;bottom:8px;background:#000a;color:#fff;padding:2px 8px;
  border-radius:3px;font-size:12px;line-height:1.4}
.frame.revealed .hint{display:none}
.box{position:absolute;border:2px solid #ffeb3b;box-sizing:border-box;pointer-events:none}
.tag{position:absolute;background:#ffeb3b;color:#000;font:600 11px/16px system-ui,sans-serif;
  padding:0 4px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;box-sizing:border-box;
  pointer-events:none}
table{border-collapse:collapse;width:100%;margin-top:8px}
td,th{border-top:1px solid #e3e5e8;padding:4px 6px;text-align:left;vertical-align:top}
mark{background:#ffe082}.copy{white-space:pre-wrap;background:#fafafa;padding:8px;border-radius:4px}
ul.reasons{margin:6px 0 0;padding-left:18px}
.attrs,details.nearest{font-size:12px;color:#5f6b78}
details.nearest ul{margin:2px 0 0;padding-left:18px}
#passed td:nth-child(1){white-space:nowrap}#passed td:nth-child(3){font-size:12px;color:#5f6b78}
"""
_SCRIPT = """
document.querySelectorAll('.frame').forEach(function(f){
  function toggle(){f.classList.toggle('revealed');
    f.setAttribute('aria-pressed', f.classList.contains('revealed'));}
  f.addEventListener('click', toggle);
  f.addEventListener('keydown', function(e){if(e.key==='Enter'||e.key===' '){
    e.preventDefault();toggle();}});
});
(function(){
  var lists=[document.getElementById('cards'),document.getElementById('passed-rows')]
    .filter(Boolean);
  var first=lists.map(function(l){return Array.prototype.slice.call(l.children);});
  var q=document.getElementById('q'),sort=document.getElementById('sort');
  function filter(){var words=q.value.trim().toLowerCase();
    lists.forEach(function(l){Array.prototype.forEach.call(l.children,function(el){
      el.classList.toggle('gone',words!==''&&el.textContent.toLowerCase().indexOf(words)<0);
    });});}
  function key(el,by){var a=el.getAttribute(by==='title'?'data-t':'data-i');
    if(a===null&&el.cells)a=el.cells[by==='title'?1:0].textContent;return a||'';}
  function order(){var by=sort.value;
    lists.forEach(function(l,n){var els=first[n].slice();
      if(by==='title'||by==='id'){els.sort(function(a,b){
        return key(a,by).localeCompare(key(b,by),undefined,{numeric:true,sensitivity:'base'});});}
      else if(by==='input'&&l.id==='cards'){els.sort(function(a,b){
        return (+a.getAttribute('data-n'))-(+b.getAttribute('data-n'));});}
      els.forEach(function(el){l.appendChild(el);});});}
  q.addEventListener('input',filter);sort.addEventListener('change',order);
  document.querySelectorAll('input[data-hide]').forEach(function(c){
    c.addEventListener('change',function(){
      document.body.classList.toggle('hide-'+c.getAttribute('data-hide'),!c.checked);});});
})();
"""


def thumbnail(picture: Picture) -> Picture:
    """A copy of ``picture`` no larger than the report shows. The boxes of findings stay in the
    original's pixels: the report places them in percent of the original size, kept here."""
    if max(picture.width, picture.height) <= PREVIEW_MAX_SIDE:
        return picture
    img = Image.fromarray(picture.pixels)
    img.thumbnail((PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE))
    small = np.asarray(img)
    return Picture(picture.name, picture.sha256, picture.format, small,
                   original_size=(picture.width, picture.height))


def _data_uri(picture: Picture, side: int) -> str:
    img = Image.fromarray(picture.pixels)
    img.thumbnail((side, side))
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="JPEG", quality=82)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _boxes(result: ScreenResult, picture: Picture) -> str:
    w, h = picture.original_size or (picture.width, picture.height)
    w, h = w or 1, h or 1
    found = [(f, f.evidence) for f in result.findings if isinstance(f.evidence, ImageBox)]
    rects = [(Rect(100 * b.x / w, 100 * b.y / h, 100 * b.width / w, 100 * b.height / h),
              f"{f.label} {f.score:.2f}") for f, b in found]
    out = []
    for placed in layout(rects, aspect=h / w):
        out.append(f'<div class="box" style="{placed.box.style}"></div>')
        if placed.tag is not None:
            out.append(f'<div class="tag" style="{placed.tag.style}">'
                       f"{html.escape(placed.tag.text)}</div>")
    return "".join(out)


def _image(result: ScreenResult, picture: Picture, side: int) -> str:
    alt = html.escape(f"{result.item} (blurred until revealed)")
    return (f'<div class="frame" tabindex="0" role="button" aria-pressed="false" '
            f'title="click to reveal">'
            f'<div class="pic"><img src="{_data_uri(picture, side)}" alt="{alt}"></div>'
            f"{_boxes(result, picture)}"
            '<div class="hint">blurred — click to reveal</div></div>')


def _copy(text: str, findings: Sequence[Finding]) -> str:
    spans = sorted({(f.evidence.start, f.evidence.end) for f in findings
                    if isinstance(f.evidence, TextSpan)})
    out, pos = [], 0
    for start, end in spans:
        if start < pos:
            continue
        out.append(html.escape(text[pos:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return f'<div class="copy">{"".join(out)}</div>'


def _evidence(f: Finding) -> str:
    ev = f.evidence
    if isinstance(ev, TextSpan):
        return f"“{ev.text}” [{ev.start}:{ev.end}]"
    if isinstance(ev, ImageBox):
        text = f.attr("text")
        said = f" “{text}”" if text else ""
        return f"box x={ev.x} y={ev.y} w={ev.width} h={ev.height}{said}"
    return f"{ev.name} = {ev.value}"


def _details(f: Finding) -> str:
    """The finding's attributes under its evidence, and a model's closest examples."""
    details, nearest = finding_details(f.to_dict())
    out = ""
    if details:
        out += '<div class="attrs">' + " · ".join(
            f"{html.escape(k)} <b>{html.escape(v)}</b>" for k, v in details) + "</div>"
    if nearest:
        out += (f'<details class="nearest"><summary>closest training examples ({len(nearest)})'
                "</summary><ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in nearest)
                + "</ul></details>")
    return out


def _risk(result: ScreenResult) -> tuple[int, float]:
    """The decision, then the strongest finding that made it (not a language's certainty)."""
    top = max((s.finding.score for r in result.decision.fired if r.outcome != "pass"
               for s in r.findings), default=0.0)
    return OUTCOME_RANK[result.decision.outcome], top


def _anchor(n: int) -> str:
    return f"i{n}"


def _named(result: ScreenResult, title: str | None) -> str:
    """``Title (id)`` or the id, escaped."""
    if title:
        return f"{html.escape(title)} <span class=\"muted\">{html.escape(result.item)}</span>"
    return html.escape(result.item)


def _card(n: int, result: ScreenResult, title: str | None, side: int) -> str:
    outcome = result.decision.outcome
    parts = [f'<section class="card o-{outcome}" id="{_anchor(n)}" data-n="{n}" '
             f'data-i="{html.escape(result.item)}" data-t="{html.escape(title or "")}">'
             f'<h2><span class="badge {outcome}">{outcome}</span>{_named(result, title)}</h2>'
             '<div class="body">']
    source = result.source
    if source is not None and source.image is not None:
        parts.append(f'<div class="media">{_image(result, source.image, side)}</div>')
    parts.append('<div class="details">')
    if source is not None and source.copy is not None:
        parts.append(_copy(source.copy.text, result.findings))
    if result.decision.reasons:
        parts.append('<ul class="reasons">' + "".join(
            f"<li>{html.escape(r)}</li>" for r in result.decision.reasons) + "</ul>")
    if result.findings:
        rows = "".join(
            f"<tr><td>{html.escape(f.label)}</td><td>{f.score:.2f}</td>"
            f"<td>{html.escape(_evidence(f))}{_details(f)}</td>"
            f"<td>{html.escape(f.detector)}</td></tr>"
            for f in result.findings)
        parts.append("<table><tr><th>label</th><th>score</th><th>evidence</th>"
                     f"<th>detector</th></tr>{rows}</table>")
    parts.append("</div></div></section>")
    return "".join(parts)


def _passed_row(result: ScreenResult, title: str | None) -> str:
    labels = ", ".join(dict.fromkeys(f.label for f in result.findings
                                      if f.label not in QUIET_LABELS))
    source = result.source
    if source is not None and source.copy is not None:
        what = html.escape(source.copy.text)
    elif result.image is not None:
        what = (f'<span class="muted">{result.image["format"]} image, '
                f'{result.image["width"]}×{result.image["height"]}</span>')
    else:
        what = ""
    # no attributes: the script sorts rows by their cells, and they start in input order
    return (f"<tr><td>{html.escape(result.item)}</td><td>{html.escape(title or '')}</td>"
            f"<td>{html.escape(labels)}</td><td>{what}</td></tr>")


def _attention(ordered: Sequence[tuple[int, ScreenResult]],
               titles: Mapping[str, str]) -> str:
    """The summary of what needs a person (items per rule) and the jump list to each card."""
    if not ordered:
        return ('<section class="panel"><h2>Nothing needs a decision</h2>'
                '<p class="muted">Every item passed.</p></section>')
    per_rule: Counter[tuple[str, str]] = Counter()
    for _, r in ordered:
        for fired in r.decision.fired:
            if fired.outcome != "pass":
                per_rule[(fired.outcome, fired.rule)] += 1
    rules = "".join(
        f'<tr><td><span class="badge {outcome}">{outcome}</span></td>'
        f'<td>{html.escape(rule)}</td><td class="num">{count}</td></tr>'
        for (outcome, rule), count in sorted(per_rule.items(),
                                             key=lambda kv: (-OUTCOME_RANK[kv[0][0]],
                                                             -kv[1], kv[0][1])))
    jumps = "".join(
        f'<tr class="o-{r.decision.outcome}"><td><span class="badge {r.decision.outcome}">'
        f"{r.decision.outcome}</span></td>"
        f'<td><a href="#{_anchor(n)}">{_named(r, titles.get(r.item))}</a></td>'
        f"<td>{html.escape(', '.join(f.rule for f in r.decision.fired if f.outcome != 'pass'))}"
        "</td></tr>"
        for n, r in ordered)
    return (f'<section class="panel" id="attention"><h2>Needs a decision: {len(ordered)} '
            "item(s)</h2><table><tr><th></th><th>rule</th><th class=\"num\">items</th></tr>"
            f"{rules}</table><h2 style=\"margin-top:14px\">Jump to</h2>"
            f'<table id="jump">{jumps}</table></section>')


def _controls(counts: Mapping[str, int]) -> str:
    boxes = "".join(
        f'<label><input type="checkbox" checked data-hide="{k}"> {k} ({counts[k]})</label>'
        for k in ("block", "review", "pass"))
    return ('<section class="panel controls"><input type="search" id="q" '
            'placeholder="filter by id, title, words or label" aria-label="filter">'
            f"{boxes}<label>sort <select id=\"sort\"><option value=\"risk\">risk</option>"
            '<option value="title">title</option><option value="id">id</option>'
            '<option value="input">input order</option></select></label></section>')


def render_html(results: Sequence[ScreenResult], *, title: str = "Clearance report",
                titles: Mapping[str, str] | None = None) -> str:
    """The whole report as one HTML document; ``titles`` names items (id -> title)."""
    names = titles or {}
    counts = {k: sum(1 for r in results if r.decision.outcome == k)
              for k in ("block", "review", "pass")}
    summary = ", ".join(f"{n} {k}" for k, n in counts.items())
    numbered = list(enumerate(results))
    attention = sorted(((n, r) for n, r in numbered if r.decision.outcome != "pass"),
                       key=lambda nr: (tuple(-x for x in _risk(nr[1])), nr[0]))
    passed = [(n, r) for n, r in numbered if r.decision.outcome == "pass"]
    carded = attention if len(results) > ROWS_OVER else attention + passed
    if len(results) <= ROWS_OVER:
        passed = []
    pictures = sum(1 for _, r in carded if r.source is not None and r.source.image is not None)
    side = PREVIEW_MAX_SIDE if pictures <= MANY_PICTURES else SMALL_PREVIEW_SIDE
    cards = "".join(_card(n, r, names.get(r.item), side) for n, r in carded)
    rows = "".join(_passed_row(r, names.get(r.item)) for _, r in passed)
    passed_table = (
        f'<section class="panel o-pass" id="passed"><h2>Passed: {len(passed)} item(s)</h2>'
        "<table><thead><tr><th>id</th><th>title</th><th>labels</th><th>copy</th></tr></thead>"
        f'<tbody id="passed-rows">{rows}</tbody></table></section>') if passed else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"<header><h1>{html.escape(title)}</h1><div>{len(results)} item(s): {summary}. "
            "Images are blurred and greyscale until you reveal them.</div></header>"
            f"<main>{_controls(counts)}{_attention(attention, names)}"
            f'<div id="cards" style="display:grid;gap:16px">{cards}</div>{passed_table}</main>'
            f"<script>{_SCRIPT}</script></body></html>\n")
