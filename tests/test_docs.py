"""The help and the README tell the truth about the current code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conftest import Run
from iranclash.cli import app
from readme_examples import README, examples, run


def _command_lines(typer_app: Any, prefix: str = "") -> list[str]:
    """Every command as typed, sub-commands included (``cache clear``), from the registry."""
    lines = [prefix + (info.name or "") for info in typer_app.registered_commands]
    for group in typer_app.registered_groups:
        lines += _command_lines(group.typer_instance, f"{prefix}{group.name} ")
    return sorted(lines)


COMMANDS = _command_lines(app)


def test_the_registry_holds_every_command_and_sub_command() -> None:
    assert "cache clear" in COMMANDS
    assert {"events", "event", "summary", "validate"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(cli: Callable[..., Run], command: str) -> None:
    result = cli(*command.split(), "--help")
    assert result.exit_code == 0
    assert "Example: iranclash " + command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_readme_example(command: str) -> None:
    """Each command is shown with its output; ``info``'s output names this machine's paths,
    so its example is shown without being checked."""
    text = README.read_text(encoding="utf-8")
    shown = {" ".join(line.split()[1 : 1 + len(command.split())]) for line, _output in examples(text)}
    assert command in shown or f"$ iranclash {command}\n" in text


@pytest.mark.parametrize(
    ("command_line", "expected"), examples(README.read_text(encoding="utf-8")), ids=lambda v: v[:60]
)
def test_readme_example_output_is_real(command_line: str, expected: str) -> None:
    assert run(command_line) == expected, "README is stale: run python tests/readme_examples.py"


def test_every_kind_of_data_file_has_a_record_class() -> None:
    from iranclash import folder, model

    assert set(folder.KINDS) == set(model.FILES)


def test_readme_states_the_real_limits() -> None:
    from iranclash import reader

    text = README.read_text(encoding="utf-8")
    assert f"larger than **{reader.MAX_FILE_BYTES // 2**20} MiB**" in text
    assert f"nesting deeper than {reader.MAX_DEPTH} levels" in text


def test_ci_runs_the_readme_test_line() -> None:
    text = README.read_text(encoding="utf-8")
    test_line = next(line.strip() for line in text.splitlines() if "pytest" in line and "pip install" in line)
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert test_line in ci.splitlines()
