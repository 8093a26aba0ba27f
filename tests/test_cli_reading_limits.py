"""Reading limits (issue 10, item 13): standard input and files are read with their size limit,
never whole first, and devices, FIFOs and sockets named as paths are refused unless asked for.

Reproduced first: ``clearance screen /dev/zero`` read past 4 GB (``stat`` says 0 bytes, so the
size check passed and ``read_bytes`` never ended); ``-`` read all of standard input before the
text limit was checked; a FIFO named ``x.yaml`` hung ``clearance catalog import``.

The class: every command that reads a path (copy ``.txt``, catalog CSV for screening, images,
vendor JSON, catalog YAML/JSON/CSV) against a device and a FIFO.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from clearance.cli.main import cli
from clearance.content.images import load_picture_file
from clearance.content.reading import read_limited
from clearance.errors import ContentError

pytestmark = pytest.mark.skipif(not Path("/dev/zero").exists() or not hasattr(os, "mkfifo"),
                                reason="needs /dev/zero and FIFOs")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    return {"CLEARANCE_DATA_DIR": str(tmp_path / "data"), "CLEARANCE_DATABASE_URL": "",
            "CLEARANCE_SEMANTIC": "off", "CLEARANCE_MAX_TEXT_BYTES": "1000",
            "CLEARANCE_MAX_IMAGE_BYTES": "100000"}


def _guarded(args: list[str], env: dict[str, str], fifo: Path | None = None,
             stdin: bytes | None = None) -> Result:
    """Invoke the CLI in a thread; if it is still running after 30 s (blocked opening a FIFO or
    reading forever), unblock the FIFO and fail."""
    out: list[Result] = []
    thread = threading.Thread(target=lambda: out.append(
        CliRunner(env=env).invoke(cli, args, input=stdin)), daemon=True)
    thread.start()
    thread.join(30)
    if thread.is_alive():
        if fifo is not None:
            with fifo.open("wb"):
                pass
        thread.join(5)
        pytest.fail(f"clearance {' '.join(args)} did not return within 30 s")
    return out[0]


def _special(tmp_path: Path, kind: str, suffix: str) -> Path:
    path = tmp_path / f"special-{kind}{suffix}"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    return path


SCREEN_SUFFIXES = [".txt", ".csv", ".png", ""]
CATALOG_SUFFIXES = [".yaml", ".json", ".csv"]


@pytest.mark.parametrize("kind", ["device", "fifo"])
@pytest.mark.parametrize("suffix", SCREEN_SUFFIXES)
def test_screen_refuses_a_special_path(env: dict[str, str], tmp_path: Path, kind: str,
                                       suffix: str) -> None:
    path = _special(tmp_path, kind, suffix)
    result = _guarded(["screen", str(path)], env, path if kind == "fifo" else None)
    assert result.exit_code == 3, result.output
    assert "not a regular file" in result.output and "--allow-special-files" in result.output


@pytest.mark.parametrize("kind", ["device", "fifo"])
def test_vendor_findings_refuse_a_special_path(env: dict[str, str], tmp_path: Path,
                                               kind: str) -> None:
    from PIL import Image

    image = tmp_path / "one.png"
    Image.new("RGB", (8, 8), (200, 180, 160)).save(image, "PNG")
    path = _special(tmp_path, kind, ".json")
    result = _guarded(["screen", str(image), "--vendor-findings", str(path)], env,
                      path if kind == "fifo" else None)
    assert result.exit_code == 3 and "not a regular file" in result.output


@pytest.mark.parametrize("kind", ["device", "fifo"])
@pytest.mark.parametrize("suffix", CATALOG_SUFFIXES)
def test_catalog_import_refuses_a_special_path(env: dict[str, str], tmp_path: Path, kind: str,
                                               suffix: str) -> None:
    path = _special(tmp_path, kind, suffix)
    result = _guarded(["catalog", "import", str(path)], env, path if kind == "fifo" else None)
    assert result.exit_code == 3 and "not a regular file" in result.output


@pytest.mark.parametrize("suffix", [".txt", ".png"])
def test_asked_for_a_device_is_read_up_to_the_limit(env: dict[str, str], tmp_path: Path,
                                                    suffix: str) -> None:
    path = _special(tmp_path, "device", suffix)
    result = _guarded(["screen", str(path), "--allow-special-files"], env)
    assert result.exit_code == 3 and "more than" in result.output and "the limit" in result.output


def test_a_fifo_asked_for_is_read(env: dict[str, str], tmp_path: Path) -> None:
    path = _special(tmp_path, "fifo", ".txt")

    def write() -> None:
        with path.open("wb") as fifo:
            fifo.write(b"A quiet film about a lighthouse keeper.")

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    result = _guarded(["screen", str(path), "--allow-special-files", "--format", "json"], env,
                      path)
    writer.join(5)
    assert result.exit_code == 0, result.output
    assert '"decision": "pass"' in result.output


def test_standard_input_is_read_with_the_text_limit(env: dict[str, str]) -> None:
    result = _guarded(["screen", "-"], env, stdin=b"word " * 100_000)
    assert result.exit_code == 3 and "standard input: is more than 1,000 bytes" in result.output
    ok = _guarded(["screen", "-", "--format", "json"], env, stdin=b"A calm documentary.")
    assert ok.exit_code == 0 and '"item": "stdin"' in ok.output


class _Endless(io.RawIOBase):
    """An endless stream that counts what was read from it."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        n = len(buffer)
        buffer[:n] = b"x" * n
        self.served += n
        return n


def test_stdin_is_never_read_much_past_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    endless = _Endless()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(endless)))
    with pytest.raises(ContentError, match="is more than 5,000 bytes"):
        read_limited("-", 5_000)
    assert endless.served < 5_000 + (1 << 20) + 65_536  # one chunk and a buffer at most


def test_a_regular_file_over_the_limit_is_refused_without_reading(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 10_000)
    opened: list[Path] = []
    original = Path.open

    def spy(self: Path, *args: object, **kwargs: object) -> object:
        opened.append(self)
        return original(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", spy)
    with pytest.raises(ContentError, match="the limit is 1,000 bytes"):
        read_limited(big, 1_000)
    assert big not in opened


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        with pytest.raises(ContentError, match="a socket, not a regular file"):
            read_limited(path, 100)
        with pytest.raises(ContentError, match="not a regular file"):
            load_picture_file(path)


def test_screen_dev_zero_refuses_quickly_in_a_real_process(tmp_path: Path) -> None:
    """The probe's exact command, as a process: it must end, quickly and with exit 3."""
    env = {**os.environ, "CLEARANCE_DATA_DIR": str(tmp_path / "data"),
           "CLEARANCE_SEMANTIC": "off"}
    started = time.monotonic()
    command = [sys.executable, "-c", "from clearance.cli.main import main; main()", "screen",
               "/dev/zero"]
    done = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, timeout=120)
    assert done.returncode == 3, done.stderr.decode()
    assert b"not a regular file" in done.stderr
    assert time.monotonic() - started < 60
