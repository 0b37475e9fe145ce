"""The command line explains itself: a version, help for every option, a readable fakeradio
--help, the subcommand's own usage on a usage error, and exit 2 for a missing image everywhere."""

from __future__ import annotations

import argparse
from importlib import metadata
from pathlib import Path

import pytest

from meshmush.cli import build_parser
from tests.tools.test_cli import run


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_version() -> None:
    r = run("--version")
    assert r.returncode == 0
    assert r.stdout.strip() == f"meshmush {metadata.version('meshmush')}"


def test_every_option_and_argument_has_help_text() -> None:
    parsers = {"meshmush": build_parser(), **_subparsers()}
    for name, parser in parsers.items():
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            assert action.help and action.help.strip(), f"{name}: {action.option_strings or action.dest} has no help"


def test_fakeradio_help_is_a_sentence_not_a_docstring() -> None:
    r = run("fakeradio", "--help")
    assert r.returncode == 0
    assert "``" not in r.stdout and "    meshmush fakeradio --port" not in r.stdout
    text = r.stdout.split("\n\n")[1]
    assert text.startswith("A fake Meshtastic node") and text.rstrip().endswith(".")
    assert "--port PORT" in r.stdout and "--pty" in r.stdout


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (["check", "/nonexistent/world"], "usage: meshmush check"),
        (["play", "/nonexistent/world.mmi"], "usage: meshmush play"),
        (["play", "worlds/demo", "--frame-bytes", "5"], "usage: meshmush play"),
        (["inspect", "/nonexistent/world.mmi"], "usage: meshmush inspect"),
        (["serve", "/nonexistent/world.mmi", "--tcp", "127.0.0.1:9"], "usage: meshmush serve"),
        (["build", "/nonexistent/world", "-o", "x.mmi"], "usage: meshmush build"),
        (["diff", "worlds/demo", "/nonexistent/world"], "usage: meshmush diff"),
        (["migrate", "/nonexistent/world.mmi", "--db", "x.duckdb"], "usage: meshmush migrate"),
        (["map", "worlds/demo", "-o", "map.png"], "usage: meshmush map"),
        (["check", "worlds/demo", "--format", "xml"], "usage: meshmush check"),
    ],
)
def test_a_usage_error_shows_the_subcommands_usage_and_exits_2(args: list[str], usage: str) -> None:
    r = run(*args, cwd=Path(__file__).resolve().parents[2])
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith(usage), r.stderr
    assert "Traceback" not in r.stderr


def test_a_missing_image_is_exit_2_in_inspect_play_and_serve(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.mmi")
    for args in (["inspect", missing], ["play", missing], ["serve", missing, "--tcp", "127.0.0.1:9"]):
        r = run(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert "nope.mmi" in r.stderr


def test_schemas_writes_what_the_compiler_validates_with(tmp_path: Path) -> None:
    out = tmp_path / "editor" / "schemas"
    r = run("schemas", "-o", str(out))
    assert r.returncode == 0, r.stderr
    root = Path(__file__).resolve().parents[2] / "compiler" / "schemas"
    shipped = sorted(p.name for p in root.glob("*.schema.json"))
    assert sorted(p.name for p in out.iterdir()) == shipped
    for name in shipped:
        assert (out / name).read_bytes() == (root / name).read_bytes()
    (tmp_path / "file").write_text("x")
    r = run("schemas", "-o", str(tmp_path / "file"))
    assert r.returncode == 1 and "not a directory" in r.stderr and "Traceback" not in r.stderr
