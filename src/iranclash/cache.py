"""Open a data folder as a query-ready store.

Loading YAML is the slow part; the compiled SQLite form is what queries use.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from . import load, store, validate
from .errors import DataError


def compile_folder(folder: Path, connection: sqlite3.Connection) -> None:
    """Read, check and compile every file of ``folder`` into an empty database."""
    files = list(load.iter_file_records(folder))
    problems = validate.check(files)
    if problems:
        raise DataError(problems)
    store.create(connection, files)


def open_store(folder: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    compile_folder(folder, connection)
    return connection
