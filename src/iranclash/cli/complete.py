"""Shell completion's answers: the ids of the records a command takes, from the data in use.

A shell asks on every Tab, so an answer must come fast and must never print an error
into the completion list. The ids are read from the compiled cache with one indexed
query; a cache that exists is read even when stale (a record's id rarely changes, and
the command itself rebuilds it), and only a missing one is built. Ids, not names, are
offered: they contain no spaces, which the shells' completion scripts would split on,
and every command accepts them as they are; the name goes with each as its help.

Typer answers completion requests for commands, options and choices (``cli``), but
it must import and build the command line first. The commonest request, an id for a
lookup or for ``--actor``/``--place``, is answered here before any of that
(:func:`answer`), in Typer's format for each shell: the same answer in half the time.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from typing import TYPE_CHECKING

# sqlite3 is imported only once ids are wanted: a request for a command or an option goes
# on to Typer, and should not pay for it here.
if TYPE_CHECKING:
    import sqlite3
    from pathlib import Path

#: At most this many candidates: a shell shows no more usefully.
LIMIT = 200


def record_ids(kind: str, incomplete: str, data: tuple[Path, ...] = ()) -> list[tuple[str, str]]:
    """``(id, name)`` of each record of ``kind`` whose id starts with ``incomplete``, by id, the
    name made safe to show; nothing at all when the data cannot be read."""
    import sqlite3

    try:
        connection = _connect(data)
    except Exception:  # a completion must answer, if only with nothing
        return []
    events = (
        "SELECT e.id, json_extract(j.json, '$.title') FROM event e JOIN event_json j ON j.seq = e.seq"
        " WHERE e.id >= ?1 AND e.id < ?2 ORDER BY e.id LIMIT ?3"
    )
    records = "SELECT id, name FROM record WHERE id >= ?1 AND id < ?2{} ORDER BY id LIMIT ?3"
    kinds: tuple[str, ...]
    if kind == "event":
        sql, kinds = events, ()
    elif kind == ANY:
        # ``cite`` takes a record of any kind: each part a range of its id index.
        sql = f"SELECT * FROM ({events}) UNION ALL SELECT * FROM ({records.format('')}) ORDER BY 1 LIMIT ?3"
        kinds = ()
    else:
        sql, kinds = records.format(" AND kind = ?4"), (kind,)
    try:
        rows = connection.execute(sql, (incomplete, incomplete + "\U0010ffff", LIMIT, *kinds)).fetchall()
    except sqlite3.Error:
        return []
    finally:
        connection.close()
    return [(str(record_id), help_text(str(name))) for record_id, name in rows]


def _connect(data: tuple[Path, ...]) -> sqlite3.Connection:
    from iranclash.build import cache
    from iranclash.ingest.folder import resolve_data_dirs

    folder = resolve_data_dirs(data)
    target = cache.cache_path(folder)
    # Read through the checked folder and views, as every query does: a completion is
    # no reason to trust a cache file more.
    with cache.CacheFolder.open(target.parent) as directory:
        if directory.stat(target.name) is not None:
            return directory.connect(target.name, read_only=True)
    from iranclash.ask.summary import store_summary

    return cache.open_store(folder, precompute=store_summary)


#: The kind of ``cite``'s argument: a record of any kind, events too.
ANY = "any"
#: What the argument of each lookup command names, and the options that take a record.
LOOKUPS = {
    "event": "event",
    "actor": "actor",
    "place": "place",
    "analyst": "analyst",
    "chain": "event",
    "cite": ANY,
}
_FILTER_OPTIONS = {"--actor": "actor", "--place": "place"}
_FILTERED_COMMANDS = frozenset({"events", "summary", "export acled"})


def answer(instruction: str) -> int | None:
    """Answer a shell's request for a record id at once, returning the exit status; None
    when the request is for anything else, or unusual (``--data``, quoting), for Typer."""
    shell = instruction.removeprefix("complete_") if instruction.startswith("complete_") else ""
    if shell not in ("bash", "zsh", "fish"):
        return None
    try:
        args, incomplete = _request(shell)
    except ValueError:
        return None
    kind = _kind_wanted(args, incomplete)
    if kind is None:
        return None
    candidates = record_ids(kind, incomplete)
    if shell == "fish" and os.environ.get("_TYPER_COMPLETE_FISH_ACTION") == "is-args":
        return 0 if candidates else 1
    sys.stdout.write(_formatted(shell, candidates) + "\n")
    return 0


def _request(shell: str) -> tuple[list[str], str]:
    """The words before the cursor (after the program's name) and the word at it."""
    if shell == "bash":
        words = shlex.split(os.environ.get("COMP_WORDS", ""))
        cursor = int(os.environ.get("COMP_CWORD", "0"))
        return words[1:cursor], words[cursor] if cursor < len(words) else ""
    line = os.environ.get("_TYPER_COMPLETE_ARGS", "")
    words = shlex.split(line)[1:]
    if words and not line.endswith(" "):
        return words[:-1], words[-1]
    return words, ""


def _kind_wanted(args: list[str], incomplete: str) -> str | None:
    if incomplete.startswith("-") or not args:
        return None
    if len(args) == 1:
        return LOOKUPS.get(args[0])
    command = " ".join(args[:2]) if args[0] == "export" else args[0]
    if command in _FILTERED_COMMANDS and not any(arg.startswith("--data") for arg in args):
        return _FILTER_OPTIONS.get(args[-1])
    return None


def _formatted(shell: str, candidates: list[tuple[str, str]]) -> str:
    """Candidates as Typer's completion classes print them for ``shell``."""
    if shell == "bash":
        return "\n".join(record_id for record_id, _name in candidates)
    if shell == "fish":
        return "\n".join(f"{record_id}\t{name}" for record_id, name in candidates)
    if not candidates:
        return "_files"
    items = "\n".join(f'"{_zsh_escape(record_id)}":"{_zsh_escape(name)}"' for record_id, name in candidates)
    return f"_arguments '*: :(({items}))'"


def help_text(name: str) -> str:
    """A name fit to show beside a candidate: one line, printable characters only (a name
    from a data file may hold escape sequences, and zsh and fish print it to the terminal)."""
    return "".join(char for char in re.sub(r"\s", " ", name) if char.isprintable())


def _zsh_escape(text: str) -> str:
    """As Typer escapes for zsh, which evaluates the answer inside single quotes."""
    return (
        text.replace('"', '""')
        .replace("'", "''")
        .replace("$", "\\$")
        .replace("`", "\\`")
        .replace(":", r"\\:")
    )
