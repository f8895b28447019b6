"""A data file as a build saw it: its size, times and inode (``Fingerprint``), and the SHA-256
of its bytes. The freshness check of every query compares them; apart from ``compile`` so
that a query answered from a fresh cache imports nothing of the build pipeline."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple


class Fingerprint(NamedTuple):
    size: int
    mtime_ns: int
    ino: int
    ctime_ns: int

    @classmethod
    def of(cls, info: os.stat_result) -> Fingerprint:
        return cls(info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)


def sha256_of(path: Path) -> str:
    """The file's SHA-256, read a MiB at a time."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
