"""Pieces the kinds' ``meshmush inspect`` lines share: bytecode listings and trigger headers."""

from __future__ import annotations

from collections.abc import Iterator

from runtime.image import model
from runtime.image.disasm import disassemble
from runtime.image.words import count


def code_lines(title: str, code: model.Code) -> Iterator[str]:
    yield f"    == {title}  ({code.file}, {count(len(code.ops), 'byte')}, max {count(code.max_steps, 'step')},"
    yield f"       {count(code.max_messages, 'message')})"
    for line in disassemble(code):
        yield f"      {line}"


def trigger_lines(owner: str, triggers: tuple[model.Trigger, ...]) -> Iterator[str]:
    for t in triggers:
        extra = f" match={t.match}" if t.match else ""
        extra += f" every={t.every}s" if t.every else ""
        yield from code_lines(f"{owner} on {t.event}{extra} (line {t.line})", t.code)
