"""Decoding and verifying trigger bytecode.

``decode`` turns ``Code.ops`` into instructions; ``program`` into the form the VM runs (decoded
once per Code, when the image is verified at load); ``verify_code`` proves a Code safe to run:
known opcodes, whole operands, valid constant and name indexes, forward jumps landing on
instruction boundaries, no stack underflow on any path, every path ending in a terminator,
and the recorded step and message bounds holding.
"""

from __future__ import annotations

from typing import NamedTuple

from runtime.image.model import Code
from runtime.image.opcodes import BY_CODE, MAX_MESSAGES, MAX_STEPS, Opcode, TextKind, width


class Instr(NamedTuple):  # a tuple: decoding thousands of them at load time must be cheap
    pc: int
    op: Opcode
    args: tuple[int, ...]
    next_pc: int


class BytecodeError(Exception):
    pass


def decode(ops: bytes) -> list[Instr]:
    out: list[Instr] = []
    append = out.append
    pc = 0
    n = len(ops)
    new = tuple.__new__
    while pc < n:
        op = BY_CODE.get(ops[pc])
        if op is None:
            raise BytecodeError(f"unknown opcode 0x{ops[pc]:02x} at {pc}")
        w = width(op)
        if pc + w > n:
            raise BytecodeError(f"{op.name} at {pc} is truncated")
        k = len(op.operands)
        if k == 0:
            args: tuple[int, ...] = ()
        elif k == 1:
            args = ((ops[pc + 1] << 8) | ops[pc + 2],)
        else:
            args = tuple((ops[pc + 1 + 2 * i] << 8) | ops[pc + 2 + 2 * i] for i in range(k))
        append(new(Instr, (pc, op, args, pc + w)))
        pc += w
    return out


def successors(ins: Instr) -> tuple[int, ...]:
    if ins.op.terminal:
        return ()
    if "jump" in ins.op.operands:
        target = ins.next_pc + ins.args[0]
        if ins.op is Opcode.JUMP:
            return (target,)
        return (ins.next_pc, target)
    return (ins.next_pc,)


def bounds(instrs: list[Instr]) -> tuple[int, int]:
    """Longest path in instructions and most messages on any path (forward-only code)."""
    index = {ins.pc: i for i, ins in enumerate(instrs)}
    steps = [0] * len(instrs)
    msgs = [0] * len(instrs)
    for i in range(len(instrs) - 1, -1, -1):
        ins = instrs[i]
        best_s = best_m = 0
        for s in successors(ins):
            j = index.get(s)
            if j is not None:
                if steps[j] > best_s:
                    best_s = steps[j]
                if msgs[j] > best_m:
                    best_m = msgs[j]
        steps[i] = 1 + best_s
        msgs[i] = best_m + 1 if ins.op.message else best_m
    return (steps[0], msgs[0]) if instrs else (0, 0)


_CONDITIONAL = (Opcode.AND_JUMP, Opcode.OR_JUMP)


Shape = tuple[bytes, int, int, int, int]
"""What the verifier's verdict depends on: the ops, the sizes of the constant and name pools,
and the two recorded bounds (``verify_code``'s memo key)."""


def verify_code(code: Code, memo: dict[Shape, tuple[list[str], Program | None]] | None = None) -> list[str]:
    """Every problem with ``code``, in plain words (empty when it is safe to run).

    Runs for every piece of bytecode when an image is loaded, so it is written for speed:
    one pass for operands, one forward pass for stack depths, one backward pass for bounds.
    With ``memo`` (one per image), bytecode of the same shape as one already verified — the
    compiler gives every ``say "…"`` the same ops — takes its verdict and its decoded program."""
    if memo is None:
        return _verify(code)
    shape = (code.ops, len(code.consts), len(code.names), code.max_steps, code.max_messages)
    known = memo.get(shape)
    if known is None:
        problems = _verify(code)
        known = (problems, code.__dict__.get(_MEMO))
        memo[shape] = known
    elif known[1] is not None:
        code.__dict__[_MEMO] = known[1]
    return list(known[0])


