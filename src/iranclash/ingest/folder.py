"""Where the data is: the data folder to use and the data files in it.

Kept apart from ``load`` so that a query answered from the cache never imports
the YAML parser.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from iranclash.core.errors import DataError

ENV_VAR = "IRANCLASH_DATA"
#: The kinds of data file, in load order (sources first: everything cites them).
KINDS = ("sources", "actors", "places", "analysts", "events")
#: Dataset exports read in place, under ``acled/`` and ``ucdp/``, after the YAML files.
DATASETS = ("acled", "ucdp")
#: The names an export there may end with, in any case: CSV (comma-, tab- or semicolon-
#: separated), a zip holding one, or an API's JSON (``datasets.read_rows`` tells them apart
#: by their content).
EXPORT_SUFFIXES = (".csv", ".tsv", ".zip", ".json")


def builtin_data_dir() -> Path:
    """The shipped data: inside the installed package, or ``data/`` of a source checkout."""
    return packaged_data_dir() or Path(__file__).resolve().parents[3] / "data"


def packaged_data_dir() -> Path | None:
    """The data inside the installed package (a wheel's ``iranclash/data``), which is
    never edited in place: an upgrade would replace it. None in a source checkout, whose
    ``data/`` is the curators' own file."""
    packaged = Path(__file__).resolve().parents[1] / "data"
    return packaged if packaged.is_dir() else None


#: The word that names the shipped data among other folders: ``--data builtin --data ~/iraq``.
BUILTIN = "builtin"


def resolve_data_dirs(explicit: Sequence[Path] = ()) -> tuple[Path, ...]:
    """The folders to read together: each ``--data`` given, else those ``$IRANCLASH_DATA``
    lists (separated by ``os.pathsep``), else the shipped data.

    A folder named twice is read once (see :func:`folder_named` for ``builtin``).
    """
    if explicit:
        chosen = list(explicit)
    elif os.environ.get(ENV_VAR):
        chosen = [folder_named(part) for part in os.environ[ENV_VAR].split(os.pathsep) if part]
    else:
        return (builtin_data_dir(),)
    found: dict[Path, Path] = {}
    for given in chosen:
        folder = given if given == builtin_data_dir() else _checked(given)
        found.setdefault(folder.resolve(), folder)
    return tuple(found.values())


def folder_named(text: str) -> Path:
    """A data folder as typed: the word ``builtin`` is the shipped data (and ``./builtin`` a
    folder of that name: the word is told apart before the text becomes a path)."""
    return builtin_data_dir() if text == BUILTIN else Path(text)


def _checked(chosen: Path) -> Path:
    try:
        info = os.stat(chosen)
    except FileNotFoundError:
        raise DataError.single(chosen, "data folder does not exist") from None
    except (OSError, ValueError) as error:  # too long a name, a loop of links, a NUL...
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise DataError.single(chosen, f"cannot open the data folder: {reason}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise DataError.single(chosen, "is not a folder; point --data at a folder laid out like data/")
    return chosen


def all_data_files(folders: Sequence[Path]) -> list[tuple[str, Path]]:
    """The data files of several folders, folder by folder (see :func:`data_files`)."""
    return [entry for folder in folders for entry in data_files(folder)]


def curated_in_order(files: Sequence[tuple[str, Path]]) -> list[tuple[str, Path]]:
    """The YAML files among ``files``, kind by kind in ``KINDS``' order (places before the
    events in them), each kind's files in the order given: how they are read and checked."""
    order = {kind: number for number, kind in enumerate(KINDS)}
    return sorted((entry for entry in files if entry[0] in order), key=lambda entry: order[entry[0]])


def data_files(folder: Path) -> list[tuple[str, Path]]:
    """Each data file of a folder with its kind: ``events.yaml`` and ``events/*.yaml`` etc.,
    then the exports, ``acled/*.csv`` (kind ``acled``) and ``ucdp/*.csv`` (kind ``ucdp``), and
    so for each of ``EXPORT_SUFFIXES``."""
    found: list[tuple[str, Path]] = []
    for kind in KINDS:
        for suffix in (".yaml", ".yml"):
            single = folder / f"{kind}{suffix}"
            if single.exists() or single.is_symlink():
                found.append((kind, single))
        found.extend((kind, path) for path in _parts(folder / kind, (".yaml", ".yml")))
    for dataset in DATASETS:
        found.extend((dataset, path) for path in _parts(folder / dataset, EXPORT_SUFFIXES, any_case=True))
    if not found:
        names = ", ".join(f"{kind}.yaml" for kind in KINDS)
        raise DataError.single(
            folder,
            f"holds no data files (expected any of {names}, or acled/ or ucdp/ exports "
            f"({', '.join(EXPORT_SUFFIXES[:-1])} or {EXPORT_SUFFIXES[-1]}))",
        )
    return found


def _parts(part_folder: Path, suffixes: tuple[str, ...], *, any_case: bool = False) -> list[Path]:
    if not part_folder.is_dir():
        return []
    try:
        return sorted(
            path
            for path in part_folder.iterdir()
            if (path.suffix.lower() if any_case else path.suffix) in suffixes
        )
    except OSError as error:
        raise DataError.single(part_folder, f"cannot list: {error.strerror or error}") from None


def open_nonblocking(path: str, flags: int) -> int:
    """An ``opener`` for ``open`` on a data file: non-blocking, so that a FIFO put where a
    file was expected cannot hang the open (the caller then checks what it opened)."""
    return os.open(path, flags | os.O_NONBLOCK)
