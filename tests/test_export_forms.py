"""Every form an export is downloaded in reads (issue #17): Windows-1252 text, a byte order
mark, a row that is not valid CSV among good ones, tab- and semicolon-separated files, a zip
holding the CSV file, and the JSON the ACLED and UCDP APIs answer with.

Every file here is MADE UP: written by each test into its temporary folder from the made-up
exports of tests/fixtures/datasets (see its README).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, export_text
from iranclash.core.errors import DataError, Problem
from iranclash.ingest import datasets
from iranclash.ingest.datasets import Account, Imported, SetAside, files

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "datasets"


def _made_up(name: str) -> str:
    """A made-up export of tests/fixtures/datasets, as text."""
    return (FIXTURES / name).read_text(encoding="utf-8")


def _table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _written(rows: list[list[str]], delimiter: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _read(path: Path) -> tuple[list[Imported | Problem | SetAside], Account]:
    account = Account(path)
    return list(datasets.read(path, account=account)), account


def _events(items: list[Imported | Problem | SetAside]) -> list[tuple[object, object]]:
    assert all(isinstance(item, Imported) for item in items), items
    return [(item.event, item.row) for item in items if isinstance(item, Imported)]


def _plain(name: str, tmp_path: Path) -> list[tuple[object, object]]:
    """The events of a fixture read as it is, to compare another form's with."""
    path = tmp_path / f"plain-{name}"
    path.write_text(_made_up(name), encoding="utf-8")
    return _events(_read(path)[0])


# --- text: Windows-1252 and a byte order mark ------------------------------------------


def test_lines_not_utf8_are_read_as_windows_1252_and_counted_in_one_note(tmp_path: Path) -> None:
    """Line 3 is written in Windows-1252 (à, and 0x81, which it leaves undefined); line 2 is
    UTF-8 with an é: each line is read by its own bytes."""
    lines = _made_up("acled-2019.csv").encode("utf-8").split(b"\n")
    lines[1] = lines[1].replace(b"MADE UP", "MADE UP café".encode())
    lines[2] = lines[2].replace(b"MADE UP", b"MADE UP Capit\xe0l\x81")
    path = tmp_path / "old.csv"
    path.write_bytes(b"\n".join(lines))
    items, account = _read(path)
    first, second = items
    assert isinstance(first, Imported) and isinstance(second, Imported)
    assert first.event.sources[0].quote.startswith("MADE UP café")
    assert second.event.sources[0].quote.startswith("MADE UP Capitàl\ufffd")
    assert account.file_notes == ["1 line not UTF-8, read as Windows-1252 (line 3)"]


def test_the_count_of_windows_1252_lines_names_the_first(tmp_path: Path) -> None:
    rows = [{"event_id_cnty": f"IRQ99070{n}", "notes": f"MADE UP row {n}"} for n in range(5)]
    text = export_text("acled-current.csv", rows).encode("utf-8")
    path = tmp_path / "old.csv"
    path.write_bytes(text.replace(b"MADE UP row 2", b"MADE UP r\xf4w 2").replace(b"row 4", b"r\xf4w 4"))
    items, account = _read(path)
    assert len(_events(items)) == 5
    assert account.file_notes == ["2 lines not UTF-8, read as Windows-1252 (first at line 4)"]


def test_a_byte_order_mark_before_a_tab_separated_header_is_read_past(tmp_path: Path) -> None:
    path = tmp_path / "bom.tsv"
    text = _written(_table(_made_up("acled-current.csv")), "\t")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    items, account = _read(path)
    assert _events(items) == _plain("acled-current.csv", tmp_path)
    assert account.file_notes == ["read as tab-separated"]


# --- rows that are not valid CSV -------------------------------------------------------


