"""Where the data is: the data folder to use and the data files in it.

Kept apart from ``load`` so that a query answered from the cache never imports
the YAML parser.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import DataError

ENV_VAR = "IRANCLASH_DATA"
#: The kinds of data file, in load order (sources first: everything cites them).
KINDS = ("sources", "actors", "places", "analysts", "events")
#: Dataset exports read in place: ``acled/*.csv`` and ``ucdp/*.csv``, after the YAML files.
DATASETS = ("acled", "ucdp")


def builtin_data_dir() -> Path:
    """The shipped data: inside the installed package, or ``data/`` of a source checkout."""
    packaged = Path(__file__).resolve().parent / "data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "data"


def resolve_data_dir(explicit: Path | None = None) -> Path:
    """``--data`` wins, then ``$IRANCLASH_DATA``, then the shipped data."""
    if explicit is not None:
        chosen = explicit
    elif os.environ.get(ENV_VAR):
        chosen = Path(os.environ[ENV_VAR])
    else:
        return builtin_data_dir()
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


def data_files(folder: Path) -> list[tuple[str, Path]]:
    """Each data file of a folder with its kind: ``events.yaml`` and ``events/*.yaml`` etc.,
    then the exports, ``acled/*.csv`` (kind ``acled``) and ``ucdp/*.csv`` (kind ``ucdp``)."""
    found: list[tuple[str, Path]] = []
    for kind in KINDS:
        for suffix in (".yaml", ".yml"):
            single = folder / f"{kind}{suffix}"
            if single.exists() or single.is_symlink():
                found.append((kind, single))
        found.extend((kind, path) for path in _parts(folder / kind, (".yaml", ".yml")))
    for dataset in DATASETS:
        found.extend((dataset, path) for path in _parts(folder / dataset, (".csv", ".CSV")))
    if not found:
        names = ", ".join(f"{kind}.yaml" for kind in KINDS)
        raise DataError.single(
            folder, f"holds no data files (expected any of {names}, acled/*.csv or ucdp/*.csv)"
        )
    return found


def _parts(part_folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    if not part_folder.is_dir():
        return []
    try:
        return sorted(path for path in part_folder.iterdir() if path.suffix in suffixes)
    except OSError as error:
        raise DataError.single(part_folder, f"cannot list: {error.strerror or error}") from None
