"""Tests that catch the mutations the suite let live (issue 18): each fails if the rule it
names is broken in the code, on data chosen so that a broken rule shows."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import MINIMAL, Run
from iranclash.ask import snippets
from iranclash.build import cache, integrity, packed
from iranclash.core import jsonout
from iranclash.output import text

REPO = Path(__file__).resolve().parents[1]


def test_an_analysts_name_is_escaped_in_the_report(cli: Callable[..., Run], tmp_path: Path) -> None:
    """report: the analyst's name beside each quote of the evidence is data, never markup."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    analysts = data / "analysts.yaml"
    analysts.write_text(
        analysts.read_text(encoding="utf-8").replace('name: "David Lesch"', 'name: "David <i>Lesch</i>"', 1),
        encoding="utf-8",
    )
    out = tmp_path / "report.html"
    run = cli("report", "--data", str(data), "--out", str(out))
    assert run.exit_code == 0, run
    page = out.read_text(encoding="utf-8")
    assert "words of David &lt;i&gt;Lesch&lt;/i&gt;" in page
    assert "<i>Lesch" not in page


def test_a_searched_word_is_marked_where_it_starts_a_word_not_inside_one() -> None:
    """search matches words by their start: "dad" is in "Baghdad" but starts no word of it."""
    record = {"id": "x", "name": "Baghdad and Dad Camp"}
    found = snippets.why(record, "dad")
    assert found is not None
    field, shown = found
    assert field == "name"
    assert "«Dad»" in shown and "«Baghdad»" not in shown and "Baghdad" in shown


def test_an_id_with_two_hyphens_in_a_row_is_refused(
    cli: Callable[..., Run], make_data: Callable[..., Path]
) -> None:
    places = MINIMAL["places.yaml"].replace("id: north-base", "id: north--base")
    events = MINIMAL["events.yaml"].replace("places: [north-base]", "places: [north--base]")
    folder = make_data({"places.yaml": places, "events.yaml": events})
    run = cli("validate", str(folder))
    assert run.exit_code == 1
    assert "north--base" in run.stdout + run.stderr


def test_an_event_text_changed_but_still_unpacking_whole_is_damage(
    cli: Callable[..., Run], make_data: Callable[..., Path], tmp_path: Path
) -> None:
    """Damage that zstd cannot see: the packed bytes of another, valid text, under the old
    checksum. Only the checksum of the text itself finds it."""
    folder = make_data()
    home = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    expected = cli("event", "first-attack", "--json", "--data", str(folder), env=home)
    assert expected.exit_code == 0
    path = tmp_path / "cache" / "iranclash" / cache.cache_path(folder).name
    with sqlite3.connect(path) as connection:
        (preset,) = connection.execute("SELECT bytes FROM json_dictionary").fetchone()
        for seq, data in connection.execute("SELECT seq, json FROM event_json_data").fetchall():
            text = packed.unpack(data, preset).decode("utf-8")
            forged = text.replace("Rockets hit North Base", "Rockets hit South Base")
            if forged != text:
                connection.execute(
                    "UPDATE event_json_data SET json = ? WHERE seq = ?", (packed.packer(preset)(forged), seq)
                )
    connection.close()
    # The checksum alone finds it (the cache's seal would find any write too: issue 20).
    checked = integrity.connect(str(path))
    with pytest.raises(sqlite3.Error):
        checked.execute("SELECT json FROM event_json").fetchall()
    checked.close()
    run = cli("event", "first-attack", "--json", "--data", str(folder), env=home)
    assert run.exit_code == 0, run
    assert "South Base" not in run.stdout
    assert run.stdout == expected.stdout
    assert "the cache is damaged" in run.stderr


def test_json_and_tables_make_the_same_characters_safe() -> None:
    """One list of characters a terminal would obey or hide, for both ways out."""
    for code in [*range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), 0x2028, 0x2029]:
        character = chr(code)
        assert character not in jsonout.dumps(character), hex(code)
        assert character not in text.visible(character), hex(code)
