"""A file the user asked for (``import``'s copy, ``report --out``), written beside its
destination and renamed into place, never through a link another user planted.

The temporary file is created exclusively (``O_EXCL|O_NOFOLLOW``, a random name), so a
link or file waiting at its name is never opened. Renaming replaces a name, never what a
link points to; only a regular file or a link is ever replaced, and only when asked.
Temporary files of a process that died (``kill -9`` during a copy) are removed the next
time the same name is written.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

from iranclash.core.errors import CannotWrite, UsageProblem

#: A temporary file's name keeps this much of the target's, so it fits where the target fits.
_NAME_KEPT = 200


def existing(target: Path) -> os.stat_result | None:
    """What is at ``target`` itself (a link is not followed), or None."""
    try:
        return os.lstat(target)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise CannotWrite(target, error) from None


def check_replaceable(target: Path, found: os.stat_result) -> None:
    """Refuse to replace anything but a regular file or a link (the link itself)."""
    if stat.S_ISDIR(found.st_mode):
        raise UsageProblem(f"{target} is a folder; give a file name")
    if not (stat.S_ISREG(found.st_mode) or stat.S_ISLNK(found.st_mode)):
        raise UsageProblem(
            f"{target} is not a regular file (a device, a FIFO or a socket); it is never replaced"
        )


def write(target: Path, fill: Callable[[int], None], *, replace: bool) -> None:
    """Write ``target`` through ``fill`` (given a descriptor open for writing on a new
    temporary file beside it), then put it in place: over a file or link only if
    ``replace``, else only where nothing is. ``CannotWrite`` for a write the system
    refused (a full disk is exit 74)."""
    remove_dead(target)
    temporary = target.with_name(f".{target.name[:_NAME_KEPT]}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
    try:
        descriptor = os.open(
            temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666
        )
    except OSError as error:
        raise CannotWrite(target, error) from None
    try:
        try:
            fill(descriptor)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        _place(temporary, target, replace=replace)
    except OSError as error:
        raise CannotWrite(target, error) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def write_all(descriptor: int, data: bytes) -> None:
    """Every byte of ``data`` to ``descriptor``."""
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def _place(temporary: Path, target: Path, *, replace: bool) -> None:
    if replace:
        found = existing(target)  # looked at again: it may have been swapped since the first look
        if found is not None:
            check_replaceable(target, found)
        os.replace(temporary, target)
        return
    try:
        os.link(temporary, target, follow_symlinks=False)  # fails on any name there, even a dangling link
    except FileExistsError:
        raise UsageProblem(f"{target} exists; it was not replaced") from None
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        if existing(target) is not None:  # a file system without hard links: the next best
            raise UsageProblem(f"{target} exists; it was not replaced") from None
        os.replace(temporary, target)


def remove_dead(target: Path) -> None:
    """Remove the temporary files of ``target`` left by processes that no longer run."""
    pattern = re.compile(re.escape(f".{target.name[:_NAME_KEPT]}.") + r"(?P<pid>[0-9]+)(\.[0-9a-f]+)?\.tmp")
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    for name in names:
        match = pattern.fullmatch(name)
        if match and not _alive(int(match["pid"])):
            with contextlib.suppress(OSError):
                os.unlink(target.parent / name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process
    return True
