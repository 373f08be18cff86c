from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from fulcrum import __version__
from fulcrum.cli import COMMAND_MODULES, COMMANDS, build_app, build_listing, main
from fulcrum.errors import ConfigError, NotFound, RateLimited

UNESCAPED = re.compile(r"(?<!\\)\[[A-Za-z]")


def test_version_via_module() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "fulcrum", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"fulcrum {__version__}"


def test_config_error_names_file_and_field() -> None:
    err = ConfigError("must be >= 0 (watts)", file="a.toml", field="hardware.idle_w")
    assert err.message == "a.toml: hardware.idle_w: must be >= 0 (watts)"
    assert err.exit_code == 2
    assert err.anthropic_body()["error"]["type"] == "invalid_request_error"


def test_error_bodies_are_provider_shaped() -> None:
    nf = NotFound("model 'x' is not configured", param="model")
    assert nf.status == 404
    assert nf.openai_body()["error"]["code"] == "model_not_found"
    assert nf.anthropic_body() == {
        "type": "error",
        "error": {"type": "not_found_error", "message": "model 'x' is not configured"},
    }
    rl = RateLimited("slow down", retry_after=2.0)
    assert (rl.status, rl.retry_after) == (429, 2.0)


def _helps(command: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every help text of ``command`` and its subcommands: its own and each option's."""
    yield where, command.help or ""
    for param in command.params:
        yield f"{where} {param.name}", getattr(param, "help", None) or ""
    for name, sub in getattr(command, "commands", {}).items():  # a group's subcommands
        yield from _helps(sub, f"{where} {name}")


def _epilogs(command: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every command's epilog (its example, the catalog's file format)."""
    if command.epilog:
        yield where, command.epilog
    for name, sub in getattr(command, "commands", {}).items():
        yield from _epilogs(sub, f"{where} {name}")


def test_no_help_text_loses_a_bracketed_word() -> None:
    """Help is rendered as Rich markup, where ``[policy]`` is a tag and disappears: a TOML
    table named in help must be written ``\\[policy]``."""
    root = typer.main.get_command(build_app())
    lost = [(where, text) for where, text in _helps(root, "fulcrum") if UNESCAPED.search(text)]
    lost += [(where, text) for where, text in _epilogs(root, "fulcrum") if UNESCAPED.search(text)]
    assert lost == []
    assert sum(1 for _ in _helps(root, "fulcrum")) > 200  # the walk reaches the subcommands


HELP_LINE = 76  # an 80-column terminal less the help box's borders and padding


def test_help_paragraphs_keep_their_lines_in_80_columns() -> None:
    """Rich keeps a help paragraph's line breaks: a line longer than the box wraps again
    (serve's help read "... in the data directory," / "every local ..."), and a line break in
    a first paragraph cuts the command listing's line in two (usage reconcile's did)."""
    root = typer.main.get_command(build_app())
    bad = []
    for where, text in _helps(root, "fulcrum"):
        first, *rest = inspect.cleandoc(text).split("\n\n")
        if "\n" in first:
            bad.append((where, first))
        bad += [(where, line) for p in rest for line in p.splitlines() if len(line) > HELP_LINE]
    assert bad == []


def test_every_option_and_argument_has_help() -> None:
    root = typer.main.get_command(build_app())
    missing = [where for where, text in _helps(root, "fulcrum") if not text.strip()]
    assert missing == []


def _registered(module: str) -> set[str]:
    """The top-level commands and groups that ``module`` registers."""
    app = typer.Typer()
    importlib.import_module(module).register(app)
    commands = {
        c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands
    }
    return commands | {g.name or str(g.typer_instance.info.name) for g in app.registered_groups}


def test_every_command_is_mapped_to_the_module_that_registers_it() -> None:
    """``COMMANDS`` is how a command line finds its one module: it must list exactly what
    each module registers, or a command would be missing when named on its own."""
    for module in COMMAND_MODULES:
        assert _registered(module) == {c for c, (m, _) in COMMANDS.items() if m == module}, module


def test_a_named_command_loads_only_its_module() -> None:
    """``fulcrum decide`` does not import the gateway, ``fulcrum serve`` does; both run."""
    probe = (
        "import sys\nfrom fulcrum.cli import main\n"
        "try:\n    main([sys.argv[1], '--help'])\nexcept SystemExit as e:\n    code = e.code\n"
        "print(code, 'fulcrum.gateway.cli' in sys.modules, 'fulcrum.evals' in sys.modules)"
    )
    seen = {}
    for command in ("decide", "serve"):
        out = subprocess.run(
            [sys.executable, "-c", probe, command], capture_output=True, text=True, check=True
        )
        seen[command] = out.stdout.split()[-3:]
    assert seen == {"decide": ["0", "False", "False"], "serve": ["0", "True", "False"]}


def test_help_and_unknown_commands_see_every_command(capsys: Any) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in COMMANDS)
    with pytest.raises(SystemExit) as done:
        main(["decid"])
    assert done.value.code == 2
    assert "decide" in capsys.readouterr().err  # click's did-you-mean needs every name


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["decide", "--bogus"], "fulcrum: error: decide: No such option: --bogus"),
        (["decide"], "fulcrum: error: decide: Missing argument 'scenario'."),
        (["router", "train"], "fulcrum: error: router train: Missing argument 'data'."),
        (["throughput", "--bandwidth-gbps", "abc"], "Invalid value for '--bandwidth-gbps'"),
    ],
)
def test_bad_usage_is_one_line_naming_the_command_and_its_help(
    argv: list[str], said: str, capsys: Any
) -> None:
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and said in err, err
    assert f"(see fulcrum {' '.join(argv[:2] if argv[0] == 'router' else argv[:1])} --help)" in err


def test_help_and_version_still_exit_0(capsys: Any) -> None:
    for argv in (["decide", "--help"], ["--version"]):
        with pytest.raises(SystemExit) as done:
            main(argv)
        assert done.value.code == 0
    assert f"fulcrum {__version__}" in capsys.readouterr().out


def test_the_listing_is_the_full_command_lines_help_and_loads_no_command() -> None:
    """``fulcrum --help`` comes from ``COMMANDS`` alone: word for word the help the full
    command line prints (each command's one line, in its order), importing no command module."""
    from typer.testing import CliRunner  # noqa: PLC0415

    full = CliRunner().invoke(build_app(), ["--help"], terminal_width=80)
    listed = CliRunner().invoke(build_listing(), ["--help"], terminal_width=80)
    assert full.exit_code == listed.exit_code == 0
    assert listed.output == full.output and "batch" in listed.output
    probe = (
        "import sys\nfrom fulcrum.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit as e:\n    code = e.code\n"
        "print(code, sorted(m for m in sys.modules if m.endswith('.cli') and m != 'fulcrum.cli'))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "0 []"


def test_an_unusable_data_dir_is_one_line(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """A data directory that is a file is bad input (2); one the machine refuses to create is
    a failed job (1): one line each, never a traceback."""
    scenario = str(Path(__file__).parents[1] / "examples" / "seed_003_fleet.toml")
    afile = tmp_path / "afile"
    afile.write_text("")
    for where, code, words in ((afile, 2, "FULCRUM_DATA_DIR: "), (afile / "sub", 1, str(afile))):
        monkeypatch.setenv("FULCRUM_DATA_DIR", str(where))
        with pytest.raises(SystemExit) as info:
            main(["decide", scenario])
        err = capsys.readouterr().err
        assert info.value.code == code and err.count("\n") == 1, err
        assert err.startswith("fulcrum: error: ") and words in err
