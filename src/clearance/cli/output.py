"""Human-readable rendering of screening results (the ``table`` format)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from clearance.screening import ScreenResult

DECISION_STYLE = {"pass": "green", "review": "yellow", "block": "bold red", "error": "magenta"}


def render_table(results: Sequence[ScreenResult], out: TextIO) -> None:
    console = Console(file=out, highlight=False, soft_wrap=False, width=120)
    table = Table(show_lines=True)
    table.add_column("item", overflow="fold", max_width=24)
    table.add_column("decision")
    table.add_column("findings", overflow="fold")
    table.add_column("reasons", overflow="fold")
    for r in results:
        d = r.to_dict()
        findings = "\n".join(
            f"{f['label']} {f['score']:.2f} "
            + (f"\"{f['evidence']['text']}\"" if f["evidence"]["kind"] == "text_span"
               else f"{f['evidence'].get('name', '')}={f['evidence'].get('value', '')}")
            for f in d["findings"]
        )
        style = DECISION_STYLE.get(d["decision"], "")
        table.add_row(escape(d["item"]), f"[{style}]{d['decision']}[/]",
                      escape(findings) or "-", escape("\n".join(d["reasons"])) or "-")
    console.print(table)
