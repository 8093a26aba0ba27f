"""Hostile input files (issue 10, item 12): every one exits with a clear message and the input
error code (3), never 70 "internal error" with a Python exception's name.

Reproduced first: ``clearance catalog import`` of ``[[[...]]]`` 100,000 deep (JSON or YAML), of
YAML with a NUL, of YAML with ``!!python/object/apply``; ``clearance screen --vendor-findings``
of deep JSON; and ``clearance screen -o /nonexistent/dir/x.html`` all ended in exit 70.

The class: one table of hostile documents, run through every command that reads a structured
file (catalog YAML, catalog JSON, vendor JSON, policy YAML).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from clearance.cli.main import cli

DEEP = 100_000
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC")


def _laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]")
    lines.append(f"titles: [*a{levels}]")
    return "\n".join(lines) + "\n"


#: name -> (suffix, content): documents that no reader may answer with a traceback.
HOSTILE: dict[str, tuple[str, bytes]] = {
    "deep-json-array": (".json", b"[" * DEEP + b"]" * DEEP),
    "deep-json-object": (".json", b'{"a":' * DEEP + b"1" + b"}" * DEEP),
    "json-500-deep": (".json", b'{"titles": ' + b"[" * 500 + b"]" * 500 + b"}"),
    "deep-yaml-flow": (".yaml", b"[" * DEEP + b"]" * DEEP),
    "deep-yaml-block": (".yaml", b"titles:\n" + "".join(
        "  " * i + "-\n" for i in range(1, 3000)).encode()),
    "yaml-nul": (".yaml", b'titles: []\npeople: ["a\x00b"]\n'),
    "yaml-python-apply": (".yaml", b"titles: !!python/object/apply:os.system ['echo pwned']\n"),
    "yaml-python-name": (".yaml", b"titles: !!python/name:os.system\n"),
    "yaml-custom-tag": (".yaml", b"titles: !include /etc/passwd\n"),
    "yaml-binary": (".yaml", b"titles: !!binary aGVsbG8=\n"),
    "yaml-billion-laughs": (".yaml", _laughs().encode()),
    "yaml-recursive-alias": (".yaml", b"titles: &a [*a]\n"),
    "yaml-bom-and-garbage": (".yaml", b"\xef\xbb\xbf\x00\x01\x02"),
    "not-utf8": (".yaml", b"titles: [\xff\xfe]\n"),
    "empty": (".yaml", b""),
}


def _catalog(env: dict[str, str], path: Path) -> Result:
    return CliRunner(env=env).invoke(cli, ["catalog", "import", str(path)])


def _vendor(env: dict[str, str], path: Path) -> Result:
    image = path.parent / "one.png"
    image.write_bytes(PNG_1PX)
    return CliRunner(env=env).invoke(cli, ["screen", str(image), "--vendor-findings",
                                           str(path), "--semantic", "off"])


def _policy(env: dict[str, str], path: Path) -> Result:
    return CliRunner(env=env).invoke(cli, ["policy", "check", str(path)])


READERS: dict[str, Callable[[dict[str, str], Path], Result]] = {
    "catalog": _catalog, "vendor": _vendor, "policy": _policy,
}


def _cases() -> list[object]:
    return [pytest.param(reader, name, id=f"{name}-{reader_name}")
            for name in sorted(HOSTILE) for reader_name, reader in READERS.items()]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    return {"CLEARANCE_DATA_DIR": str(tmp_path / "data"), "CLEARANCE_DATABASE_URL": "",
            "CLEARANCE_SEMANTIC": "off"}


def _assert_clean_refusal(result: Result, name: str, codes: tuple[int, ...] = (3,)) -> None:
    assert not isinstance(result.exception, Exception | RecursionError) or isinstance(
        result.exception, SystemExit), f"{name}: {result.exception!r}"
    assert result.exit_code in codes, (name, result.exit_code, result.output)
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert result.output.strip(), "a refusal says why"


@pytest.mark.parametrize(("reader", "name"), _cases())
def test_hostile_documents_are_refused_cleanly(reader: Callable[[dict[str, str], Path], Result],
                                               name: str, env: dict[str, str],
                                               tmp_path: Path) -> None:
    suffix, content = HOSTILE[name]
    if reader is _vendor:
        suffix = ".json"
    path = tmp_path / f"{name}{suffix}"
    path.write_bytes(content)
    result = reader(env, path)
    # an unusable policy is a policy error (4); every other file an input error (3)
    _assert_clean_refusal(result, name, (3, 4) if reader is _policy else (3,))
    assert path.name in result.output  # names the file


def test_a_tag_is_named_with_its_line(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "tagged.yaml"
    path.write_text("people: []\ntitles: !!python/object/apply:os.system ['echo pwned']\n")
    result = _catalog(env, path)
    assert result.exit_code == 3
    assert f"{path}:2: the tag 'tag:yaml.org,2002:python/object/apply:os.system' is not " \
           "allowed" in result.output


def test_a_nul_is_named_with_its_line(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "nul.yaml"
    path.write_bytes(b"people: []\ntitles:\n  - id: \"a\x00\"\n")
    result = _catalog(env, path)
    assert result.exit_code == 3 and f"{path}:3: character U+0000" in result.output


@pytest.mark.parametrize("output", ["/nonexistent/dir/x.html", "{tmp}/missing/x.json"])
def test_screen_refuses_an_output_in_a_missing_folder_before_screening(
        env: dict[str, str], tmp_path: Path, output: str) -> None:
    target = output.format(tmp=tmp_path)
    result = CliRunner(env=env).invoke(cli, ["screen", "--text", "A film.", "-o", target])
    _assert_clean_refusal(result, target)
    assert "cannot write" in result.output and "does not exist" in result.output


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_screen_reports_an_output_that_fails_while_written(env: dict[str, str]) -> None:
    result = CliRunner(env=env).invoke(cli, ["screen", "--text", "A film.", "-o", "/dev/full",
                                             "--format", "json"])
    _assert_clean_refusal(result, "/dev/full")
    assert "cannot write /dev/full" in result.output


# -- the policy loader, like the catalog reader ------------------------------------------------

@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system ['echo pwned']",
                                 "!!python/name:os.system", "!include /etc/passwd",
                                 "!!binary aGVsbG8=", "!!set {a: null}"])
def test_a_policy_tag_is_named_with_its_line(env: dict[str, str], tmp_path: Path,
                                             tag: str) -> None:
    path = tmp_path / "tagged.yaml"
    path.write_text(f"policy: p\nversion: '1'\nrules: {tag}\n")
    result = _policy(env, path)
    _assert_clean_refusal(result, tag, (4,))
    assert f"{path}:3: the tag " in result.output and "is not allowed" in result.output


def test_a_policy_nul_is_named_with_its_line(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "nul.yaml"
    path.write_bytes(b"policy: p\nversion: '1'\nrules:\n  - name: \"a\x00\"\n")
    result = _policy(env, path)
    _assert_clean_refusal(result, "nul", (4,))
    assert f"{path}:4: character U+0000" in result.output


def test_a_policy_is_read_with_its_limit(env: dict[str, str], tmp_path: Path) -> None:
    from clearance.policy.loader import MAX_POLICY_BYTES

    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * MAX_POLICY_BYTES + b"\n")
    result = _policy(env, big)
    _assert_clean_refusal(result, "big", (4,))
    assert "the limit is" in result.output
    if Path("/dev/zero").exists():
        zero = _policy(env, Path("/dev/zero"))
        _assert_clean_refusal(zero, "/dev/zero", (4,))
        assert "not a regular file" in zero.output
