"""Disassembling trigger bytecode, clox style: offset, source line, opcode, operands."""

from __future__ import annotations

from runtime.image.bytecode import BytecodeError, decode
from runtime.image.model import Code

_KINDS = ("int", "bool", "money", "text")


def line_at(code: Code, pc: int) -> int:
    line = 0
    for entry in code.lines:
        if entry.pc > pc:
            break
        line = entry.line
    return line


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
                value = code.consts[arg] if arg < len(code.consts) else "?"
                operands.append(f"{arg:3d} ({value!r})")
            elif kind == "name":
                operands.append(f"{arg:3d} ({code.names[arg] if arg < len(code.names) else '?'})")
            elif kind == "jump":
                operands.append(f"-> {ins.next_pc + arg:04d}")
            elif kind == "kind":
                operands.append(_KINDS[arg] if arg < len(_KINDS) else str(arg))
            else:
                operands.append(str(arg))
        out.append(f"{ins.pc:04d} {shown} {ins.op.name:<14} {' '.join(operands)}".rstrip())
    return out
