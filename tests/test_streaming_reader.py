"""The reader hands on a file's records one at a time, in chunks, with the problems of the
whole file: the same answer as reading it whole, however the file is cut into chunks."""

from __future__ import annotations

from pathlib import Path

import pytest

from iranclash.core.errors import DataError
from iranclash.ingest import load, reader

DATA = Path(__file__).resolve().parents[1] / "data"
EVENTS = (DATA / "events.yaml").read_bytes()
#: Chunk sizes that cut through every multi-byte character, line break and token.
CHUNKS = (1, 2, 3, 7, 64, reader.CHUNK_BYTES)


def outcome(kind: str, path: Path) -> tuple[str, object]:
    try:
        found = load.load_file(kind, path)
    except DataError as error:
        return "refused", [str(problem) for problem in error.problems]
    return "loaded", (found.records, found.lines)


def outcomes(monkeypatch: pytest.MonkeyPatch, kind: str, path: Path) -> set[str]:
    """The outcome at every chunk size, as text: one element when they all agree."""
    seen = set()
    for size in CHUNKS:
        monkeypatch.setattr(reader, "CHUNK_BYTES", size)
        seen.add(repr(outcome(kind, path)))
    return seen


@pytest.mark.parametrize("name", ["events", "places", "analysts"])
def test_shipped_files_load_the_same_in_chunks_of_any_size(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str
) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (DATA / f"{name}.yaml").read_bytes())
    (seen,) = outcomes(monkeypatch, name, path)
    assert seen.startswith("('loaded'")


def bad_middle(middle: bytes, end: bytes = b"") -> bytes:
    """The shipped events with ``middle`` put in a title halfway through, ``end`` appended."""
    title = EVENTS.index(b"title: ", len(EVENTS) // 2) + len(b"title: ")
    return EVENTS[:title] + middle + EVENTS[title:] + end


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # Invalid UTF-8 anywhere comes first, even after a forbidden character or bad YAML.
        (bad_middle(b"\x1b", b"\xe2\x82"), "is not valid UTF-8: byte {size}"),
        (b"- [unclosed\n" + EVENTS + b"\xff", "is not valid UTF-8: byte {size}"),
        # Then a forbidden character, even one after bad YAML or a record's problem.
        (b"- [unclosed\n" + EVENTS + b"- x\x07\n", "control character U+0007 is not allowed"),
        (EVENTS.replace(b"date: ", b"date: x", 1) + b"- x\x07\n", "control character U+0007"),
        # Then the parser's own complaint, even after records with problems.
        (EVENTS.replace(b"date: ", b"date: x", 1) + b"- [unclosed\n", "invalid YAML"),
        (EVENTS + b"---\n- a\n", "holds more than one YAML document"),
    ],
)
def test_a_problem_late_in_a_file_is_ranked_as_in_a_file_read_whole(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "events.yaml"
    path.write_bytes(content)
    (seen,) = outcomes(monkeypatch, "events", path)
    assert seen.startswith("('refused', [")
    truncated = 2 if content.endswith(b"\xe2\x82") else 1
    assert expected.format(size=len(content) - truncated) in seen
    assert seen.count(str(path)) == 1, "a problem of the file replaces those of its records"


def test_positions_are_those_of_the_whole_file_however_it_is_cut(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "events.yaml"
    lines = EVENTS.split(b"\n")
    lines[40] = "  title: ééé🙂\u0085x".encode()
    path.write_bytes(b"\n".join(lines))
    (seen,) = outcomes(monkeypatch, "events", path)
    assert f"{path}:41:14: control character U+0085 is not allowed" in seen
    lines[40] = b"  title: \xc3\xa9\xc3"
    path.write_bytes(b"\n".join(lines))
    offset = len(b"\n".join(lines[:40])) + 1 + len(b"  title: \xc3\xa9")
    (seen,) = outcomes(monkeypatch, "events", path)
    assert f"{path}:41: is not valid UTF-8: byte {offset} (0xc3)" in seen


def test_items_come_one_at_a_time_and_are_not_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each item is handed on before the parser has read the next one, and the list keeps
    none of them: memory is one record's, whatever the size of the file."""
    monkeypatch.setattr(reader, "CHUNK_BYTES", 64)
    path = tmp_path / "events.yaml"
    path.write_bytes(EVENTS + b"- [unclosed\n")
    with reader.opened(path) as text:
        nodes = reader.nodes(text)
        root = next(nodes)
        assert isinstance(root, reader.Sequence)
        first = next(nodes)
        assert isinstance(first, reader.Mapping)
        assert first.items["id"][1] == reader.Scalar("2000s-insurgents-use-border-crossing", 1, 7, True)
        assert text.size < len(EVENTS) // 4, "the rest of the file is not read yet"
        count = 1
        with pytest.raises(DataError, match="invalid YAML"):
            for _item in nodes:
                count += 1
        assert count == EVENTS.count(b"\n- id: ") + 1
        assert root.items == []


def test_the_hash_is_of_every_byte_of_the_file(tmp_path: Path) -> None:
    import hashlib

    path = tmp_path / "events.yaml"
    path.write_bytes(EVENTS + b"# a comment after the last record\n")
    with reader.opened(path) as text:
        assert len(list(load.records("events", text))) == EVENTS.count(b"\n- id: ") + 1
        assert text.sha256() == hashlib.sha256(path.read_bytes()).hexdigest()