def _verify(code: Code) -> list[str]:
    try:
        instrs = decode(code.ops)
    except BytecodeError as exc:
        return [str(exc)]
    if not instrs:
        return ["empty bytecode"]
    problems: list[str] = []
    index = {ins.pc: i for i, ins in enumerate(instrs)}
    end = len(code.ops)
    n_consts, n_names = len(code.consts), len(code.names)
    for ins in instrs:
        kinds = ins.op.operands
        if not kinds:
            continue
        for kind, arg in zip(kinds, ins.args, strict=True):
            if kind == "const":
                if arg >= n_consts:
                    problems.append(f"{ins.op.name} at {ins.pc}: constant {arg} out of range")
            elif kind == "name":
                if arg >= n_names:
                    problems.append(f"{ins.op.name} at {ins.pc}: name {arg} out of range")
            elif kind == "jump":
                target = ins.next_pc + arg
                if target == end:
                    problems.append(f"{ins.op.name} at {ins.pc}: jump past the last instruction")
                elif target not in index:
                    problems.append(f"{ins.op.name} at {ins.pc}: jump to {target} is not an instruction")
            elif kind == "kind" and arg > max(TextKind):
                problems.append(f"{ins.op.name} at {ins.pc}: unknown text kind {arg}")
    if not instrs[-1].op.terminal:
        problems.append("bytecode does not end with STOP, RETURN or END")
    if problems:
        return problems
    # stack depth along every path (forward-only: one pass in pc order, merging depths)
    depth: list[int | None] = [None] * len(instrs)
    depth[0] = 0
    for i, ins in enumerate(instrs):
        d = depth[i]
        if d is None:
            continue  # unreachable instruction: harmless
        op = ins.op
        pops = op.pops + (ins.args[0] if op is Opcode.BUILD else 0)
        if d < pops:
            problems.append(f"{op.name} at {ins.pc}: stack underflow")
            continue
        if op.terminal:
            continue
        if op.operands and op.operands[0] == "jump":
            target = ins.next_pc + ins.args[0]
            if op in _CONDITIONAL:
                after = {ins.next_pc: d - 1, target: d}
            elif op is Opcode.JUMP:
                after = {target: d - pops + op.pushes}
            else:
                after = {ins.next_pc: d - pops + op.pushes, target: d - pops + op.pushes}
            pairs = list(after.items())
        else:
            pairs = [(ins.next_pc, d - pops + op.pushes)]
        for target, nd in pairs:
            j = index[target]
            seen = depth[j]
            if seen is None:
                depth[j] = nd
            elif seen != nd:
                problems.append(f"stack depth differs where paths meet at {target}")
    if problems:
        return problems
    steps, msgs = bounds(instrs)
    if steps > code.max_steps or code.max_steps > MAX_STEPS:
        problems.append(f"step bound {code.max_steps} is wrong or over {MAX_STEPS} (longest path {steps})")
    if msgs > code.max_messages or code.max_messages > MAX_MESSAGES:
        problems.append(f"message bound {code.max_messages} is wrong or over {MAX_MESSAGES} (at most {msgs})")
    if not problems:
        _remember(code, instrs)  # verified at load: the VM runs it without decoding again
    return problems


class Step(NamedTuple):
    """One instruction as the VM runs it: the opcode's byte, its first operand (0 if none),
    where execution goes next when a jump is taken (an instruction index) and its offset."""

    code: int
    arg: int
    target: int
    pc: int


Program = tuple[Step, ...]


def program(code: Code) -> Program:
    """``code`` decoded for the VM, jump targets resolved to instruction indexes.  Decoded once:
    the result is kept on the (immutable) Code itself.  Raises BytecodeError for bytecode that
    does not decode or jumps between instructions (the verifier refuses both at load)."""
    cached: Program | None = code.__dict__.get(_MEMO)
    if cached is not None:
        return cached
    return _remember(code, decode(code.ops))


_MEMO = "_program"


_JUMPS = frozenset(op for op in Opcode if op.operands[:1] == ("jump",))


def _remember(code: Code, instrs: list[Instr]) -> Program:
    new = tuple.__new__
    index: dict[int, int] | None = None
    steps: list[Step] = []
    append = steps.append
    for i, (pc, op, args, next_pc) in enumerate(instrs):
        target = i + 1
        if op in _JUMPS:
            if index is None:
                index = {ins.pc: j for j, ins in enumerate(instrs)}
            j = index.get(next_pc + args[0])
            if j is None:
                raise BytecodeError(f"{op.name} at {pc} jumps between instructions")
            target = j
        append(new(Step, (op._value_, args[0] if args else 0, target, pc)))
    prog = tuple(steps)
    code.__dict__[_MEMO] = prog  # a memo beside the fields: equality and the image ignore it
    return prog


def line_at(code: Code, pc: int) -> int:
    """The source line (within ``code.file``) of the instruction at offset ``pc``."""
    line = 0
    for entry in code.lines:
        if entry.pc > pc:
            break
        line = entry.line
    return line
