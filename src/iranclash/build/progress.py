"""How far a build has come (``Step``) and who is told (``Progress``): the progress bar of
``cli`` and the processes waiting on a build (``cache.BuildLock``). Apart from ``compile``, so
that reading a lock file imports nothing of the build pipeline."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple


class Step(NamedTuple):
    """How far a build has come: what its progress bar shows (``cli``), and those waiting
    for it (``cache.BuildLock``)."""

    #: Files read, of all; an export read partly counts as the share of its bytes read.
    done: float
    total: int
    #: Bytes of the files read so far (of an export read partly, as far as it is read), of all.
    read: int = 0
    size: int = 0
    #: Rows of the exports accounted for so far.
    rows: int = 0
    #: Seconds since the build began.
    seconds: float = 0.0


#: Told each step of a build: after each file, and after each chunk of an export read in chunks.
Progress = Callable[[Step], None]
