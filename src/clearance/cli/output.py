"""Human-readable rendering of screening results (the ``table`` format)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from clearance.screening import ScreenResult

DECISION_STYLE = {"pass": "green", "review": "yellow", "block": "bold red", "error": "magenta"}


def evidence_cell(finding: Mapping[str, Any]) -> str:
    """Where a finding is, in one line: the quoted span; for an image box the words read in it
    (``text.ocr``) before the box, or the box; a fact as ``name=value``."""
    ev = finding["evidence"]
    if ev["kind"] == "text_span":
        return f"\"{ev['text']}\""
    if ev["kind"] == "image_box":
        where = f"box {ev['x']},{ev['y']} {ev['width']}×{ev['height']}"
        words = (finding.get("attributes") or {}).get("text")
        return f"\"{words}\" ({where})" if isinstance(words, str) and words.strip() else where
    return f"{ev.get('name', '')}={ev.get('value', '')}"


def render_table(results: Sequence[ScreenResult], out: TextIO) -> None:
    console = Console(file=out, highlight=False, soft_wrap=False, width=120)
    table = Table(show_lines=True)
    table.add_column("item", overflow="fold", max_width=24)
    table.add_column("decision")
    table.add_column("findings", overflow="fold")
    table.add_column("reasons", overflow="fold")
    for r in results:
        d = r.to_dict()
        findings = "\n".join(f"{f['label']} {f['score']:.2f} {evidence_cell(f)}"
                             for f in d["findings"])
        style = DECISION_STYLE.get(d["decision"], "")
        table.add_row(escape(d["item"]), f"[{style}]{d['decision']}[/]",
                      escape(findings) or "-", escape("\n".join(d["reasons"])) or "-")
    console.print(table)
