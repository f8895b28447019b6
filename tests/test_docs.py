"""The help and the README tell the truth about the current code."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from typing import Any

import pytest

from conftest import Run
from iranclash.cli.commands import app
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


def help_examples(help_text: str) -> list[str]:
    """The command lines of the Examples paragraph of a command's help, as printed."""
    paragraph = help_text.split("\n  Example")[1].split("\n\n")[0]
    return [line.strip() for line in paragraph.splitlines()[1:]]


#: Examples that name a folder of the reader's own, which the test cannot run.
READERS_OWN = {
    "iranclash validate ./my-data --json",
    "iranclash validate builtin ./my-data",
    "iranclash import acled ~/Downloads/iraq-2021.csv --into ~/iraq-data",
    "iranclash import ucdp ged.csv --into ~/iraq-data --json",
}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_examples_that_run(cli: Callable[..., Run], command: str) -> None:
    result = cli(*command.split(), "--help")
    assert result.exit_code == 0
    lines = help_examples(result.stdout)
    assert lines, result.stdout
    for line in lines:
        assert line.startswith(f"iranclash {command}"), line
        if line not in READERS_OWN:
            run = cli(*shlex.split(line)[1:])
            assert run.exit_code == 0, (line, run)


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_dash_h_is_help(cli: Callable[..., Run], command: str) -> None:
    short = cli(*command.split(), "-h")
    assert short.exit_code == 0
    assert re.match(rf"Usage: \S+ {command}".rstrip() + " ", short.stdout), short.stdout
    assert short.stdout == cli(*command.split(), "--help").stdout


def test_help_names_arguments_alike_and_lists_choices_in_lines_that_fit(cli: Callable[..., Run]) -> None:
    events = cli("events", "--help", env={"COLUMNS": "80"}).stdout
    for option in (
        "--since DATE",
        "--until DATE",
        "--actor NAME",
        "--place NAME",
        "--type TYPE",
        "--data DIR",
    ):
        assert f"  {option} " in events
    assert max(len(line) for line in events.splitlines()) <= 80
    listed = " ".join(events.split("TYPE is")[1].split("--data")[0].split())
    assert "one of: airstrike, drone-attack, rocket-attack," in listed
    assert "agreement-withdrawal" in listed and "insurgent-activity, other." in listed
    # Typer shows a required argument as {NAME}, an optional one as [DIR], several as [DIR]...
    for command, argument in [
        ("event", "{ID}"),
        ("actor", "{NAME}"),
        ("search", "{TEXT}"),
        ("validate", "[DIR]..."),
    ]:
        usage = cli(command, "--help").stdout.splitlines()[0]
        shown = (f" {command} [OPTIONS] {argument}", f" {command} [OPTIONS] {argument.strip('{}')}")
        assert usage.endswith(shown), usage


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
    from iranclash.core import model
    from iranclash.ingest import folder

    assert set(folder.KINDS) == set(model.FILES)


def test_readme_states_the_real_limits() -> None:
    from iranclash.ingest import reader

    text = README.read_text(encoding="utf-8")
    assert f"larger than **{reader.MAX_FILE_BYTES // 2**20} MiB**" in text
    assert f"nesting deeper than {reader.MAX_DEPTH} levels" in text


def test_ci_runs_the_readme_test_line() -> None:
    text = README.read_text(encoding="utf-8")
    test_line = next(line.strip() for line in text.splitlines() if "pytest" in line and "pip install" in line)
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert test_line in ci.splitlines()
