"""Find a data folder, read its files strictly and build records.

This module knows the file layout and the record schema (taken from the type
hints in ``model``); it never prints and never imports typer or rich.
"""

from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from . import model, reader
from .errors import DataError, Problem
from .reader import Mapping, Node, Scalar, Sequence

ENV_VAR = "IRANCLASH_DATA"
_INT = re.compile(r"0|[1-9][0-9]{0,8}")
_FLOAT = re.compile(r"-?[0-9]{1,3}(\.[0-9]{1,12})?")


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
    if not chosen.exists():
        raise DataError.single(chosen, "data folder does not exist")
    if not chosen.is_dir():
        raise DataError.single(chosen, "is not a folder; point --data at a folder laid out like data/")
    return chosen


def data_files(folder: Path) -> list[tuple[str, Path]]:
    """Each data file of a folder with its kind: ``events.yaml`` and ``events/*.yaml`` etc."""
    found: list[tuple[str, Path]] = []
    for kind in model.FILES:
        for suffix in (".yaml", ".yml"):
            single = folder / f"{kind}{suffix}"
            if single.exists() or single.is_symlink():
                found.append((kind, single))
        part_folder = folder / kind
        if part_folder.is_dir():
            parts = sorted(path for path in part_folder.iterdir() if path.suffix in (".yaml", ".yml"))
            found.extend((kind, path) for path in parts)
    if not found:
        names = ", ".join(f"{kind}.yaml" for kind in model.FILES)
        raise DataError.single(folder, f"holds no data files (expected any of {names})")
    return found


@dataclass(frozen=True)
class Origin:
    path: Path
    line: int


@dataclass(frozen=True)
class FileRecords:
    """The records of one file, with the line each starts on."""

    kind: str
    path: Path
    records: tuple[model.Record, ...]
    lines: tuple[int, ...]


def load_file(kind: str, path: Path) -> FileRecords:
    """Read one data file into records; every problem in it is reported at once."""
    root = reader.read(path)
    if root is None:
        raise DataError.single(path, "is empty; write [] for a file with no records")
    if not isinstance(root, Sequence):
        raise DataError.single(
            path,
            f"the top level must be a list of records ('- id: ...'), not a {_describe(root)}",
            line=root.line,
            column=root.column,
        )
    record_class = model.FILES[kind]
    problems: list[Problem] = []
    records: list[model.Record] = []
    lines: list[int] = []
    for node in root.items:
        converter = _Converter(path, problems)
        record = converter.record(record_class, node)
        if record is not None:
            records.append(record)
            lines.append(node.line)
    if problems:
        raise DataError(problems)
    return FileRecords(kind, path, tuple(records), tuple(lines))


def _describe(node: Node) -> str:
    if isinstance(node, Mapping):
        return "mapping"
    if isinstance(node, Sequence):
        return "list"
    return "null" if node.is_null else f"text {node.text[:40]!r}"


_INVALID: Any = object()


