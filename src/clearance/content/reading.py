"""Reading an input file or standard input with its size limit, never whole before checking.

``path.read_bytes()`` on ``/dev/zero``, ``/dev/urandom`` or a FIFO whose writer never stops reads
until memory runs out (the probe saw ``clearance screen /dev/zero`` pass 4 GB): their ``stat``
size is 0, so a check of the size on disk does not help either. :func:`read_limited`

* refuses a folder, and a device, FIFO or socket named as a path unless the caller was asked to
  read one (``allow_special``; ``clearance screen --allow-special-files``): ``stat`` decides,
  before the file is opened (opening a FIFO would already block);
* refuses a regular file whose size on disk is over the limit without reading it;
* reads at most ``limit + 1`` bytes of anything else -- standard input (``-``) included, which
  stays allowed -- and refuses it when that extra byte arrives.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import BinaryIO, Final

from clearance.errors import ContentError

STDIN: Final = "-"
#: What ``clearance screen`` says to read a device or FIFO anyway.
SCREEN_HINT: Final = "use --allow-special-files to read it, or - for standard input"
_CHUNK: Final = 1 << 20


def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _too_large(name: str, limit: int, setting: str | None, size: int | None = None
               ) -> ContentError:
    hint = f" (set {setting} to change it)" if setting else ""
    what = f"is {size:,} bytes" if size is not None else f"is more than {limit:,} bytes"
    return ContentError(f"{name}: {what}; the limit is {limit:,} bytes{hint}")


def _read_stream(stream: BinaryIO, name: str, limit: int | None, setting: str | None,
                 start: bytes = b"") -> bytes:
    chunks: list[bytes] = [start]
    total = len(start)
    if limit is not None and total > limit:
        raise _too_large(name, limit, setting)
    while True:
        want = _CHUNK if limit is None else min(_CHUNK, limit + 1 - total)
        chunk = stream.read(want)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if limit is not None and total > limit:
            raise _too_large(name, limit, setting)


def is_stdin(path: str | os.PathLike[str]) -> bool:
    return os.fspath(path) == STDIN


def stdin_first_line(most: int) -> bytes:
    """The first line of standard input (at most ``most`` bytes of it), for deciding how to read
    the rest (``clearance screen -``: a CSV header, or copy): pass it to :func:`read_stdin`."""
    return sys.stdin.buffer.readline(most)


def read_stdin(limit: int | None, *, start: bytes = b"", setting: str | None = None) -> bytes:
    """Standard input, ``start`` (what :func:`stdin_first_line` read) included, at most ``limit``
    bytes in all (``None``: no limit, as for a CSV file of any size)."""
    return _read_stream(sys.stdin.buffer, "standard input", limit, setting, start)


def read_limited(path: str | os.PathLike[str], limit: int | None, *,
                 allow_special: bool = False, setting: str | None = None,
                 how_to_allow: str | None = None) -> bytes:
    """The bytes of ``path`` (``-``: standard input), at most ``limit`` of them (``None``: no
    size limit, but still never a device or FIFO unless ``allow_special``).

    Raises :class:`ContentError` naming the path: missing, a folder, a device/FIFO/socket not
    asked for (``how_to_allow`` says how to ask), unreadable, or over ``limit`` (``setting``
    names the setting that raises it).
    """
    name = os.fspath(path)
    if is_stdin(path):
        return _read_stream(sys.stdin.buffer, "standard input", limit, setting)
    p = Path(path)
    try:
        info = p.stat()
    except FileNotFoundError as exc:
        raise ContentError(f"{name}: no such file") from exc
    except OSError as exc:
        raise ContentError(f"{name}: cannot read: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(info.st_mode):
        raise ContentError(f"{name}: is a folder, not a file")
    is_regular = stat.S_ISREG(info.st_mode)
    if not is_regular and not allow_special:
        raise ContentError(f"{name}: is {_kind(info.st_mode)}, not a regular file"
                           + (f" ({how_to_allow})" if how_to_allow else ""))
    if is_regular and limit is not None and info.st_size > limit:
        raise _too_large(name, limit, setting, info.st_size)
    try:
        with p.open("rb") as stream:
            return _read_stream(stream, name, limit, setting)
    except PermissionError as exc:
        raise ContentError(f"{name}: cannot be read (permission denied)") from exc
    except IsADirectoryError as exc:
        raise ContentError(f"{name}: is a folder, not a file") from exc
    except OSError as exc:
        raise ContentError(f"{name}: cannot read: {exc.strerror or exc}") from exc
