"""Every CLI command and every flag is documented in docs/cli.md."""

from __future__ import annotations

import argparse
from pathlib import Path

from meshmush.cli import build_parser

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_every_command_and_flag_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == {"check", "build", "inspect", "play", "serve", "gateway", "admin", "diff", "migrate",
                                "map", "fakeradio", "schemas"}
    for name, cmd in sub.choices.items():
        assert f"## `meshmush {name}" in text, f"docs/cli.md has no section for {name}"
        section = text.split(f"## `meshmush {name}", 1)[1].split("\n## ", 1)[0]
        for action in cmd._actions:
            for flag in action.option_strings:
                if flag in ("-h", "--help") or not flag.startswith("--"):
                    continue
                assert f"`{flag}" in section or f"{flag} " in section, f"{name} {flag} is not documented"


def test_fakeradio_flags_are_documented() -> None:
    """``fakeradio`` parses its own flags (tools/fakeradio/__main__.py)."""
    section = DOC.read_text(encoding="utf-8").split("## `meshmush fakeradio", 1)[1]
    for flag in ("--port", "--pty", "--plain"):
        assert f"`{flag}" in section


def test_every_admin_subcommand_and_flag_is_documented() -> None:
    section = DOC.read_text(encoding="utf-8").split("## `meshmush admin", 1)[1].split("\n## ", 1)[0]
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    admin = sub.choices["admin"]
    cmds = next(a for a in admin._actions if isinstance(a, argparse._SubParsersAction))
    for name, cmd in cmds.choices.items():
        assert f"- `{name}" in section, f"admin {name} is not documented"
        for action in cmd._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help"):
                    assert flag in section, f"admin {name} {flag} is not documented"