def test_a_row_that_is_not_valid_csv_is_set_aside_and_the_rows_after_it_read(tmp_path: Path) -> None:
    rows = [{"event_id_cnty": f"IRQ99080{n}", "notes": f"MADE UP row {n}"} for n in range(4)]
    text = export_text("acled-current.csv", rows).replace(",MADE UP row 1,", ',"MADE UP" row 1,')
    path = tmp_path / "stray.csv"
    path.write_text(text, encoding="utf-8")
    items, _account = _read(path)
    assert [getattr(item, "line", None) for item in items] == [2, None, 4, 5]
    set_aside = items[1]
    assert isinstance(set_aside, SetAside) and set_aside.reason == "not valid CSV"
    assert str(set_aside.problem) == f"{path}:3: is not valid CSV: ',' expected after '\"'"


def test_a_quote_never_closed_sets_aside_its_line_alone(tmp_path: Path) -> None:
    """A cell opening a quote it never closes would run on over the next rows: its line is
    set aside, and the lines after it read again as rows of their own (to the last line)."""
    rows = [{"event_id_cnty": f"IRQ99081{n}", "notes": f"MADE UP row {n}"} for n in range(4)]
    text = export_text("acled-current.csv", rows).replace(",MADE UP row 1,", ',"MADE UP row 1,')
    path = tmp_path / "open.csv"
    path.write_text(text, encoding="utf-8")
    items, _account = _read(path)
    assert isinstance(items[1], SetAside) and items[1].problem.line == 3
    assert "unexpected end of data" in items[1].problem.message
    assert [item.event.id for item in items if isinstance(item, Imported)] == [
        "acled:IRQ990810",
        "acled:IRQ990812",
        "acled:IRQ990813",
    ]
    assert [item.line for item in items if isinstance(item, Imported)] == [2, 4, 5]


def test_a_line_without_end_still_breaks_the_file_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "MAX_LINE_BYTES", 2000)
    rows = [{"event_id_cnty": "IRQ990821"}, {"event_id_cnty": "IRQ990822", "notes": "MADE UP " * 300}]
    path = tmp_path / "long.csv"
    path.write_text(export_text("acled-current.csv", rows), encoding="utf-8")
    stream = datasets.read(path)
    assert isinstance(next(stream), Imported)
    with pytest.raises(DataError, match=r"long\.csv:3: has a line longer than 2,000 bytes"):
        next(stream)


def test_chunks_read_by_offset_are_the_rows_of_the_stream(tmp_path: Path) -> None:
    """``RowsAt`` as two processes use it: each chunk read by a reader of its own from where
    the last ended gives the rows ``read_rows`` streams, and the lines read as Windows-1252
    add up the same, in a semicolon-separated file where row 2 opens a quote it never closes
    (the lines after it are read again, after the chunk has ended)."""
    rows = [{"event_id_cnty": f"IRQ99084{n:02d}", "notes": f"MADE UP row {n}"} for n in range(12)]
    text = _written(_table(export_text("acled-current.csv", rows)), ";")
    text = text.replace(";MADE UP row 2;", ';"MADE UP row 2;').replace("row 7", "r\xf4w 7")
    path = tmp_path / "export.csv"
    text = text.replace("row 9", "r\xf4w 9").replace("row 0", "r\xf4w 0")  # line 2: read twice by each reader
    path.write_bytes(text.encode("cp1252"))
    account = Account(path)
    header, lines = datasets.read_rows(path, account)
    streamed = list(lines)
    assert isinstance(streamed[2], SetAside) and len(streamed) == 12
    chunked: list[datasets.Row] = []
    recoded = datasets.Recoded()
    with datasets.RowsAt(path, header) as first:
        at = first.at
        recoded.add(first.recoded())  # the header's lines, counted by the first reader alone
    while True:
        with datasets.RowsAt(path, header) as reader:
            reader.seek(*at)
            reader.recoded()
            chunk, broken = reader.chunk(3)
            assert broken is None
            if not chunk:
                break
            chunked += chunk
            recoded.add(reader.recoded())
            at = reader.at
    assert chunked == streamed
    assert (
        recoded.note()
        == account.file_notes[-1]
        == ("3 lines not UTF-8, read as Windows-1252 (first at line 2)")
    )
    with datasets.RowsAt(path, header) as reader:  # a chunk, then the next passed over by its quotes
        assert reader.chunk(3)[0] == streamed[:3]
        reader.skip(3)
        assert reader.chunk(3)[0] == streamed[6:9]


