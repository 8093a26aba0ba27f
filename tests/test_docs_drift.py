"""The docs say what the program does: the README, docs/cli.md and the screening output name the
same policy version; ``screen --help`` and docs/cli.md list the same exit codes (and so does every
command whose help lists them); the README's links stay inside the repository."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from clearance.cli.main import cli
from clearance.policy.loader import load_policy

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CLI_DOC = ROOT / "docs" / "cli.md"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_readme_cli_doc_and_output_name_the_same_policy_version() -> None:
    live = load_policy().ref
    out = CliRunner().invoke(cli, ["screen", "--text", "A quiet film about a lighthouse keeper.",
                                   "--format", "json", "--semantic", "off"])
    assert json.loads(out.stdout)["policy"] == live
    for doc in (README, CLI_DOC, ROOT / "docs" / "api.md"):
        named = set(re.findall(r"clearance-default@[0-9][0-9.]*[0-9]", _read(doc)))
        assert named == {live}, f"{doc.name} names {sorted(named)}, the policy is {live}"


def _codes(sentence: str) -> set[int]:
    """The exit codes an ``Exit codes: 0 done, 1 ..., 3 ...`` sentence lists."""
    return {int(n) for n in re.findall(r"(?:Exit codes:|,)\s*(\d{1,2})\b", sentence)}


def _help_sentence(command: click.Command) -> str | None:
    text = " ".join((command.help or "").split())
    found = re.search(r"Exit codes:.*?(?:\.(?:\s|$)|$)", text)
    return found.group(0) if found else None


def _doc_sentence(path: str) -> str | None:
    """The ``Exit codes:`` sentence of a command's section of docs/cli.md."""
    doc = _read(CLI_DOC)
    start = re.search(rf"^## `{re.escape(path)}[ `]", doc, re.M)
    if start is None:
        return None
    section = doc[start.end():]
    end = re.search(r"^## ", section, re.M)
    section = " ".join(section[:end.start() if end else None].split())
    found = re.search(r"Exit codes:.*?(?:\.(?:\s|$)|$)", section)
    return found.group(0) if found else None


def _commands(group: click.Group, prefix: str = "clearance") -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    for name, cmd in group.commands.items():
        out.append((f"{prefix} {name}", cmd))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, f"{prefix} {name}"))
    return out


def test_screen_help_and_the_cli_doc_list_the_same_exit_codes() -> None:
    command = cli.commands["screen"]
    in_help, in_doc = _help_sentence(command), _doc_sentence("clearance screen")
    assert in_help is not None and in_doc is not None
    assert _codes(in_help) == _codes(in_doc) == {0, 1, 2, 3, 4, 5, 6}


@pytest.mark.parametrize(("path", "command"),
                         [pc for pc in _commands(cli) if _help_sentence(pc[1])],
                         ids=lambda v: str(v))
def test_every_help_that_lists_exit_codes_agrees_with_the_doc(path: str,
                                                             command: click.Command) -> None:
    in_help, in_doc = _help_sentence(command), _doc_sentence(path)
    assert in_help is not None
    assert in_doc is not None, f"docs/cli.md's {path} section lists no exit codes"
    assert _codes(in_help) == _codes(in_doc), (in_help, in_doc)


def test_readme_links_stay_inside_the_repository() -> None:
    text = _read(README)
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    local = [t for t in targets if not re.match(r"^(https?:|mailto:|#)", t)]
    assert local, "the README links its docs"
    for target in local:
        path = (ROOT / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), f"{target} leaves the repository"
        assert path.exists(), f"{target} does not exist"
    for ref in re.findall(r"`([^`\s]*\.\./[^`\s]*)`", text):
        pytest.fail(f"the README points outside the repository: {ref}")
    assert "../" not in re.sub(r"```.*?```", "", text, flags=re.S)
