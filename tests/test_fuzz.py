"""Fuzzing the loader: whatever bytes a data file holds, reading it gives records or a
``DataError`` of one line, never another exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from iranclash.core.errors import DataError
from iranclash.ingest import load, reader

SHIPPED = sorted((Path(__file__).resolve().parents[1] / "data").glob("*.yaml"))
CONTENTS = {path.stem: path.read_bytes() for path in SHIPPED}

#: Fragments that reach the parser's and the schema's corners.
YAML_BITS = [
    b"&a ",
    b"*a",
    b"!!python/object/apply:os.system ['true'] ",
    b"!!binary ",
    b"!tag ",
    b"<<: ",
    b"? ",
    b"- ",
    b": ",
    b", ",
    b"[",
    b"]",
    b"{",
    b"}",
    b"\t",
    b'"',
    b"'",
    b"|\n",
    b">-\n",
    b"#",
    b"%YAML 1.1\n",
    b"@",
    b"`",
    b"---\n",
    b"...\n",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\x00",
    b"\x1b[31m",
    b"\r",
    b"\n",
    b"\n  ",
    b'"\\e\\x9b\\u202e"',
    b'"\\ud800"',
    b"\\",
    b"~",
    b"null",
    b"yes",
    b"012",
    b"1:20",
    b".nan",
    b"-.inf",
    b"9" * 50,
    b"2021-02-30",
    "\x9b".encode(),
    "\u202e".encode(),
    "\ufffe".encode(),
    "كتائب".encode(),
    "🙂".encode(),
]

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

fragments = st.one_of(st.sampled_from(YAML_BITS), st.text(max_size=4).map(str.encode), st.binary(max_size=3))


@st.composite
def mutated_data_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A shipped data file with a few bytes flipped, inserted, deleted, or cut off."""
    kind = draw(st.sampled_from(sorted(CONTENTS)))
    data = bytearray(CONTENTS[kind])
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(data)))
        operation = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "repeat"]))
        if operation == "flip" and position < len(data):
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif operation == "insert":
            data[position:position] = draw(fragments)
        elif operation == "delete":
            del data[position : position + draw(st.integers(1, 80))]
        elif operation == "truncate":
            del data[position:]
        elif operation == "repeat":
            data[position:position] = data[position : position + draw(st.integers(1, 200))]
    return kind, bytes(data)


def assert_loads_or_refuses(kind: str, path: Path) -> None:
    try:
        load.load_file(kind, path)
    except DataError as error:
        assert "\n" not in str(error)
        assert all(problem.path == path for problem in error.problems)
        first = error.problems[0]
        event("refused: a field" if first.field else f"refused: {first.message.split(':')[0][:30]}")
    else:
        event("loaded")


@FUZZ
@given(case=mutated_data_files())
def test_mutated_data_files_load_or_raise_data_error(tmp_path: Path, case: tuple[str, bytes]) -> None:
    kind, data = case
    path = tmp_path / f"{kind}.yaml"
    path.write_bytes(data)
    assert_loads_or_refuses(kind, path)


@FUZZ
@given(data=st.one_of(st.binary(max_size=400), st.text(max_size=200).map(str.encode)))
def test_random_bytes_read_or_raise_data_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "events.yaml"
    path.write_bytes(data)
    try:
        reader.read(path)
    except DataError as error:
        assert "\n" not in str(error)
    assert_loads_or_refuses("events", path)


@FUZZ
@given(
    kind=st.sampled_from(sorted(CONTENTS)),
    pieces=st.lists(
        st.one_of(st.sampled_from(YAML_BITS), st.sampled_from([b"id", b"name", b"title", b"count", b"x"])),
        max_size=40,
    ),
)
def test_yaml_like_token_soup_loads_or_raises_data_error(
    tmp_path: Path, kind: str, pieces: list[bytes]
) -> None:
    path = tmp_path / f"{kind}.yaml"
    path.write_bytes(b"- id: x\n  " + b"".join(pieces))
    assert_loads_or_refuses(kind, path)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_the_shipped_files_load_cleanly(path: Path) -> None:
    """The seeds of the fuzzing are themselves valid, so mutations start from real data."""
    assert load.load_file(path.stem, path).records
