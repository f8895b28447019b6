"""The help, the README and the pages of docs/ tell the truth about the current code."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Run
from iranclash.cli.commands import app
from readme_examples import README, ROOT, all_examples, examples, pages, run


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
    "iranclash corroborate --since 2021-07 --data builtin --data ~/acled",
    "iranclash corroborate 2021-07-07-ain --data builtin --data ~/acled",
    "iranclash corroborate --unmatched --data builtin --data ~/acled",
    "iranclash corroborate 2021-07-07-ain --accept acled:IRQ1 --data ~/iraq",
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
def test_every_command_has_a_documented_example(command: str) -> None:
    """Each command is shown with its output, in the README or a page of docs/; ``info``'s
    output names this machine's paths, so its example is shown without being checked."""
    text = "\n".join(page.read_text(encoding="utf-8") for page in pages())
    shown = {" ".join(line.split()[1 : 1 + len(command.split())]) for line, _output in examples(text)}
    assert command in shown or f"$ iranclash {command}\n" in text


def test_the_examples_are_read_from_every_page() -> None:
    names = [str(page.relative_to(ROOT)) for page in pages()]
    assert names[:2] == ["README.md", "ARCHITECTURE.md"]
    assert {"docs/commands.md", "docs/output.md", "docs/datasets.md"} <= set(names)


@pytest.mark.parametrize("page", pages(), ids=lambda page: str(page.relative_to(ROOT)))
def test_every_console_block_is_a_checked_example(page: Path) -> None:
    """A ```console block the examples do not read (no ``$ iranclash`` first) would go unchecked."""
    text = page.read_text(encoding="utf-8")
    assert text.count("```console\n") == len(examples(text))


@pytest.mark.parametrize(
    ("page", "command_line", "expected"), all_examples(), ids=lambda v: v.removesuffix(".md")[:60]
)
def test_documented_example_output_is_real(page: str, command_line: str, expected: str) -> None:
    assert run(command_line) == expected, f"{page} is stale: run python tests/readme_examples.py"


def test_every_kind_of_data_file_has_a_record_class() -> None:
    from iranclash.core import model
    from iranclash.ingest import folder

    assert set(folder.KINDS) == set(model.FILES)


def test_security_page_states_the_real_limits() -> None:
    from iranclash.ingest import reader

    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    assert f"larger than **{reader.MAX_FILE_BYTES // 2**20} MiB**" in text
    assert f"nesting deeper than {reader.MAX_DEPTH} levels" in text


def test_ci_runs_the_readme_test_line() -> None:
    text = README.read_text(encoding="utf-8")
    test_line = next(line.strip() for line in text.splitlines() if "pytest" in line and "pip install" in line)
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert test_line in ci.splitlines()


def test_the_readme_is_one_page() -> None:
    """A newcomer's page, about 200 lines; the reference lives in docs/."""
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 250


FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} +(.+?) *#*$", re.MULTILINE)


def _prose(text: str) -> str:
    """The text outside code: fenced blocks and inline code spans hold examples, not links."""
    return re.sub(r"`[^`\n]*`", "", FENCE.sub("", text))


def anchors(text: str) -> set[str]:
    """The anchors GitHub makes of a page's headings: lower case, punctuation dropped, spaces
    as hyphens, ``-1``, ``-2``... after a repeated one."""
    made: set[str] = set()
    for heading in HEADING.findall(FENCE.sub("", text)):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").lower()).replace(" ", "-")
        anchor, number = slug, 0
        while anchor in made:
            number += 1
            anchor = f"{slug}-{number}"
        made.add(anchor)
    return made


def test_anchors_are_made_as_github_makes_them() -> None:
    headings = ["# Speed and the cache", "## search — every kind, best first", "## `--fields`, --sort"]
    text = "\n".join([*headings, "## Tables", "## Tables", "```text", "# not a heading", "```"])
    assert anchors(text) == {
        "speed-and-the-cache",
        "search--every-kind-best-first",
        "--fields---sort",
        "tables",
        "tables-1",
    }


@pytest.mark.parametrize("page", [*pages(), ROOT / "NOTICE.md"], ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_leads_to_a_file_and_heading(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    broken = []
    for target in LINK.findall(_prose(text)):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):
            continue  # a web address
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked.read_text(encoding="utf-8")):
            broken.append(f"{target}: no such heading in {linked.relative_to(ROOT)}")
    assert not broken, broken


@pytest.mark.parametrize("group", ["", "cache", "export"])
def test_the_top_level_and_group_help_have_examples(cli: Callable[..., Run], group: str) -> None:
    shown = cli(*group.split(), "-h").stdout
    lines = help_examples(shown)
    assert lines and all(line.startswith("iranclash ") for line in lines), shown


def test_no_command_description_is_cut_at_120_columns() -> None:
    from terminal import run_in_terminal

    for group in ([], ["cache"], ["export"]):
        screen = run_in_terminal(*group, "-h", columns=120)
        listed = screen.text.split("Commands:")[1]
        assert "..." not in listed, listed
