"""Where each export row id was first read (``first_rows``), kept on disk, not in memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from iranclash.build.first_rows import FirstRows


def test_a_row_id_is_first_where_it_was_first_read_across_files() -> None:
    history, recent = Path("acled/history.csv"), Path("acled/recent.csv")
    with FirstRows() as first:
        assert first.first_place("acled:IRQ1", history, 2) == (history, 2)
        assert first.first_place("acled:IRQ2", history, 3) == (history, 3)
        assert first.first_place("acled:IRQ1", history, 9) == (history, 2)
        assert first.first_place("acled:IRQ2", recent, 2) == (history, 3)
        assert first.first_place("ucdp:IRQ2", recent, 3) == (recent, 3)
        assert first.first_place("acled:IRQ1", recent, 4) == (history, 2)


def test_a_row_id_is_looked_up_without_being_read() -> None:
    export = Path("ucdp/ged.csv")
    with FirstRows() as first:
        assert first.place_of("ucdp:1") is None
        first.first_place("ucdp:1", export, 5)
        assert first.place_of("ucdp:1") == (export, 5)
        assert first.place_of("ucdp:2") is None


def test_many_row_ids_spill_to_disk_and_are_all_found() -> None:
    """More ids than the page cache holds: the ones written out early are still found."""
    export = Path("acled/export.csv")
    with FirstRows() as first:
        first.connection.execute("PRAGMA cache_size = 2")  # pages, not KiB: spilled at once
        for number in range(20_000):
            first.first_place(f"acled:XXX{number}", export, number + 2)
        assert first.first_place("acled:XXX7", export, 30_000) == (export, 9)
        assert first.place_of("acled:XXX19999") == (export, 20_001)


def test_closed_it_answers_no_more() -> None:
    first = FirstRows()
    first.close()
    with pytest.raises(Exception, match="closed"):
        first.place_of("acled:IRQ1")
