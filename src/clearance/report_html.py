"""A self-contained HTML report of screening results (``clearance screen --format html``).

One file, no external assets: every image is embedded as a downscaled JPEG data URI and shown
**blurred and greyscale by default**, with the boxes and labels of its findings drawn over it;
a click (or Enter, for keyboard users) reveals one image at a time and a second click hides it
again. Copy is shown with the spans of its findings highlighted. Boxes are placed in percentages
of the original image, so they stay on their targets whatever size the image is shown at.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence

import numpy as np
from PIL import Image

from clearance.content.picture import Picture
from clearance.findings import Finding, ImageBox, TextSpan
from clearance.screening import ScreenResult

PREVIEW_MAX_SIDE = 900
_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2228}
header{background:#1d2228;color:#fff;padding:12px 20px}header h1{font-size:18px;margin:0}
main{padding:16px 20px;display:grid;gap:16px}
.card{background:#fff;border-radius:6px;box-shadow:0 1px 3px #0002;padding:14px 16px}
.card h2{font-size:15px;margin:0 0 8px;display:flex;gap:10px;align-items:center}
.badge{border-radius:3px;padding:1px 8px;color:#fff;font-size:12px;text-transform:uppercase}
.pass{background:#2e7d32}.review{background:#b26a00}.block{background:#c62828}
.frame{position:relative;display:inline-block;max-width:100%;cursor:pointer;outline:none}
.body{display:flex;gap:18px;flex-wrap:wrap;align-items:flex-start}
.media{flex:0 1 auto;max-width:100%}.details{flex:1 1 380px;min-width:0}
.frame img{display:block;max-width:100%;max-height:560px;width:auto;height:auto;
  filter:blur(22px) grayscale(1);
  transition:filter .15s}
.frame.revealed img{filter:none}
.frame .pic{overflow:hidden}
.frame:focus-visible{box-shadow:0 0 0 3px #1565c0}
.frame .hint{position:absolute;left:8px;bottom:8px;background:#000a;color:#fff;padding:2px 8px;
  border-radius:3px;font-size:12px}
.frame.revealed .hint{display:none}
.box{position:absolute;border:2px solid #ffeb3b;box-sizing:border-box;pointer-events:none}
.box span{position:absolute;top:-18px;left:-2px;background:#ffeb3b;color:#000;font-size:11px;
  padding:0 4px;white-space:nowrap}
table{border-collapse:collapse;width:100%;margin-top:8px}
td,th{border-top:1px solid #e3e5e8;padding:4px 6px;text-align:left;vertical-align:top}
mark{background:#ffe082}.copy{white-space:pre-wrap;background:#fafafa;padding:8px;border-radius:4px}
ul.reasons{margin:6px 0 0;padding-left:18px}
"""
_SCRIPT = """
document.querySelectorAll('.frame').forEach(function(f){
  function toggle(){f.classList.toggle('revealed');
    f.setAttribute('aria-pressed', f.classList.contains('revealed'));}
  f.addEventListener('click', toggle);
  f.addEventListener('keydown', function(e){if(e.key==='Enter'||e.key===' '){
    e.preventDefault();toggle();}});
});
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


def _data_uri(picture: Picture) -> str:
    img = Image.fromarray(picture.pixels)
    img.thumbnail((PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=82)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _box(f: Finding, box: ImageBox, picture: Picture) -> str:
    w, h = picture.original_size or (picture.width, picture.height)
    w, h = w or 1, h or 1
    style = (f"left:{100 * box.x / w:.2f}%;top:{100 * box.y / h:.2f}%;"
             f"width:{100 * box.width / w:.2f}%;height:{100 * box.height / h:.2f}%")
    return (f'<div class="box" style="{style}"><span>{html.escape(f.label)} '
            f"{f.score:.2f}</span></div>")


def _image(result: ScreenResult, picture: Picture) -> str:
    boxes = "".join(_box(f, f.evidence, picture) for f in result.findings
                    if isinstance(f.evidence, ImageBox))
    alt = html.escape(f"{result.item} (blurred until revealed)")
    return (f'<div class="frame" tabindex="0" role="button" aria-pressed="false" '
            f'title="click to reveal">'
            f'<div class="pic"><img src="{_data_uri(picture)}" alt="{alt}"></div>{boxes}'
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


def _card(result: ScreenResult) -> str:
    outcome = result.decision.outcome
    parts = [f'<section class="card"><h2><span class="badge {outcome}">{outcome}</span>'
             f"{html.escape(result.item)}</h2>"]
    parts.append('<div class="body">')
    source = result.source
    if source is not None and source.image is not None:
        parts.append(f'<div class="media">{_image(result, source.image)}</div>')
    parts.append('<div class="details">')
    if source is not None and source.copy is not None:
        parts.append(_copy(source.copy.text, result.findings))
    if result.decision.reasons:
        parts.append('<ul class="reasons">' + "".join(
            f"<li>{html.escape(r)}</li>" for r in result.decision.reasons) + "</ul>")
    if result.findings:
        rows = "".join(
            f"<tr><td>{html.escape(f.label)}</td><td>{f.score:.2f}</td>"
            f"<td>{html.escape(_evidence(f))}</td><td>{html.escape(f.detector)}</td></tr>"
            for f in result.findings)
        parts.append("<table><tr><th>label</th><th>score</th><th>evidence</th>"
                     f"<th>detector</th></tr>{rows}</table>")
    parts.append("</div></div></section>")
    return "".join(parts)


def render_html(results: Sequence[ScreenResult], *, title: str = "Clearance report") -> str:
    """The whole report as one HTML document."""
    counts = {k: sum(1 for r in results if r.decision.outcome == k)
              for k in ("block", "review", "pass")}
    summary = ", ".join(f"{n} {k}" for k, n in counts.items())
    cards = "".join(_card(r) for r in results)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"<header><h1>{html.escape(title)}</h1><div>{len(results)} item(s): {summary}. "
            "Images are blurred and greyscale until you reveal them.</div></header>"
            f"<main>{cards}</main><script>{_SCRIPT}</script></body></html>\n")
