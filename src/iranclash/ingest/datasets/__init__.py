"""Dataset exports read as they are: rows of ACLED and UCDP GED exports -> our records.

``read(path)`` sniffs which dataset (and which of its schemas) a file is from its
header and streams it: one :class:`Imported` per row (the event, and the actors,
places and source the row is the first to name), or a :class:`Problem` naming the
file, line and column of a row that cannot be read, or a :class:`SetAside` for a row
that is not valid CSV. Nothing is dropped silently, and a CSV file (also one in a zip)
is never held in memory whole. The forms read (CSV with any of three delimiters, in
UTF-8 or Windows-1252, plain or zipped, and the APIs' JSON) are ``files``'s to tell.

Ids, stable and derived from what the row says, so two rows naming the same actor
or place meet, and re-reading a re-downloaded export gives the same ids:

- events: the dataset and its row id, ``acled:IRQ24127``, ``ucdp:123456``;
- actors: ``acled:actor/`` + the name folded to a slug (case, accents, apostrophes and
  punctuation dropped): ``acled:actor/asaib-ahl-al-haq``;
- places: ``acled:place/`` + the slugs of country, admin1, admin2, admin3 and location by
  position, ``-`` for an empty level, so a district and a town of the same name never
  share an id: ``acled:place/iraq/al-anbar/al-qaim`` (a district),
  ``acled:place/iraq/al-anbar/al-qaim/-/al-qaim`` (the town). UCDP's levels are
  country, adm_1, adm_2 and the named point.

Each dataset is its own namespace: ACLED and UCDP name actors differently
("Military Forces of Iraq (2018-)", "Government of Iraq"), so matching them with
each other and with curated records is left to names a curated record lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from iranclash.ingest.datasets import acled, ucdp
from iranclash.ingest.datasets.account import Account, Merged, Note, SetAside
from iranclash.ingest.datasets.acled import ActorName, parse_acled_date, parse_actor_name, parse_inter
from iranclash.ingest.datasets.files import Chunk, Recoded, RowsAt, read_rows
from iranclash.ingest.datasets.rows import DatasetRow, Header, Imported, Row, Schema, sniff

__all__ = [
    "Account",
    "ActorName",
    "Chunk",
    "DatasetRow",
    "Header",
    "Imported",
    "Merged",
    "Note",
    "Recoded",
    "Row",
    "RowsAt",
    "Schema",
    "SetAside",
    "converter",
    "parse_acled_date",
    "parse_actor_name",
    "parse_inter",
    "read",
    "read_rows",
    "sniff",
]


def read(
    path: Path, seen: set[str] | None = None, account: Account | None = None
) -> Iterator[Imported | SetAside | Merged]:
    """Every row of the export at ``path``: converted (with notes on what it could not read
    as it is), set aside with its reason, or (ACLED's monadic layout) merged into the
    event of an earlier row; in file order but for the merged events, which come once
    their rows are all read.

    ``seen`` holds the ids of actors, places and sources already handed out; each
    :class:`Imported` carries only the ones new to it, and adds them (pass one set to
    several files so the records they share come once). Raises
    :class:`~iranclash.errors.DataError` at once for a file that cannot be read at all
    (missing, empty, or a header that is neither ACLED's nor UCDP's), and while
    streaming for one that breaks off (a line without end, a damaged zip). ``account``
    is given the file's notes (``read_rows``).
    """
    header, lines = read_rows(path, account)
    return converter(header)(path, header, lines, set() if seen is None else seen)


Convert = Callable[[Path, Header, Iterator[Row], set[str]], Iterator[Imported | SetAside | Merged]]


def converter(header: Header) -> Convert:
    """What converts rows of the export ``header`` begins (``read_rows``), with ``seen`` as ``read`` says."""
    return acled.convert if header.schema.dataset == "acled" else ucdp.convert
