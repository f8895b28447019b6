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

from .errors import DataError

#: Batches the child may have made ahead of what the pipe has taken (a few MiB each at most).
QUEUED = 32

Item = TypeVar("Item")


def available() -> bool:
    """Whether this platform can fork a child to work in."""
    return hasattr(os, "fork")


def produced(produce: Callable[[], Iterable[Item]], batch: int, what: str) -> Iterator[Item]:
    """The items of ``produce()``, made in a child process and sent back ``batch`` at a time.

    A ``DataError`` or ``KeyboardInterrupt`` in the child is raised here, after the items
    made before it; any other failure as a ``RuntimeError`` naming ``what`` the child was
    doing. The child stops at once when this iterator is closed before its end, or when
    this process fails.
    """
    import pickle
    import signal

    interrupts = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    read_end, write_end = os.pipe()
    # A pipe that holds a batch or more (Linux: 1 MiB, the most a user may ask for; elsewhere,
    # or refused, it stays as it is) takes each in one write.
    with contextlib.suppress(AttributeError, OSError):
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 1 << 20)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which coverage does not follow
        os.close(read_end)
        _child(write_end, produce, batch)
    os.close(write_end)
    finished = False
    try:
        with open(read_end, "rb") as pipe:
            while True:
                try:
                    kind, payload = pickle.load(pipe)
                except EOFError:
                    finished = True
                    _, status = os.waitpid(pid, 0)
                    pid = 0
                    if os.WIFSIGNALED(status) and os.WTERMSIG(status) in interrupts:
                        raise KeyboardInterrupt from None  # the terminal's Ctrl-C reached it first
                    raise RuntimeError(f"the process {what} ended early") from None
                if kind == "items":
                    yield from payload
                elif kind == "end":
                    finished = True
                    return
                elif kind == "data_error":
                    finished = True
                    raise DataError(payload)
                elif kind == "interrupted":
                    finished = True
                    raise KeyboardInterrupt
                else:
                    finished = True
                    summary, trace = payload  # --debug shows the child's traceback, chained
                    raise RuntimeError(f"the process {what} failed: {summary}") from RuntimeError(trace)
    finally:
        if not finished:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if pid:
            os.waitpid(pid, 0)


def _child(  # pragma: no cover - runs in the child, which coverage does not follow
    write_end: int, produce: Callable[[], Iterable[Item]], size: int
) -> NoReturn:
    """The child of ``produced``: it ends with ``os._exit``, never returning into the
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
