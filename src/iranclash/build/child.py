"""Work of a build done in a forked child process, its results sent back over a pipe.

A build has two jobs that each take a core's worth of time: reading (parsing YAML,
or converting an export's rows and gathering what the store writes of them) and
storing. A child forked from the build does its share of the reading while the
build stores; nothing crosses but the child's items, pickled by one side of this
build and unpickled by the other, never kept.

The child writes its batches from a thread, up to ``QUEUED`` ahead of what the pipe
has taken: the two sides take about as long per record, and without room to run
ahead, each would stop in turn while the other caught up (at 100,000 YAML events,
18.2 s with one batch in flight, 13.1 s with this).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterable, Iterator
from typing import NoReturn, TypeVar

from iranclash.core.errors import DataError

#: Batches the child may have made ahead of what the pipe has taken (a few MiB each at most).
QUEUED = 32

Item = TypeVar("Item")


def available() -> bool:
    """Whether this platform can fork a child to work in."""
    return hasattr(os, "fork")


class Child(Iterator[Item]):
    """A child process forked now, making the items of ``produce()``, sent back ``batch``
    at a time: an iterator over them.

    A ``DataError`` or ``KeyboardInterrupt`` in the child is raised here, after the items
    made before it; any other failure as a ``RuntimeError`` naming ``what`` the child was
    doing. ``close`` (or dropping it) stops the child at once if it has not finished.
    """

    def __init__(self, produce: Callable[[], Iterable[Item]], batch: int, what: str) -> None:
        self.what = what
        self.pending: Iterator[Item] = iter(())
        self.finished = False
        read_end, write_end = os.pipe()
        # A pipe that holds a batch or more (Linux: 1 MiB, the most a user may ask for;
        # elsewhere, or refused, it stays as it is) takes each in one write.
        with contextlib.suppress(AttributeError, OSError):
            fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 1 << 20)
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - runs in the child, which coverage does not follow
            os.close(read_end)
            _child(write_end, produce, batch)
        os.close(write_end)
        self.pipe = open(read_end, "rb")  # noqa: SIM115 (closed by close)

    def __del__(self) -> None:
        """Whoever drops it unclosed (an exception before or while reading it) stops it too."""
        self.close()

    def __next__(self) -> Item:
        while True:
            item = next(self.pending, _NONE)
            if item is not _NONE:
                return item  # type: ignore[return-value]
            if self.finished:
                raise StopIteration
            self.pending = iter(self._received())

    def _received(self) -> list[Item]:
        import pickle
        import signal

        try:
            kind, payload = pickle.load(self.pipe)
        except EOFError:
            self.finished = True
            _, status = os.waitpid(self.pid, 0)
            self.pid = 0
            interrupts = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
            if os.WIFSIGNALED(status) and os.WTERMSIG(status) in interrupts:
                raise KeyboardInterrupt from None  # the terminal's Ctrl-C reached it first
            raise RuntimeError(f"the process {self.what} ended early") from None
        if kind == "items":
            return list(payload)
        self.finished = True
        if kind == "end":
            return []
        if kind == "data_error":
            raise DataError(payload)
        if kind == "interrupted":
            raise KeyboardInterrupt
        summary, trace = payload  # --debug shows the child's traceback, chained
        raise RuntimeError(f"the process {self.what} failed: {summary}") from RuntimeError(trace)

    def close(self) -> None:
        import signal

        if getattr(self, "pid", 0):  # 0 once closed, and never set if the fork failed
            if not self.finished:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = 0
        self.finished = True
        if hasattr(self, "pipe"):
            self.pipe.close()


_NONE = object()


def _child(  # pragma: no cover - runs in the child, which coverage does not follow
    write_end: int, produce: Callable[[], Iterable[Item]], size: int
) -> NoReturn:
    """The process of a ``Child``: it ends with ``os._exit``, never returning into the
    build it was forked from (whose clean-up belongs to the parent)."""
    import pickle
    import queue
    import signal
    import threading

    status = 0
    try:
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)  # ended by them at once: the parent reports it
        pending: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUED)

        def write() -> None:
            try:
                while (data := pending.get()) is not None:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(write_end, view) :]
            except BaseException:
                os._exit(1)  # the parent is gone: nothing is left to send to

        writer = threading.Thread(target=write, daemon=True)
        writer.start()

        def send(message: tuple[str, object]) -> None:
            pending.put(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))

        batch: list[Item] = []
        try:
            for item in produce():
                batch.append(item)
                if len(batch) >= size:
                    send(("items", batch))
                    batch = []
            send(("items", batch))
            send(("end", None))
        except DataError as error:
            send(("items", batch))
            send(("data_error", error.problems))
        except KeyboardInterrupt:
            send(("interrupted", None))
        except Exception as error:
            import traceback

            send(("bug", (f"{type(error).__name__}: {error}", traceback.format_exc())))
        pending.put(None)
        writer.join()
    except BaseException:
        status = 1
    finally:
        os._exit(status)