# --- delimiters --------------------------------------------------------------------------


@pytest.mark.parametrize(("delimiter", "name"), [("\t", "tab"), (";", "semicolon")])
@pytest.mark.parametrize("fixture", ["acled-current.csv", "ucdp-ged-hdx.csv"])
def test_tab_and_semicolon_separated_exports_read_as_the_comma_separated(
    tmp_path: Path, delimiter: str, name: str, fixture: str
) -> None:
    """The made-up rows hold commas and semicolons in their cells (sources, actors), which
    a spreadsheet's writer quotes: they stay whole."""
    path = tmp_path / f"export.{'tsv' if delimiter == chr(9) else 'csv'}"
    path.write_text(_written(_table(_made_up(fixture)), delimiter), encoding="utf-8")
    header, lines = datasets.read_rows(path)
    lines.close()
    assert (header.delimiter, header.by_offset) == (delimiter, True)
    items, account = _read(path)
    assert _events(items) == _plain(fixture, tmp_path)
    assert account.file_notes == [f"read as {name}-separated"]


def test_a_header_in_one_cell_is_refused_as_before(tmp_path: Path) -> None:
    """A spreadsheet that quoted the whole ;-separated header into one cell: not an export."""
    header = _made_up("acled-current.csv").splitlines()[0].replace(",", ";")
    path = tmp_path / "one-cell.csv"
    path.write_text(f'"{header}"\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"one-cell\.csv:1: the header is neither an ACLED export"):
        datasets.read(path)


def test_a_tab_separated_file_lacking_a_column_names_it(tmp_path: Path) -> None:
    names = [name for name in _table(_made_up("acled-current.csv"))[0] if name != "fatalities"]
    path = tmp_path / "short.tsv"
    path.write_text("\t".join(names) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r":1: the header looks like acled but lacks column fatalities$"):
        datasets.read(path)


# --- zips ---------------------------------------------------------------------------------


def _zip(path: Path, members: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def test_the_csv_file_in_a_zip_is_read_in_place(tmp_path: Path) -> None:
    path = _zip(tmp_path / "ged.zip", {"GEDEvent_made_up.csv": _made_up("ucdp-ged-hdx.csv")})
    header, lines = datasets.read_rows(path)
    lines.close()
    assert (header.schema.value, header.by_offset) == ("ucdp-ged", False)
    items, account = _read(path)
    assert _events(items) == _plain("ucdp-ged-hdx.csv", tmp_path)
    assert [item.line for item in items] == [3, 4]  # type: ignore[union-attr]
    assert account.file_notes == ["read from GEDEvent_made_up.csv in the zip"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ged.zip",
        "plain-ucdp-ged-hdx.csv",
    ]  # nothing unpacked


def test_of_several_files_in_a_zip_the_one_export_is_read(tmp_path: Path) -> None:
    tab_separated = _written(_table(_made_up("acled-2016.csv")), "\t")
    path = _zip(
        tmp_path / "download.zip",
        {
            "readme.txt": "MADE UP: a note that comes with the download\n",
            "data/acled-made-up.txt": tab_separated.encode("cp1252"),
            "__MACOSX/data/._acled-made-up.txt": b"\x00\x05\x16\x07",
            "codebook.pdf": b"%PDF-1.4",
        },
    )
    items, account = _read(path)
    assert _events(items) == _plain("acled-2016.csv", tmp_path)
    assert account.file_notes == ["read from data/acled-made-up.txt in the zip", "read as tab-separated"]


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({}, "is a zip holding no CSV file (it is empty)"),
        (
            {"codebook.pdf": b"%PDF-1.4", "notes/": b""},
            "is a zip holding no CSV file (it holds codebook.pdf)",
        ),
        (
            {"a.csv": "x,y\n1,2\n", "b.csv": "p,q\n"},
            "is a zip holding 2 CSV files (a.csv, b.csv) and none is an export: unzip the one to read",
        ),
        (
            {"2019.csv": _made_up("acled-2019.csv"), "2016.csv": _made_up("acled-2016.csv")},
            "is a zip holding 2 CSV files (2019.csv, 2016.csv) and 2 are exports: unzip the one to read",
        ),
        ({"only.csv": "date,what\n"}, "only.csv: the header is neither an ACLED export"),
    ],
    ids=["empty", "no-csv", "no-export", "two-exports", "not-an-export"],
)
def test_a_zip_without_one_export_is_refused_naming_what_it_holds(
    tmp_path: Path, members: dict[str, str | bytes], message: str
) -> None:
    path = _zip(tmp_path / "download.zip", members)
    with pytest.raises(DataError) as raised:
        datasets.read(path)
    assert len(raised.value.problems) == 1
    assert str(raised.value).startswith(f"{path}:") and message in str(raised.value), str(raised.value)


