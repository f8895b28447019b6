"""Open a data folder as a query-ready store, from a compiled cache when it is fresh.

The YAML files stay the source of truth. Compiling them (parse, check, index)
takes seconds at scale, so the compiled SQLite database is kept in the user's
cache directory, one file per data folder, and reused while every data file is
unchanged. Reuse must never give a wrong answer, and a cache must never be more
than data:

- Each file's size, mtime, inode and ctime are compared on every run. An edit
  that keeps all four (same size, within the same clock tick as the build: git's
  "racily clean" case) is caught by the content hash kept for every file whose
  mtime was too close to the build; only those few files are hashed.
- The cache holds rows and JSON text only, nothing that runs when read. Each
  record's JSON carries a checksum checked as it is read (``checks``).
- A rebuild starts from a copy of the last cache and replaces only the share of the
  files that changed (``partial``), where no other file depends on what changed; else
  it reads every file again. A file whose bytes are the same (touched, downloaded
  again) only gets its new fingerprint. The cache keeps no copy of the records to
  restore from: restoring records is not much cheaper than parsing them.
- The cache folder is reached one name at a time from ``/``, following only links
  the user or root owns, and opened once and checked on that descriptor (owned by
  the user, writable by nobody else). Every folder on the way must be one no other
  user can change (owned by the user or root, not writable by others unless sticky),
  since SQLite opens the database and its journal by path: no one else can swap
  the folder under it. Every file in it is then reached through the descriptor
  (never through a link, never waiting on a FIFO), and the database file SQLite
  opened is checked to be the one in that folder.
- One build at a time per data folder (``flock`` on a lock file beside the cache);
  the others wait, with the builder's progress, then read what it built. A build
  writes a new database beside the old one and renames it into place, so readers
  only ever see whole databases. Temp files of builders that died are removed by
  the next build; a journal left by one that died while settling (its lock free) is
  rolled back, while a live settle's is left alone and read beside, never waited for.
- A query never writes into a cache others read, except to settle racily-clean
  files, which happens only when the build lock is free and never waits for it.
- A cache that cannot be read, from another version, or in a directory that is
  not private to the user is rebuilt or bypassed (the records are loaded into
  memory instead), never trusted; so is one whose folder turned strange (read-only,
  a lock or journal that is not a file). ``clear`` removes only regular files of the
  names this module gives.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import sqlite3
import stat
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple

from iranclash import __version__
from iranclash.build import integrity as checks
from iranclash.build.fingerprint import Fingerprint, sha256_of
from iranclash.build.progress import Progress, Step
from iranclash.ingest import folder

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

from iranclash.core.errors import DataError

if TYPE_CHECKING:
    from iranclash.ingest.datasets import Account

#: What a build runs on the cache file it wrote (the connection, and a way to open another on
#: the same file), to store what queries would otherwise compute every time.
Precompute = Callable[[sqlite3.Connection, Callable[[], sqlite3.Connection]], None]

CACHE_ENV = "IRANCLASH_CACHE_DIR"
#: Tests only: the name of a point in a build where the process stops for a minute
#: (``compile``, ``rename``, ``settle``), so that a test can kill it exactly there.
PAUSE_ENV = "IRANCLASH_TEST_PAUSE_AT"
#: Bumped whenever ``store``'s tables or the JSON it stores change, so old caches are rebuilt.
SCHEMA_VERSION = 28
#: An mtime this close to a build may hide a later edit within the same clock tick
#: (2 s covers the coarsest common timestamps, FAT's).
RACY_WINDOW_NS = 2_000_000_000
#: How often a process waiting for another's build looks at its progress.
_POLL_SECONDS = 0.1

Warn = Callable[[str], None]


class CacheUnavailable(Exception):
    """Why no cache can be used: no usable location, or a folder that is not private."""


class Damaged(Exception):
    """A cache SQLite rejects, or whose bookkeeping does not read: rebuilt, not bypassed."""


def cache_dir() -> Path:
    """``$IRANCLASH_CACHE_DIR``, else ``$XDG_CACHE_HOME/iranclash``, else ``~/.cache/iranclash``.

    A relative path there (or no home folder at all) names no fixed place: the cache
    would follow the working directory. That raises ``CacheUnavailable``.
    """
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return _absolute(explicit, f"${CACHE_ENV}")
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return _absolute(xdg, "$XDG_CACHE_HOME") / "iranclash"
    home = os.environ.get("HOME")
    if not home:
        import pwd

        try:
            home = pwd.getpwuid(os.getuid()).pw_dir
        except KeyError:
            home = ""
        if not home:
            raise CacheUnavailable("no home folder ($HOME is not set and the user has no passwd entry)")
    return _absolute(home, "$HOME") / ".cache" / "iranclash"


def _absolute(text: str, name: str) -> Path:
    if not os.path.isabs(text):
        raise CacheUnavailable(f"{name} is a relative path ({text!r}); set it to an absolute one")
    return Path(text)


def cache_key(folders: Folders | Path) -> str:
    """One cache per data folder (or list of folders read together), named by a checksum of
    the resolved paths (zlib's, since hashlib costs 2 ms of start-up), so that every way of
    naming them shares it; two lists sharing a checksum only rebuild in turn, as the cache
    records its folders."""
    path = _folder_text(_as_folders(folders)).encode("utf-8", "surrogateescape")
    return f"{zlib.crc32(path):08x}{zlib.adler32(path):08x}"


def cache_path(folders: Folders | Path) -> Path:
    """Where the cache of ``folders`` is (``CacheUnavailable`` when nowhere)."""
    return cache_dir() / f"{cache_key(folders)}.sqlite"


Folders = tuple[Path, ...]


def _as_folders(given: Folders | Path | Sequence[Path]) -> Folders:
    return (given,) if isinstance(given, Path) else tuple(given)


def _folder_text(folders: Folders) -> str:
    """The folders as the cache records them: resolved, one per line."""
    return "\n".join(str(path.resolve()) for path in folders)


class CachedFile(NamedTuple):
    path: str
    fingerprint: Fingerprint
    sha256: str
    racy: bool


def open_store(
    data: Folders | Path | Sequence[Path],
    *,
    use_cache: bool = True,
    progress: Progress | None = None,
    warn: Warn | None = None,
    rebuild: bool = False,
    precompute: Precompute | None = None,
) -> checks.Store:
    """A connection to the compiled records of ``folders``, from the cache when fresh.

    With ``rebuild``, the cache (found damaged) is compiled again without a look at it.
    ``precompute`` is run on a cache file once it is built, to store what queries would
    otherwise compute on every run (the command line's: the summary of every event).
    """
    folders = _as_folders(data)
    files = folder.all_data_files(folders)
    if not use_cache:
        return _in_memory(files, progress)
    try:
        directory = CacheFolder.open(cache_dir())
    except CacheUnavailable as problem:
        if warn:
            warn(f"not using the cache: {problem}")
        return _in_memory(files, progress)
    with directory:
        try:
            return _open_or_build(directory, folders, files, progress, precompute, warn, rebuild=rebuild)
        except (OSError, sqlite3.Error, CacheUnavailable) as error:
            if warn:
                warn(f"could not use the cache ({_reason(error)}); loading without it")
            return _in_memory(files, progress)


def _open_or_build(
    directory: CacheFolder,
    folders: Folders,
    files: list[tuple[str, Path]],
    progress: Progress | None,
    precompute: Precompute | None,
    warn: Warn | None,
    *,
    rebuild: bool,
) -> checks.Store:
    key = cache_key(folders)
    name = f"{key}.sqlite"
    if not rebuild:
        try:
            fresh = _open_if_fresh(directory, name, folders, files, settle=True)
        except Damaged:
            fresh = None  # said once, below, by the run that holds the lock
        if fresh is not None:
            return fresh
    with BuildLock(directory, key) as lock:
        lock.wait(progress)
        if not rebuild:  # another process may have built it since the check above
            try:
                fresh = _open_if_fresh(directory, name, folders, files, settle=False, verify=True)
            except Damaged as found:
                if warn:
                    warn(f"the cache is damaged ({found}); rebuilding it")
                fresh, rebuild = None, True
            if fresh is not None:
                return fresh
        _remove_dead_builds(directory, name)
        # Only a cache still as its build sealed it is worth copying: the rest is unchecked.
        info = directory.stat(name)
        reuse = not rebuild and info is not None and _sealed(directory, name, info)
        _rebuild(directory, name, folders, files, progress, lock, precompute, reuse=reuse)
        connection = directory.connect(name, read_only=True)
        connection.compiled = True
        return connection


def status(data: Folders | Path) -> str:
    """``fresh``, ``stale`` or ``missing``: what the next query would find (it writes nothing)."""
    folders = _as_folders(data)
    with CacheFolder.open(cache_dir()) as directory:
        name = f"{cache_key(folders)}.sqlite"
        if directory.stat(name) is None:
            return "missing"
        try:
            fresh = _open_if_fresh(directory, name, folders, folder.all_data_files(folders), settle=False)
        except Damaged:
            fresh = None  # the next query says so and rebuilds it
        if fresh is None:
            return "stale"
        fresh.close()
        return "fresh"


def export_accounts(data: Folders | Path) -> list[Account] | None:
    """What became of each export's rows, as the fresh cache of ``data`` keeps it; None where
    the cache is not fresh (it writes nothing)."""
    from iranclash.build.store import accounts

    folders = _as_folders(data)
    with CacheFolder.open(cache_dir()) as directory:
        name = f"{cache_key(folders)}.sqlite"
        try:
            fresh = _open_if_fresh(directory, name, folders, folder.all_data_files(folders), settle=False)
        except Damaged:
            fresh = None
        if fresh is None:
            return None
        try:
            return accounts(fresh)
        except sqlite3.Error:
            return None  # damage: the next query finds it and rebuilds
        finally:
            fresh.close()


def size(folders: Folders | Path) -> int:
    """Bytes of the cache file of ``folders`` (0 when there is none)."""
    with CacheFolder.open(cache_dir()) as directory:
        info = directory.stat(f"{cache_key(folders)}.sqlite")
        return info.st_size if info else 0


def clear() -> int:
    """Remove every cache file (with its seal, and any builder's temp file) in the cache folder, checked as
    any run checks it; the number removed. Only regular files of names this tool gives are
    removed: nothing else someone put there, and nothing a link points to.

    Lock files stay: removing one while another process holds it would let two builds run.
    """
    removed = 0
    with CacheFolder.open(cache_dir()) as directory:
        for entry in directory.names():
            if not re.fullmatch(_OURS, entry):
                continue
            info = directory.stat(entry)
            if info is not None and stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid():
                directory.unlink(entry)
                removed += not entry.endswith(".seal")  # a cache's seal goes with it
    return removed


def _reason(error: BaseException) -> str:
    return (error.strerror if isinstance(error, OSError) and error.strerror else None) or str(error)


# --- the cache folder ----------------------------------------------------------------------

_FD_LISTS = ("/proc/self/fd", "/dev/fd")


class CacheFolder:
    """The cache directory, opened once and checked on its descriptor; all access goes through it."""

    def __init__(self, path: Path, descriptor: int) -> None:
        self.path = path
        self.fd = descriptor

    @classmethod
    def open(cls, path: Path) -> CacheFolder:
        """The folder at ``path``, made if missing, reached one name at a time from ``/``
        without following a link another user owns, and refused unless no other user
        could swap it or anything in it (see ``_walk``)."""
        descriptor, real = _walk(path)
        problem = _ownership_problem(path, os.fstat(descriptor))
        if problem is not None:
            os.close(descriptor)
            raise CacheUnavailable(problem)
        return cls(real, descriptor)

    def __enter__(self) -> CacheFolder:
        return self

    def __exit__(self, *_exception: object) -> None:
        os.close(self.fd)

    def stat(self, name: str) -> os.stat_result | None:
        try:
            return os.stat(name, dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return None

    def open_file(self, name: str, flags: int) -> int:
        """``name`` here, never through a link, and never waiting on a FIFO planted there."""
        return os.open(name, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o600, dir_fd=self.fd)

    def names(self) -> list[str]:
        return os.listdir(self.fd)

    def unlink(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=self.fd)

    def replace(self, source: str, target: str) -> None:
        os.replace(source, target, src_dir_fd=self.fd, dst_dir_fd=self.fd)

    def connect(self, name: str, *, read_only: bool, timeout: float = 5.0) -> checks.Store:
        """SQLite on ``name`` in this folder, refused unless the file SQLite opened is the
        regular file of that name here, owned by the user (SQLite opens by path, and a
        path can be redirected between a check and an open; a descriptor cannot)."""
        expected = self.stat(name)
        if expected is None or not stat.S_ISREG(expected.st_mode) or expected.st_uid != os.getuid():
            raise CacheUnavailable(f"{self.path / name} is not a regular file of the user")
        uri = (self.path / name).as_uri() + ("?mode=ro" if read_only else "")
        try:
            connection = checks.connect(uri, uri=True, timeout=timeout)
        except UnicodeDecodeError:  # the schema's text itself is damaged
            raise sqlite3.DatabaseError("malformed database schema (its text is not UTF-8)") from None
        try:
            connection.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
            if not _holds(expected):
                raise CacheUnavailable(f"{self.path / name} changed while it was opened")
        except BaseException:
            connection.close()
            raise
        return connection


def _ownership_problem(path: Path, info: os.stat_result) -> str | None:
    """Why the folder behind ``info`` cannot hold a trusted cache, or None when it can."""
    if info.st_uid != os.getuid():
        return f"{path} is owned by another user"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"{path} is writable by other users"
    return None


def _ancestor_problem(path: Path, info: os.stat_result) -> str | None:
    """Why a folder on the way to the cache would let another user swap what is in it (as
    git refuses a repository another user owns), or None. The sticky bit (``/tmp``)
    keeps others from renaming what they do not own."""
    if info.st_uid not in (os.getuid(), 0):
        return f"{path}, a folder on the way to the cache, is owned by another user"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not info.st_mode & stat.S_ISVTX:
        return f"{path}, a folder on the way to the cache, is writable by other users"
    return None


#: How many links a cache location may pass through, as the kernel's own limit.
_MOST_LINKS = 40


def _walk(path: Path) -> tuple[int, Path]:
    """A descriptor on the folder ``path`` and its real path, found one name at a time
    from ``/`` (missing folders made, private): a link is followed only where the user or
    root owns it, and each folder passed must be one no other user can change."""
    if not path.is_absolute():
        raise CacheUnavailable(f"{path} is a relative path")
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    names = list(path.parts[1:])
    real = Path("/")
    current = os.open("/", flags)
    links = 0
    try:
        while names:
            name = names.pop(0)
            if name in ("", "."):
                continue
            if name == "..":
                parent = os.open("..", flags, dir_fd=current)
                os.close(current)
                current, real = parent, real.parent
                continue
            problem = _ancestor_problem(real, os.fstat(current))
            if problem is not None:
                raise CacheUnavailable(problem)
            try:
                info = os.stat(name, dir_fd=current, follow_symlinks=False)
            except FileNotFoundError:
                os.mkdir(name, 0o700, dir_fd=current)
                info = os.stat(name, dir_fd=current, follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                if info.st_uid not in (os.getuid(), 0):
                    raise CacheUnavailable(
                        f"{real / name} is a link owned by another user; it is not followed"
                    )
                links += 1
                if links > _MOST_LINKS:
                    raise CacheUnavailable(f"{path} passes through too many links")
                target = os.readlink(name, dir_fd=current)
                names[:0] = list(Path(target).parts)
                if os.path.isabs(target):
                    os.close(current)
                    current, real = os.open("/", flags), Path("/")
                    names.pop(0)
                continue
            following = os.open(name, flags, dir_fd=current)
            os.close(current)
            current, real = following, real / name
        return current, real
    except CacheUnavailable:
        os.close(current)
        raise
    except OSError as error:
        os.close(current)
        raise CacheUnavailable(f"cannot use {path}: {_reason(error)}") from None


def _holds(expected: os.stat_result) -> bool:
    """Whether one of this process's descriptors is the file ``expected`` (where the
    system lists them; elsewhere the path check above is all there is)."""
    for listing in _FD_LISTS:
        try:
            descriptors = os.listdir(listing)
        except OSError:
            continue
        for entry in descriptors:
            try:
                info = os.fstat(int(entry))
            except (OSError, ValueError):
                continue
            if (info.st_dev, info.st_ino) == (expected.st_dev, expected.st_ino):
                return True
        return False
    return True


# --- one build at a time ---------------------------------------------------------------------


class BuildLock:
    """``flock`` on ``<key>.lock`` beside the cache: one build (or settle) per data folder.

    The builder writes its progress into the lock file, so that those waiting show it.
    """

    def __init__(self, directory: CacheFolder, key: str) -> None:
        self.fd = directory.open_file(f"{key}.lock", os.O_RDWR | os.O_CREAT)
        if not stat.S_ISREG(os.fstat(self.fd).st_mode):
            os.close(self.fd)
            raise CacheUnavailable(f"{directory.path / key}.lock is not a regular file")

    def __enter__(self) -> BuildLock:
        return self

    def __exit__(self, *_exception: object) -> None:
        os.close(self.fd)  # closing the descriptor releases the lock

    def try_lock(self) -> bool:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def wait(self, progress: Progress | None) -> None:
        """Take the lock, showing the holder's progress while waiting for it."""
        if self.try_lock():
            return
        if progress is None:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            return
        while not self.try_lock():
            step = _written(os.pread(self.fd, 2 * _STEP_BYTES, 0))
            if step is not None:
                progress(step)
            time.sleep(_POLL_SECONDS)

    def report(self, step: Step) -> None:
        """Write ``step`` where those waiting read it: files done and of all in the first
        ``_STEP_BYTES``, all of it in the next (earlier versions read the first alone)."""
        done = f"{step.done:g} {step.total}"
        more = f"{done} {step.read} {step.size} {step.rows} {step.seconds:.1f}"
        os.pwrite(self.fd, (done.ljust(_STEP_BYTES) + more.ljust(_STEP_BYTES)).encode(), 0)


#: The bytes of each of the two lines a builder writes into its lock file (``BuildLock.report``).
_STEP_BYTES = 64


def _written(text: bytes) -> Step | None:
    """The step a builder wrote into the lock file, or None before it wrote one. A second line
    that does not repeat the first was left there by an earlier version's build."""
    first, more = text[:_STEP_BYTES].split(), text[_STEP_BYTES:].split()
    if len(first) != 2 or not _number(first[0]) or not first[1].isdigit() or not int(first[1]):
        return None
    step = Step(float(first[0]), int(first[1]))
    if (
        len(more) == 6
        and more[:2] == first
        and all(word.isdigit() for word in more[2:5])
        and _number(more[5])
    ):
        step = step._replace(read=int(more[2]), size=int(more[3]), rows=int(more[4]), seconds=float(more[5]))
    return step


def _number(word: bytes) -> bool:
    return word.replace(b".", b"", 1).isdigit()


_TEMPORARY = r"(?P<name>[0-9a-f]{16}\.sqlite)\.(?P<pid>[0-9]+)\.[0-9]+\.tmp"
#: The names of the files a cache is made of (SQLite's journal too), and of builders' temp files.
_OURS = rf"[0-9a-f]{{16}}\.(sqlite(-journal)?|seal(\.[0-9]+\.tmp)?)|{_TEMPORARY}"


def _remove_dead_builds(directory: CacheFolder, own: str) -> None:
    """Remove temp files no build is writing: this folder's (its lock is ours now) and
    those of processes that no longer run."""
    for entry in directory.names():
        match = re.fullmatch(_TEMPORARY, entry)
        if match and (match["name"] == own or not _alive(int(match["pid"]))):
            directory.unlink(entry)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _pause_point(name: str) -> None:
    """Tests only: stop here for a minute when ``$IRANCLASH_TEST_PAUSE_AT`` names this point."""
    if os.environ.get(PAUSE_ENV) == name:
        sys.stderr.write(f"iranclash: paused at {name}\n")
        sys.stderr.flush()
        time.sleep(60)


# --- freshness ---------------------------------------------------------------------------


def _open_if_fresh(
    directory: CacheFolder,
    name: str,
    folders: Folders,
    files: list[tuple[str, Path]],
    *,
    settle: bool,
    verify: bool = False,
) -> checks.Store | None:
    """The cache ``name`` if it is of ``files`` as they are now and its file is the one its
    build sealed (``_seal``); else None. ``verify`` (under the build lock): a file changed
    since its seal is hashed, and ``Damaged`` unless its bytes are still those sealed."""
    journal = directory.stat(f"{name}-journal")
    if journal is not None:
        if not stat.S_ISREG(journal.st_mode):
            raise CacheUnavailable(f"{directory.path / name}-journal is not a regular file")
        if not _recover(directory, name):
            return _read_beside_a_settle(directory, name, folders, files)
    info = directory.stat(name)
    if info is None:
        return None
    if not _sealed(directory, name, info) and not (verify and _intact(directory, name)):
        return None
    try:
        connection = directory.connect(name, read_only=True)
    except sqlite3.Error as error:
        if checks.damage(None, error):
            raise Damaged(_reason(error)) from None
        return None
    except (OSError, CacheUnavailable):
        return None
    try:
        settled = _matches(connection, folders, files)
    except (sqlite3.Error, UnicodeDecodeError) as error:
        connection.close()
        if checks.damage(None, error):
            raise Damaged(_reason(error)) from None
        return None
    except OSError:
        settled = None
    if settled is None:
        connection.close()
        return None
    if settled and settle:
        _settle(directory, name, settled)
    return connection


def _read_beside_a_settle(
    directory: CacheFolder, name: str, folders: Folders, files: list[tuple[str, Path]]
) -> checks.Store:
    """The cache, read while another run settles it (SQLite lets readers in until the
    commit), waiting a moment at most; else ``CacheUnavailable``, and the caller answers
    without the cache rather than wait for the settle."""
    try:
        connection = directory.connect(name, read_only=True, timeout=_MOMENT)
        try:
            settled = _matches(connection, folders, files)
        except BaseException:
            connection.close()
            raise
    except (sqlite3.Error, OSError) as error:
        raise CacheUnavailable(f"another run is writing it ({_reason(error)})") from None
    if settled is None:
        connection.close()
        raise CacheUnavailable("another run is writing it, and it is stale")
    return connection


#: The longest a query waits for another run's settle, in seconds.
_MOMENT = 0.5


# --- the seal: what the cache file was when its build (or settle) last wrote it ---------------


def _seal(directory: CacheFolder, name: str) -> None:
    """Record, beside the cache file, its identity (inode, size, mtime, ctime) and the
    SHA-256 of its bytes, under the build lock. A flipped byte anywhere in it (the index
    tables too, which carry no checksum of their own) changes what the file is: it is then
    hashed again before a query trusts it (``_intact``). Kept apart from the database, since
    writing into it would change it."""
    try:
        with open(directory.open_file(name, os.O_RDONLY), "rb") as cache_file:
            info = os.fstat(cache_file.fileno())
            digest = _digest(cache_file)
        temporary = f"{_seal_name(name)}.{os.getpid()}.tmp"
        with open(directory.open_file(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "w") as seal:
            seal.write(f"{_identity(info)} {digest}\n")
        directory.replace(temporary, _seal_name(name))
    except OSError:
        pass  # no seal: the next run under the build lock rebuilds, which is always right


def _seal_name(name: str) -> str:
    return name.removesuffix(".sqlite") + ".seal"


def _identity(info: os.stat_result) -> str:
    return f"{info.st_ino} {info.st_size} {info.st_mtime_ns} {info.st_ctime_ns}"


def _read_seal(directory: CacheFolder, name: str) -> tuple[str, str] | None:
    """(identity, digest) as sealed, or None where there is no readable seal."""
    try:
        descriptor = directory.open_file(_seal_name(name), os.O_RDONLY)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        text = os.read(descriptor, 256).decode("ascii", "replace").split()
    finally:
        os.close(descriptor)
    return (" ".join(text[:4]), text[4]) if len(text) == 5 else None


def _sealed(directory: CacheFolder, name: str, info: os.stat_result) -> bool:
    """Whether the cache file is still the one sealed (a stat and a 100-byte read)."""
    found = _read_seal(directory, name)
    return found is not None and found[0] == _identity(info)


def _intact(directory: CacheFolder, name: str) -> bool:
    """Under the build lock: whether a cache file changed since its seal (touched, rolled
    back, or damaged) still has the bytes sealed (then sealed again); ``Damaged`` if not.
    False where there is no seal of this file: rebuilt quietly."""
    found = _read_seal(directory, name)
    try:
        with open(directory.open_file(name, os.O_RDONLY), "rb") as cache_file:
            info = os.fstat(cache_file.fileno())
            if found is None or found[0].split()[0] != str(info.st_ino) or not stat.S_ISREG(info.st_mode):
                return False
            if _digest(cache_file) != found[1]:
                raise Damaged("its bytes are not those its build wrote")
    except OSError:
        return False
    _seal(directory, name)
    return True


def _digest(source: IO[bytes]) -> str:
    import hashlib

    digest = hashlib.sha256()
    while chunk := source.read(1 << 22):
        digest.update(chunk)
    return digest.hexdigest()


def _matches(
    connection: sqlite3.Connection, folders: Folders, files: list[tuple[str, Path]]
) -> list[str] | None:
    """None if the cache is stale; else the racily-clean files whose clock tick has passed."""
    cached = _cached_for(connection, folders, files)
    if cached is None:
        return None
    settled: list[str] = []
    for _kind, path in files:
        entry = cached[_relative(path, folders)]
        info = os.stat(path)
        if not _unchanged(entry, Fingerprint.of(info), path):
            return None
        if entry.racy and time.time_ns() - info.st_mtime_ns > RACY_WINDOW_NS:
            settled.append(entry.path)
    return settled


def _cached_for(
    connection: sqlite3.Connection, folders: Folders, files: list[tuple[str, Path]]
) -> dict[str, CachedFile] | None:
    """The cache's record of each of ``files`` by its name (``_relative``); None for a cache
    of another version, of other folders, or of another set of files."""
    meta = dict(connection.execute("SELECT key, value FROM meta"))
    if not _same_version(meta) or meta.get("folder") != _folder_text(folders):
        return None
    cached = {entry.path: entry for entry in _cached_files(connection)}
    if set(cached) != {_relative(path, folders) for _kind, path in files}:
        return None
    return cached


def _relative(path: Path, folders: Folders) -> str:
    """A data file's name inside its folder, the same however the folder was named; where
    several folders are read together, prefixed by the folder's place in the list."""
    if len(folders) == 1:
        return str(path.relative_to(folders[0]))
    for index, data_folder in enumerate(folders):
        if path.is_relative_to(data_folder):
            return f"{index}:{path.relative_to(data_folder)}"
    raise ValueError(f"{path} is in none of the data folders")


def _same_version(meta: dict[str, str]) -> bool:
    """A cache written by another version may differ in layout or in what it parsed."""
    return meta.get("iranclash_version") == __version__ and meta.get("schema_version") == str(SCHEMA_VERSION)


def _settle(directory: CacheFolder, name: str, paths: list[str]) -> None:
    """Stop hashing files whose content was checked after their clock tick had passed.

    From now on any edit gives them a newer mtime, which the fingerprint sees. This is
    the one write into a cache others may be reading, so it never waits: not for the
    build lock, and not for readers (it is skipped, and tried again by a later run).
    """
    try:
        lock = BuildLock(directory, name.removesuffix(".sqlite"))
    except (OSError, CacheUnavailable):
        return  # a folder now read-only, a lock that is not a file: hashing those files stays correct
    with lock:
        if not lock.try_lock():
            return
        try:
            writer = directory.connect(name, read_only=False, timeout=0)
        except (sqlite3.Error, OSError, CacheUnavailable):
            return
        try:
            writer.isolation_level = None
            writer.execute("BEGIN IMMEDIATE")
            writer.executemany("UPDATE source_file SET racy = 0 WHERE path = ?", [(path,) for path in paths])
            _pause_point("settle")
            writer.execute("COMMIT")
        except sqlite3.Error:
            return  # readers are busy with it: they keep hashing those few files, which stays correct
        finally:
            writer.close()
        _seal(directory, name)


def _recover(directory: CacheFolder, name: str) -> bool:
    """Roll back the journal of a settle whose process died, under the build lock; a cache
    that cannot be recovered is removed (and rebuilt by the caller). False, at once, where
    the journal is a live settle's: its writer holds the lock (a slow disk can keep it
    for many seconds), and only a journal whose writer's lock is free is a crashed one."""
    with BuildLock(directory, name.removesuffix(".sqlite")) as lock:
        if not lock.try_lock():
            return False
        if directory.stat(f"{name}-journal") is None:
            return True
        try:
            writer = directory.connect(name, read_only=False, timeout=1)
            try:
                writer.execute("SELECT count(*) FROM meta").fetchall()
            finally:
                writer.close()
        except (sqlite3.Error, OSError, CacheUnavailable):
            pass
        if directory.stat(f"{name}-journal") is not None:
            directory.unlink(name)
            directory.unlink(f"{name}-journal")
        return True


def _cached_files(connection: sqlite3.Connection) -> list[CachedFile]:
    return [
        CachedFile(path, Fingerprint(size, mtime_ns, ino, ctime_ns), sha, bool(racy))
        for path, size, mtime_ns, ino, ctime_ns, sha, racy in connection.execute(
            "SELECT path, size, mtime_ns, ino, ctime_ns, sha256, racy FROM source_file"
        )
    ]


# --- building ----------------------------------------------------------------------------


def _in_memory(files: list[tuple[str, Path]], progress: Progress | None) -> checks.Store:
    from iranclash.build.compile import compile_files  # only a build needs it, never a fresh cache

    connection = checks.connect(":memory:")
    compile_files(files, connection, progress)
    connection.compiled = True
    return connection


def _rebuild(
    directory: CacheFolder,
    name: str,
    folders: Folders,
    files: list[tuple[str, Path]],
    progress: Progress | None,
    lock: BuildLock,
    precompute: Precompute | None,
    *,
    reuse: bool,
) -> None:
    """Build the cache in a temporary file renamed into place: from the last one where only
    some files' share changed (``reuse``, ``_updated``), else from all the files."""
    temporary = f"{name}.{os.getpid()}.{time.time_ns()}.tmp"
    os.close(directory.open_file(temporary, os.O_RDWR | os.O_CREAT | os.O_EXCL))

    def reporting(step: Step) -> None:
        lock.report(step)
        if progress:
            progress(step)
        if step.done == 1:
            _pause_point("compile")

    try:
        if not (reuse and _updated(directory, name, temporary, folders, files, reporting, precompute)):
            _compile_anew(directory, temporary, folders, files, reporting, precompute)
        _pause_point("rename")
        directory.replace(temporary, name)
        _seal(directory, name)
    finally:
        directory.unlink(temporary)


def _compile_anew(
    directory: CacheFolder,
    temporary: str,
    folders: Folders,
    files: list[tuple[str, Path]],
    progress: Progress,
    precompute: Precompute | None,
) -> None:
    from iranclash.build.compile import compile_files

    os.close(directory.open_file(temporary, os.O_RDWR | os.O_TRUNC))
    connection = directory.connect(temporary, read_only=False)
    try:
        _for_building(connection)
        source_files = _SourceFiles(connection, folders)
        compile_files(files, connection, progress, source_files)
        if precompute is not None:  # a cache file is read again and again: worth computing once
            precompute(connection, lambda: directory.connect(temporary, read_only=True))
        source_files.add_hashed()
        with connection:
            connection.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [
                    ("iranclash_version", __version__),
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("folder", _folder_text(folders)),
                ],
            )
    finally:
        connection.close()


def _updated(
    directory: CacheFolder,
    name: str,
    temporary: str,
    folders: Folders,
    files: list[tuple[str, Path]],
    progress: Progress,
    precompute: Precompute | None,
) -> bool:
    """Bring a copy of the cache ``name`` up to date in ``temporary``: a file whose bytes are
    the same (touched, or downloaded again) needs only its new fingerprint, and a changed
    one only its own share rebuilt (``partial``). False where only a full build can do,
    which is also the one to report any problem of the data in full."""
    from iranclash.build import partial

    if not _copied(directory, name, temporary):
        return False
    try:
        connection = directory.connect(temporary, read_only=False)
    except sqlite3.Error:
        return False  # a copy SQLite rejects: damage, and a full build heals it
    try:
        _for_building(connection)
        cached = _cached_for(connection, folders, files)
        if cached is None:
            return False
        sources = _SourceFiles(connection, folders, create=False)
        changed: list[tuple[str, Path]] = []
        for kind, path in files:
            entry = cached[_relative(path, folders)]
            fingerprint = Fingerprint.of(os.stat(path))
            if _unchanged(entry, fingerprint, path):
                continue
            sha = sha256_of(path)
            if sha == entry.sha256:
                sources.add(path, fingerprint, sha)
            else:
                changed.append((kind, path))
        if changed:
            for path, fingerprint, sha in partial.update(connection, files, changed, progress):
                sources.add(path, fingerprint, sha)
            connection.commit()  # what the summary's other connection reads
            if precompute is not None:
                precompute(connection, lambda: directory.connect(temporary, read_only=True))
        connection.commit()
        return True
    except (partial.Unsafe, DataError, OSError, sqlite3.Error, UnicodeDecodeError):
        return False
    finally:
        connection.close()


#: SQLite's page cache while a build writes, in KiB.
_CACHE_KIB = 256 * 1024
_PAGE_BYTES = 8192


def _for_building(connection: sqlite3.Connection) -> None:
    """Settings for a database only this build writes, renamed into place once whole (so
    no journal, and no waiting for the disk). Rows go into indexes a million rows deep:
    kept in memory, their pages are written once, not out and back for every few rows.
    Pages of 8 KiB, not SQLite's 4 (set before the first table; a copy keeps its own):
    1M export rows go in about a second faster, the file is the same size, and queries
    take as long. Once the rows are written, ``store.Builder.finish`` lowers the cache again:
    SQLite's sorts after it may take as much memory as the cache."""
    connection.execute(f"PRAGMA page_size = {_PAGE_BYTES}")
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")


def _copied(directory: CacheFolder, name: str, temporary: str) -> bool:
    """Whether the cache ``name`` is a regular file of the user's, now copied into ``temporary``."""
    import shutil  # only a rebuild needs it: a query's start-up does not

    try:
        with open(directory.open_file(name, os.O_RDONLY), "rb") as source:
            info = os.fstat(source.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
                return False
            with open(directory.open_file(temporary, os.O_WRONLY | os.O_TRUNC), "wb") as target:
                shutil.copyfileobj(source, target, 1 << 22)
    except OSError:
        return False
    return True


class _SourceFiles:
    """Records each data file (fingerprint and hash) in the new cache as soon as it is
    read, for the next freshness check."""

    def __init__(self, connection: sqlite3.Connection, folders: Folders, *, create: bool = True) -> None:
        self.connection = connection
        self.folders = folders
        self.started_ns = time.time_ns()
        self.hashing: list[tuple[Path, Fingerprint, Future[str]]] = []
        self.hasher: ThreadPoolExecutor | None = None
        if create:
            connection.execute(
                "CREATE TABLE source_file(path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ino INTEGER,"
                " ctime_ns INTEGER, sha256 TEXT, racy INTEGER)"
            )

    def add(self, path: Path, fingerprint: Fingerprint, sha256: str) -> None:
        racy = fingerprint.mtime_ns >= self.started_ns - RACY_WINDOW_NS
        self.connection.execute(
            "INSERT OR REPLACE INTO source_file VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                _relative(path, self.folders),
                fingerprint.size,
                fingerprint.mtime_ns,
                fingerprint.ino,
                fingerprint.ctime_ns,
                sha256,
                int(racy),
            ),
        )

    def add_once_hashed(self, path: Path, fingerprint: Fingerprint) -> None:
        """``add`` a file whose hash is taken in a thread meanwhile (``hashlib`` lets go of
        the interpreter while it hashes): 0.3 s for an export of 400 MB, which the build's
        last steps, in SQLite, leave a core free for. Written by ``add_hashed``."""
        from concurrent.futures import ThreadPoolExecutor  # only a build needs it

        if self.hasher is None:
            self.hasher = ThreadPoolExecutor(1)
        self.hashing.append((path, fingerprint, self.hasher.submit(sha256_of, path)))

    def add_hashed(self) -> None:
        """Wait for the hashes of ``add_once_hashed`` and ``add`` their files."""
        for path, fingerprint, sha256 in self.hashing:
            self.add(path, fingerprint, sha256.result())
        self.hashing = []
        if self.hasher is not None:
            self.hasher.shutdown()
            self.hasher = None


def _unchanged(previous: CachedFile, fingerprint: Fingerprint, path: Path) -> bool:
    """Same fingerprint, and for a racily clean file the same content too."""
    if previous.fingerprint != fingerprint:
        return False
    return not previous.racy or sha256_of(path) == previous.sha256
