"""Shell completion through the real protocol: the environment variables each shell's
script sets, in a subprocess running the installed program, as the shell runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run

SCRIPT = shutil.which(
    "iranclash", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
)
ACTORS = """
    - id: alpha-brigade
      name: Alpha Brigade
      kind: militia
      sources: [{source: report, quote: "x"}]
    - id: alpha-front
      name: "Alpha 'Front' $(touch pwned)"
      kind: umbrella
      sources: [{source: report, quote: "x"}]
"""


def complete(
    shell: str, line: str, *, action: str = "get-args", **env: str
) -> subprocess.CompletedProcess[str]:
    """Ask as ``shell``'s completion script asks, with the cursor at the end of ``line``."""
    assert SCRIPT, "the iranclash console script is not installed next to this Python"
    request = {"_IRANCLASH_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        words = line.split()
        cursor = len(words) if line.endswith(" ") else len(words) - 1
        # bash's script joins COMP_WORDS with its IFS, a newline.
        request.update(COMP_WORDS="\n".join(words), COMP_CWORD=str(cursor))
    else:
        request.update(_TYPER_COMPLETE_ARGS=line)
        if shell == "fish":
            request.update(_TYPER_COMPLETE_FISH_ACTION=action)
    return subprocess.run(
        [SCRIPT], capture_output=True, text=True, env={**os.environ, **request, **env}, timeout=60
    )


def bash_values(line: str, **env: str) -> list[str]:
    run = complete("bash", line, **env)
    assert run.returncode == 0, run
    assert run.stderr == ""
    return run.stdout.split()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("iranclash ev", ["events", "event"]),
        ("iranclash cross", ["crossings"]),
        ("iranclash cache ", ["clear"]),
        ("iranclash events --ty", ["--type"]),
        ("iranclash events --type rock", ["rocket-attack"]),
        ("iranclash places --kind air", ["air-base", "airport"]),
        ("iranclash actors -f j", ["json", "jsonl"]),
    ],
)
def test_commands_options_and_choices(line: str, expected: list[str]) -> None:
    assert bash_values(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("iranclash actor kata", ["kataib-hezbollah", "kataib-sayyid-al-shuhada"]),
        ("iranclash place al-q", ["al-qaim-albu-kamal-crossing", "al-qaim-district"]),
        ("iranclash analyst nich", ["nicholas-heras"]),
        (
            "iranclash event 2021-07-07",
            ["2021-07-07-ain-al-assad-14-rockets", "2021-07-07-drone-attack-thwarted-at-al-omar"],
        ),
        ("iranclash events --actor kataib-s", ["kataib-sayyid-al-shuhada"]),
        ("iranclash summary --place anb", ["anbar"]),
        # Through Typer (an option before the name): the same answer as the quick path.
        ("iranclash actor --json kata", ["kataib-hezbollah", "kataib-sayyid-al-shuhada"]),
        ("iranclash events --since 2021 --place anb", ["anbar"]),
        # chain takes an event, cite a record of any kind, export acled the filters of events.
        ("iranclash chain 2021-07-07-a", ["2021-07-07-ain-al-assad-14-rockets"]),
        ("iranclash cite heras-", ["heras-iraq-is-the-prize", "heras-irgc-death-by-ant-bites"]),
        ("iranclash cite 2021-07-08", ["2021-07-08-rockets-at-us-embassy-green-zone"]),
        ("iranclash cite interview-h", ["interview-heras-2021-07-07"]),
        ("iranclash cite --json kataib-h", ["kataib-hezbollah"]),
        ("iranclash export ", ["acled"]),
        ("iranclash export acled --actor kataib-s", ["kataib-sayyid-al-shuhada"]),
        ("iranclash export acled --since 2021 --place anb", ["anbar"]),
    ],
)
def test_record_ids_from_the_shipped_data(line: str, expected: list[str]) -> None:
    assert bash_values(line) == expected


def test_every_id_of_a_kind_is_offered_for_an_empty_word() -> None:
    assert len(bash_values("iranclash event ")) == 35
    assert "tanf-walid-crossing" in bash_values("iranclash place ")


def test_the_data_in_use_is_the_one_asked_about(make_data: Callable[..., Path]) -> None:
    folder = make_data({"actors.yaml": ACTORS})
    assert bash_values("iranclash actor al", IRANCLASH_DATA=str(folder)) == ["alpha-brigade", "alpha-front"]
    assert bash_values(f"iranclash actor --data {folder} al") == ["alpha-brigade", "alpha-front"]
    assert bash_values(f"iranclash events --data {folder} --actor al") == ["alpha-brigade", "alpha-front"]
    assert bash_values(f"iranclash events --data {folder} --actor kata") == []