def test_a_member_that_unpacks_to_far_more_than_an_export_is_not_read(tmp_path: Path) -> None:
    """2 MiB of one repeated row packs to a few KiB: a ratio no export has."""
    text = _made_up("acled-current.csv")
    first, row = text.splitlines()[:2]
    path = _zip(tmp_path / "bomb.zip", {"big.csv": first + "\n" + (row + "\n") * (2 * 2**20 // len(row))})
    with pytest.raises(
        DataError, match=r"big\.csv in the zip would unpack to [0-9,]+ bytes from [0-9,]+: not"
    ):
        datasets.read(path)


@pytest.mark.parametrize(
    ("method", "error"),
    [
        (zipfile.ZIP_DEFLATED, "Error -3 while decompressing data"),
        (zipfile.ZIP_BZIP2, "Invalid data stream"),
        (zipfile.ZIP_LZMA, "Corrupt input data"),
    ],
    ids=["deflate", "bzip2", "lzma"],
)
def test_a_damaged_zip_breaks_off_where_it_cannot_be_read_on(tmp_path: Path, method: int, error: str) -> None:
    path = tmp_path / "ged.zip"
    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr("ged.csv", _made_up("ucdp-ged.csv"))
    data = bytearray(path.read_bytes())
    name = data.index(b"ged.csv") + len("ged.csv")  # the local header's name, then the packed data
    data[name + 40] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match=rf"ged\.zip:1: ged\.csv: cannot be read on: {error}"):
        list(datasets.read(path))


def test_a_file_that_is_not_a_zip_after_its_first_bytes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fake.zip"
    path.write_bytes(b"PK\x03\x04 MADE UP, not a zip")
    with pytest.raises(DataError, match=r"fake\.zip: is not a zip file that can be read"):
        datasets.read(path)


# --- the APIs' JSON ----------------------------------------------------------------------

_ACLED_NUMBERS = {"year", "time_precision", "inter1", "inter2", "interaction", "iso", "geo_precision"}
_UCDP_NUMBERS = {"id", "year", "type_of_violence", "where_prec", "date_prec", "best", "high", "low"}


def _records(fixture: str, numbers: set[str]) -> list[dict[str, object]]:
    """The fixture's rows as an API gives them: some values numbers, empty ones null."""
    names, *rows = _table(_made_up(fixture))
    records: list[dict[str, object]] = []
    for row in rows:
        if not row or row[0].startswith("#"):
            continue
        record: dict[str, object] = {}
        for name, value in zip(names, row, strict=True):
            if not value:
                record[name] = None
            elif name in numbers and value.isdigit():
                record[name] = int(value)
            elif name in {"latitude", "longitude"}:
                record[name] = float(value)
            elif name in {"date_start", "date_end"}:
                record[name] = value + "T00:00:00.000"  # as UCDP's API writes dates
            else:
                record[name] = value
        records.append(record)
    return records


def test_an_acled_api_answer_reads_as_the_export(tmp_path: Path) -> None:
    records = _records("acled-current.csv", _ACLED_NUMBERS)
    records[1]["fatalities"] = 3.0  # a whole number written as a float reads as 3
    path = tmp_path / "api.json"
    answer = {"status": 200, "success": True, "count": len(records), "data": records}
    path.write_text(json.dumps(answer), encoding="utf-8")
    header, lines = datasets.read_rows(path)
    lines.close()
    assert (header.schema.value, header.by_offset) == ("acled", False)
    items, account = _read(path)
    assert _events(items) == _plain("acled-current.csv", tmp_path)
    assert [item.line for item in items] == [1, 2, 3, 4]  # type: ignore[union-attr]
    assert account.file_notes == ["read from ACLED API JSON: 4 records, numbered from 1 in place of lines"]


def test_a_ucdp_api_page_reads_as_the_export_and_says_it_is_one_page(tmp_path: Path) -> None:
    records = _records("ucdp-ged.csv", _UCDP_NUMBERS)
    path = tmp_path / "ged-api.json"
    answer = {"TotalCount": 2500, "TotalPages": 3, "NextPageUrl": "MADE UP", "Result": records}
    path.write_text(json.dumps(answer, indent=1), encoding="utf-8")
    items, account = _read(path)
    assert _events(items) == _plain("ucdp-ged.csv", tmp_path)
    assert account.file_notes == [
        "read from UCDP API JSON: 3 records, numbered from 1 in place of lines "
        "(the API counts 2,500: the others are on its other pages)"
    ]


def test_a_bare_list_of_records_with_a_byte_order_mark_reads(tmp_path: Path) -> None:
    records = _records("acled-2016.csv", _ACLED_NUMBERS)
    path = tmp_path / "records.json"
    path.write_bytes(b"\xef\xbb\xbf\n  " + json.dumps([*records, "MADE UP: not a record"]).encode())
    items, account = _read(path)
    assert _events(items[:-1]) == _plain("acled-2016.csv", tmp_path)
    last = items[-1]
    assert isinstance(last, SetAside) and last.reason == "not a record"
    assert str(last.problem) == f"{path}:{len(records) + 1}: is a string, not a record (a JSON object)"
    assert account.file_notes[0].startswith("read from a JSON list of records:")


def test_an_acled_api_answer_with_no_rows_is_an_empty_export(tmp_path: Path) -> None:
    path = tmp_path / "none.json"
    path.write_text('{"status": 200, "success": true, "count": 0, "data": []}', encoding="utf-8")
    assert _read(path)[0] == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"status": 403, "success": false, "error": {"message": "MADE UP: access denied"}}',
            'saying the request failed: {"message": "MADE UP: access denied"}',
        ),
        ('{"records": []}', "is JSON, but neither an ACLED API answer"),
        ("[]", "is an empty JSON list"),
        ("[1, 2]", "record 1 is a number, not a record"),
        ('[{"date": "2021", "what": "MADE UP"}]', ":1: the header is neither an ACLED export"),
        ('{"data": [', ":1:11: is not valid JSON: Expecting value"),
    ],
)
def test_json_that_holds_no_records_of_an_export_is_refused(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "answer.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        datasets.read(path)


def test_json_too_large_to_read_whole_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_JSON_BYTES", 1 << 20)
    path = tmp_path / "huge.json"
    path.write_text(json.dumps([{"MADE UP": "x" * 100}] * 12000), encoding="utf-8")
    with pytest.raises(DataError, match=r"huge\.json: is 1 MiB of JSON, more than the 1 MiB read whole"):
        datasets.read(path)


# --- in a data folder, and `import` -------------------------------------------------------


def test_a_data_folder_reads_every_form_in_place(
    cli: Callable[..., Run], make_data: Callable[..., Path], tmp_path: Path
) -> None:
    acled_api = {"success": True, "data": _records("acled-2019.csv", _ACLED_NUMBERS)}
    folder = make_data(
        {
            "acled/2021.TSV": _written(_table(_made_up("acled-current.csv")), "\t"),
            "acled/api.json": json.dumps(acled_api),
            "acled/notes.txt": "MADE UP: a note kept beside the exports, not read\n",
            "ucdp/ged.zip": b"",
        },
        base=False,
    )
    _zip(folder / "ucdp" / "ged.zip", {"GEDEvent.csv": _made_up("ucdp-ged.csv")})
    run = cli("events", "--data", str(folder), "--json")
    assert run.exit_code == 0, run
    ids = {event["id"] for event in run.json()}
    assert {"acled:IRQ990001", "acled:IRQ990101", "ucdp:990001"} <= ids
    assert len(ids) == 4 + 2 + 3
    info = cli("info", "--data", str(folder), "--json").json()
    assert info["data_files"] == 3


def test_a_folder_without_exports_names_the_forms_it_reads(cli: Callable[..., Run], tmp_path: Path) -> None:
    (tmp_path / "acled").mkdir()
    (tmp_path / "acled" / "notes.txt").write_text("MADE UP\n", encoding="utf-8")
    run = cli("events", "--data", str(tmp_path))
    assert run.exit_code == 1
    assert "acled/ or ucdp/ exports (.csv, .tsv, .zip or .json)" in run.stderr


def test_a_set_aside_row_is_listed_by_validate(
    cli: Callable[..., Run], make_data: Callable[..., Path]
) -> None:
    rows = [{"event_id_cnty": f"IRQ99083{n}", "notes": f"MADE UP row {n}"} for n in range(3)]
    text = export_text("acled-current.csv", rows).replace(",MADE UP row 1,", ',"MADE UP" row 1,')
    folder = make_data({"acled/stray.csv": text})
    run = cli("validate", str(folder), "--json")
    assert run.exit_code == 1
    assert [(note["line"], note["message"]) for note in run.json()["notes"]] == [
        (3, "set aside (not valid CSV): is not valid CSV: ',' expected after '\"'")
    ]


@pytest.mark.parametrize("form", ["zip", "json"])
def test_import_copies_a_zip_or_json_as_it_is(cli: Callable[..., Run], tmp_path: Path, form: str) -> None:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    if form == "zip":
        export = _zip(downloads / "ged-made-up.zip", {"GEDEvent.csv": _made_up("ucdp-ged.csv")})
    else:
        export = downloads / "ged-made-up.json"
        export.write_text(json.dumps({"TotalCount": 3, "Result": _records("ucdp-ged.csv", _UCDP_NUMBERS)}))
    into = tmp_path / "iraq"
    run = cli("import", "ucdp", str(export), "--into", str(into), "--json")
    assert run.exit_code == 0, run
    assert (run.json()["schema"], run.json()["rows"]) == ("ucdp-ged", 3)
    assert (into / "ucdp" / export.name).read_bytes() == export.read_bytes()
    events = cli("events", "--data", str(into), "--json")
    assert sorted(event["id"] for event in events.json()) == ["ucdp:990001", "ucdp:990002", "ucdp:990003"]


def test_import_refuses_a_name_the_folder_would_not_read(cli: Callable[..., Run], tmp_path: Path) -> None:
    export = tmp_path / "acled-made-up.txt"
    export.write_text(_written(_table(_made_up("acled-current.csv")), "\t"), encoding="utf-8")
    run = cli("import", "acled", str(export), "--into", str(tmp_path / "iraq"))
    assert run.exit_code == 2
    assert "acled/ reads only names ending .csv, .tsv, .zip or .json" in run.stderr
    assert not (tmp_path / "iraq").exists()
