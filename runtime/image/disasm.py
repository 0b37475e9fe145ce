"""Disassembling trigger bytecode, clox style: offset, source line, opcode, operands."""

from __future__ import annotations

import json

from runtime.image.bytecode import BytecodeError, decode, line_at
from runtime.image.model import Code, Scalar
from runtime.image.opcodes import TextKind


def literal(value: Scalar) -> str:
    """A value as a world's author writes it: true/false, 3, "text" (never a Python repr)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def disassemble(code: Code) -> list[str]:
    try:
        instrs = decode(code.ops)
    except BytecodeError as exc:
        return [f"<bad bytecode: {exc}>"]
    out: list[str] = []
    prev = -1
    for ins in instrs:
        line = line_at(code, ins.pc)
        shown = "   |" if line == prev else f"{line:4d}"
        prev = line
        operands = []
        for kind, arg in zip(ins.op.operands, ins.args, strict=True):
            if kind == "const":
                value = literal(code.consts[arg]) if arg < len(code.consts) else "?"
                operands.append(f"{arg:3d} ({value})")
            elif kind == "name":
                operands.append(f"{arg:3d} ({code.names[arg] if arg < len(code.names) else '?'})")
            elif kind == "jump":
                operands.append(f"-> {ins.next_pc + arg:04d}")
            elif kind == "kind":
                operands.append(TextKind(arg).name.lower() if arg <= max(TextKind) else str(arg))
            else:
                operands.append(str(arg))
        out.append(f"{ins.pc:04d} {shown} {ins.op.name:<14} {' '.join(operands)}".rstrip())
    return out
