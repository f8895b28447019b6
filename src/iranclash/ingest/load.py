"""Build records from a data file, strictly, by the record schema.

The schema is the type hints in ``model``: each field is read as the type it
declares or reported as a problem with its line. Finding the files is
``folder``'s job; this module never prints and never imports typer or rich.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from iranclash.core import model
from iranclash.core.errors import DataError, Problem
from iranclash.ingest import reader
from iranclash.ingest.reader import Mapping, Node, Scalar, Sequence

_INT = re.compile(r"0|[1-9][0-9]{0,8}")
_FLOAT = re.compile(r"-?[0-9]{1,3}(\.[0-9]{1,12})?")


@dataclass(frozen=True)
class FileRecords:
    """The records of one file, with the line each starts on."""

    kind: str
    path: Path
    records: tuple[model.Record, ...]
    lines: tuple[int, ...]


def load_file(kind: str, path: Path) -> FileRecords:
    """Read one data file into records; every problem in it is reported at once."""
    with reader.opened(path) as text:
        found = list(records(kind, text))
    return FileRecords(
        kind, path, tuple(record for record, _line in found), tuple(line for _record, line in found)
    )


def records(kind: str, text: reader.Text) -> Iterator[tuple[model.Record, int]]:
    """Each record of a data file as it is read, with the line it starts on.

    A record with a problem is left out, and once the file is read every problem in it
    is raised at once (``DataError``), those of the file itself (``reader``) instead of
    any of its records'. A caller that keeps what came before then gets the same answer
    as from a file read whole: its records, or its problems.
    """
    path = text.path
    nodes = reader.nodes(text)
    root = next(nodes, None)
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
    for node in nodes:
        record = _Converter(path, problems).record(record_class, node)
        if record is not None:
            yield record, node.line
    if problems:
        raise DataError(problems)


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
        value = _converter_for(typing.cast(Any, cls))(self, node, cls.KIND)
        return None if value is _INVALID else value


Convert = Callable[[_Converter, Node, str], Any]


@cache
def _converter_for(tp: Any) -> Convert:
    """The function that reads a node as type ``tp``, built once per type from the model's hints."""
    parse = _SCALARS.get(tp)
    if parse is None and isinstance(tp, type) and issubclass(tp, Enum):
        parse = _enum_parser(tp)
    if parse is not None:
        return _scalar_converter(parse)
    if dataclasses.is_dataclass(tp):
        return _mapping_converter(tp)
    origin = typing.get_origin(tp)
    if origin is tuple:
        return _list_converter(_converter_for(typing.get_args(tp)[0]))
    if origin in (typing.Union, types.UnionType):
        (inner,) = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        return _converter_for(inner)
    raise TypeError(f"no converter for {tp!r}")  # pragma: no cover - a model field of an unknown type


def _scalar_converter(parse: Callable[[Scalar], Any]) -> Convert:
    def convert(converter: _Converter, node: Node, field: str) -> Any:
        if type(node) is not Scalar:
            return converter.fail(node, field, f"expected a single value, got a {_describe(node)}")
        if node.is_null:  # in a list, or a required field: never the text "~" or "null"
            return converter.fail(node, field, "must not be empty (null)")
        try:
            return parse(node)
        except ValueError as error:
            return converter.fail(node, field, str(error))

    return convert


def _list_converter(item: Convert) -> Convert:
    def convert(converter: _Converter, node: Node, field: str) -> Any:
        if type(node) is not Sequence:
            return converter.fail(node, field, f"expected a list, got {_describe(node)}")
        items = [item(converter, child, field) for child in node.items]
        return _INVALID if _INVALID in items else tuple(items)

    return convert


def _mapping_converter(cls: Any) -> Convert:
    hints = typing.get_type_hints(cls)
    specs = dataclasses.fields(cls)
    required = [
        spec.name
        for spec in specs
        if spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
    ]
    fields = {spec.name: (_converter_for(hints[spec.name]), spec.name in required) for spec in specs}
    valid = ", ".join(fields)

    def convert(converter: _Converter, node: Node, field: str) -> Any:
        if type(node) is not Mapping:
            return converter.fail(node, field, f"expected a mapping, got a {_describe(node)}")
        values: dict[str, Any] = {}
        ok = True
        for key, (key_node, value_node) in node.items.items():
            spec = fields.get(key)
            if spec is None:
                converter.fail(key_node, key, f"unknown field; valid fields here are: {valid}")
                ok = False
                continue
            convert_value, is_required = spec
            if type(value_node) is Scalar and value_node.is_null:
                if is_required:
                    converter.fail(value_node, key, "is required and must not be empty")
                    ok = False
                continue
            value = convert_value(converter, value_node, key)
            if value is _INVALID:
                ok = False
            else:
                values[key] = value
        for name in required:
            if name not in node.items:
                converter.fail(node, name, "is required but missing")
                ok = False
        if not ok:
            return _INVALID
        try:
            return cls(**values)
        except ValueError as error:
            return converter.fail(node, field, str(error))

    return convert


def _text(node: Scalar) -> str:
    if not node.text.strip():
        raise ValueError("must not be empty")
    return node.text


def _int(node: Scalar) -> int:
    if not (node.plain and _INT.fullmatch(node.text)):
        raise ValueError(f"expected a whole number such as 14, got {_shown(node)}")
    return int(node.text)


def _float(node: Scalar) -> float:
    if not (node.plain and _FLOAT.fullmatch(node.text)):
        raise ValueError(f"expected a decimal number such as 33.80, got {_shown(node)}")
    return float(node.text)


def _bool(node: Scalar) -> bool:
    if not (node.plain and node.text in ("true", "false")):
        raise ValueError(f"expected true or false, got {_shown(node)}")
    return node.text == "true"


def _shown(node: Scalar) -> str:
    """A refused value as the message shows it; a quoted "14" is text, not a number."""
    return f"{node.text[:40]!r}" + ("" if node.plain else " in quotes or with a tag (write it bare)")


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