class _Converter:
    """Builds one record from its node, collecting a problem per bad field."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        self.record_id: str | None = None

    def fail(self, node: Node, field: str | None, message: str) -> Any:
        self.problems.append(Problem(self.path, message, node.line, node.column, self.record_id, field))
        return _INVALID

    def record(self, cls: type[model.Record], node: Node) -> model.Record | None:
        if not isinstance(node, Mapping):
            self.fail(node, None, f"a record must be a mapping starting with 'id:', not a {_describe(node)}")
            return None
        first_key = next(iter(node.items), None)
        if first_key != "id":
            self.fail(node, None, "a record must start with its 'id:' line")
            return None
        id_node = node.items["id"][1]
        if isinstance(id_node, Scalar):
            self.record_id = id_node.text
        value = self.convert(cls, node, cls.KIND)
        return None if value is _INVALID else value

    def convert(self, tp: Any, node: Node, field: str) -> Any:
        if dataclasses.is_dataclass(tp) and tp not in _SCALARS:
            return self.dataclass(tp, node, field)
        origin = typing.get_origin(tp)
        if origin is tuple:
            (item_type, _ellipsis) = typing.get_args(tp)
            if not isinstance(node, Sequence):
                return self.fail(node, field, f"expected a list, got {_describe(node)}")
            items = [self.convert(item_type, item, field) for item in node.items]
            return _INVALID if _INVALID in items else tuple(items)
        if origin in (typing.Union, types.UnionType):
            (inner,) = [arg for arg in typing.get_args(tp) if arg is not type(None)]
            return self.convert(inner, node, field)
        if not isinstance(node, Scalar):
            return self.fail(node, field, f"expected a single value, got a {_describe(node)}")
        parse = _SCALARS.get(tp)
        if parse is None and isinstance(tp, type) and issubclass(tp, Enum):
            parse = _enum_parser(tp)
        if parse is None:  # pragma: no cover - a model field of a type this module lacks
            raise TypeError(f"no parser for {tp!r}")
        try:
            return parse(node)
        except ValueError as error:
            return self.fail(node, field, str(error))

    def dataclass(self, cls: Any, node: Node, field: str) -> Any:
        if not isinstance(node, Mapping):
            return self.fail(node, field, f"expected a mapping, got a {_describe(node)}")
        fields = _fields(cls)
        values: dict[str, Any] = {}
        ok = True
        for key, (key_node, value_node) in node.items.items():
            if key not in fields:
                valid = ", ".join(fields)
                self.fail(key_node, key, f"unknown field; valid fields here are: {valid}")
                ok = False
                continue
            tp, required = fields[key]
            if isinstance(value_node, Scalar) and value_node.is_null:
                if required:
                    self.fail(value_node, key, "is required and must not be empty")
                    ok = False
                continue
            value = self.convert(tp, value_node, key)
            if value is _INVALID:
                ok = False
            else:
                values[key] = value
        for name, (_tp, required) in fields.items():
            if required and name not in node.items:
                self.fail(node, name, "is required but missing")
                ok = False
        if not ok:
            return _INVALID
        try:
            return cls(**values)
        except ValueError as error:
            return self.fail(node, field, str(error))


@cache
def _fields(cls: Any) -> dict[str, tuple[Any, bool]]:
    hints = typing.get_type_hints(cls)
    return {
        spec.name: (
            hints[spec.name],
            spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING,
        )
        for spec in dataclasses.fields(cls)
    }


def _text(node: Scalar) -> str:
    if not node.text.strip():
        raise ValueError("must not be empty")
    return node.text


def _int(node: Scalar) -> int:
    if not _INT.fullmatch(node.text):
        raise ValueError(f"expected a whole number such as 14, got {node.text[:40]!r}")
    return int(node.text)


def _float(node: Scalar) -> float:
    if not _FLOAT.fullmatch(node.text):
        raise ValueError(f"expected a decimal number such as 33.80, got {node.text[:40]!r}")
    return float(node.text)


def _bool(node: Scalar) -> bool:
    if node.text not in ("true", "false"):
        raise ValueError(f"expected true or false, got {node.text[:40]!r}")
    return node.text == "true"


def _date(node: Scalar) -> model.PartialDate:
    return model.PartialDate.parse(node.text)


def _enum_parser(enum: type[Enum]) -> Callable[[Scalar], Any]:
    def parse(node: Scalar) -> Any:
        try:
            return enum(node.text)
        except ValueError:
            valid = ", ".join(member.value for member in enum)
            raise ValueError(f"{node.text[:40]!r} is not one of: {valid}") from None

    return parse


_SCALARS: dict[Any, Callable[[Scalar], Any]] = {
    str: _text,
    int: _int,
    float: _float,
    bool: _bool,
    model.PartialDate: _date,
}


def iter_file_records(folder: Path) -> Iterator[FileRecords]:
    """Every file of a folder read into records, stopping at the first unreadable file."""
    problems: list[Problem] = []
    for kind, path in data_files(folder):
        try:
            yield load_file(kind, path)
        except DataError as error:
            problems.extend(error.problems)
    if problems:
        raise DataError(problems)