def test_unreadable_data_gives_no_candidates_and_no_error(
    make_data: Callable[..., Path], tmp_path: Path
) -> None:
    broken = make_data({"actors.yaml": "- id: [unclosed\n"})
    for data in (str(broken), str(tmp_path / "missing")):
        for line in ("iranclash actor a", f"iranclash actor --data {data} a"):
            run = complete("bash", line, IRANCLASH_DATA=data)
            assert (run.returncode, run.stdout.strip(), run.stderr) == (0, "", ""), (line, run)


def test_zsh_gets_ids_with_names_escaped_for_its_eval(make_data: Callable[..., Path]) -> None:
    folder = make_data({"actors.yaml": ACTORS})
    for line in ("iranclash actor al", "iranclash actor --json al"):
        run = complete("zsh", line, IRANCLASH_DATA=str(folder))
        assert run.returncode == 0, run
        assert run.stdout == (
            '_arguments \'*: :(("alpha-brigade":"Alpha Brigade"\n'
            "\"alpha-front\":\"Alpha ''Front'' \\$(touch pwned)\"))'\n"
        ), line
    assert complete("zsh", "iranclash actor zzz").stdout == "_files\n"


def test_names_shown_beside_ids_carry_no_control_characters(make_data: Callable[..., Path]) -> None:
    folder = make_data(
        {
            "actors.yaml": """
                - id: alpha-brigade
                  name: "Alpha\\e]52;c;aGk=\\a\\tBrigade\\e[31m\\u202e"
                  kind: militia
                  sources: [{source: report, quote: "x"}]
            """
        }
    )
    for shell in ("zsh", "fish"):
        for line in ("iranclash actor al", "iranclash actor --json al"):
            run = complete(shell, line, IRANCLASH_DATA=str(folder))
            assert run.returncode == 0, run
            assert "alpha-brigade" in run.stdout
            assert not any(char in run.stdout for char in "\x1b\x07\u202e"), (shell, line, run.stdout)
            assert "Alpha]52;c;aGk= Brigade[31m" in run.stdout


def test_fish_gets_ids_with_names_and_is_told_whether_there_are_any() -> None:
    run = complete("fish", "iranclash analyst nich")
    assert run.stdout == "nicholas-heras\tNicholas Heras\n"
    assert complete("fish", "iranclash analyst nich", action="is-args").returncode == 0
    assert complete("fish", "iranclash analyst zzz", action="is-args").returncode == 1
    assert "events\t" in complete("fish", "iranclash ev").stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_gets_a_script_to_install(shell: str) -> None:
    assert SCRIPT
    run = subprocess.run(
        [SCRIPT],
        capture_output=True,
        text=True,
        env={**os.environ, "_IRANCLASH_COMPLETE": f"source_{shell}"},
        timeout=60,
    )
    assert run.returncode == 0, run
    assert "_IRANCLASH_COMPLETE=complete_" + shell in run.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_through_its_script(tmp_path: Path) -> None:
    """The script bash sources, run by bash itself, fills COMPREPLY."""
    assert SCRIPT
    source = subprocess.run(
        [SCRIPT], capture_output=True, text=True, env={**os.environ, "_IRANCLASH_COMPLETE": "source_bash"}
    ).stdout
    program = f"""
        {source}
        COMP_WORDS=(iranclash place al-q)
        COMP_CWORD=2
        _iranclash_completion iranclash
        printf '%s\\n' "${{COMPREPLY[@]}}"
    """
    run = subprocess.run(
        ["bash", "--norc", "-c", program],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{Path(SCRIPT).parent}{os.pathsep}{os.environ['PATH']}"},
        timeout=60,
    )
    assert run.stdout.split() == ["al-qaim-albu-kamal-crossing", "al-qaim-district"], run


def test_completion_costs_ordinary_commands_nothing() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, iranclash.cli.commands; print('iranclash.cli.complete' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.stdout == "False\n", run


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_the_script_the_shell_loads(shell: str) -> None:
    """``iranclash completion SHELL`` prints what the protocol's ``source_SHELL`` request does."""
    assert SCRIPT
    printed = subprocess.run([SCRIPT, "completion", shell], capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0 and printed.stderr == ""
    sourced = subprocess.run(
        [SCRIPT],
        capture_output=True,
        text=True,
        env={**os.environ, "_IRANCLASH_COMPLETE": f"source_{shell}"},
        timeout=60,
    )
    assert printed.stdout.strip() == sourced.stdout.strip()
    assert "_IRANCLASH_COMPLETE=complete_" in printed.stdout


def test_help_says_how_to_get_the_completion_script(cli: Callable[..., Run]) -> None:
    assert "iranclash completion bash" in cli("-h").stdout
    assert 'eval "$(iranclash completion bash)"' in cli("completion", "-h").stdout
    assert cli("completion", "tcsh").exit_code == 2
