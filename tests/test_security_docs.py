"""docs/security.md names the tests that prove each control: every one it names exists, and
every test module it names is a file of the suite."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "security.md"


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name.startswith("test_")}


def test_every_test_named_in_security_md_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    named = re.findall(r"`(tests/[\w/]+\.py)::(test_\w+)`", text)
    assert len(named) >= 30
    missing = [f"{file}::{name}" for file, name in named
               if not (ROOT / file).is_file() or name not in _test_names(ROOT / file)]
    assert missing == []


def test_every_test_module_named_in_security_md_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    files = set(re.findall(r"`(tests/[\w/]+\.py)[`:]", text))
    assert [f for f in sorted(files) if not (ROOT / f).is_file()] == []


def test_the_service_sections_are_there_to_be_filled() -> None:
    text = DOC.read_text(encoding="utf-8")
    for heading in ("Login rate limits", "Session revocation", "Reveal audit",
                    "Cross-team writes", "Out-of-range numbers", "`/healthz` details",
                    "schemathesis", "Reporting a vulnerability", "Actors and what is trusted"):
        assert heading in text, heading
