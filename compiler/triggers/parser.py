"""Parsing trigger source into the AST (``compiler/triggers/ast.py``) with Lark LALR.

Positions are 1-based (line, column) inside the trigger's own source; the caller maps them
into the YAML file.  Syntax errors come back as values with an expected-token hint in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from compiler.triggers import ast
from runtime.image.model import Currency
from runtime.image.money import MoneyError, example, parse_amount

GRAMMAR = Path(__file__).with_name("grammar.lark")


@dataclass(frozen=True)
class Problem:
    pos: ast.Pos
    code: str
    message: str
    hint: str | None = None


class ParseFailed(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@cache
def _lark() -> Lark:
    return Lark(
        GRAMMAR.read_text(encoding="utf-8"),
        parser="lalr",
        start=["start", "expr"],
        propagate_positions=True,
        maybe_placeholders=False,
    )


_WORDS = {
    "NAME": "a name",
    "STRING": 'text in quotes ("…")',
    "INT": "a number",
    "MONEY": "an amount",
    "_NL": "a new line",
    "$END": "the end",
    "COMP_OP": "a comparison",
    "ADD_OP": "'+' or '-'",
    "MUL_OP": "'*' or '/'",
}


def _expected_words(names: set[str]) -> str:
    lark = _lark()
    words: list[str] = []
    for name in sorted(names):
        if name in _WORDS:
            words.append(_WORDS[name])
            continue
        try:
            pattern = lark.get_terminal(name).pattern
        except KeyError:
            continue
        if pattern.type == "str":
            words.append(f"'{pattern.value}'")
    uniq = sorted(set(words))
    if not uniq:
        return ""
    if len(uniq) > 6:
        uniq = [*uniq[:6], "…"]
    return "expected " + ", ".join(uniq)


def _syntax_problem(exc: UnexpectedInput, text: str) -> Problem:
    line = getattr(exc, "line", 1) or 1
    col = getattr(exc, "column", 1) or 1
    if isinstance(exc, UnexpectedCharacters):
        at = exc.pos_in_stream if exc.pos_in_stream is not None else -1
        ch = text[at] if 0 <= at < len(text) else "?"
        if ch == '"':
            return Problem(
                (line, col), "MM3001", "unterminated text: a closing '\"' is missing", 'close the text with "'
            )
        if ch.isupper():
            return Problem(
                (line, col),
                "MM3001",
                f"unexpected '{ch}': names and keywords are lowercase",
                "write it in lowercase",
            )
        return Problem(
            (line, col),
            "MM3001",
            f"unexpected character '{ch}'",
            _expected_words(set(exc.allowed or ())) or None,
        )
    if isinstance(exc, UnexpectedEOF):
        lines = text.split("\n")
        return Problem(
            (len(lines), len(lines[-1]) + 1),
            "MM3001",
            "the code ends too early",
            _expected_words(set(exc.expected)) or "finish the statement",
        )
    if isinstance(exc, UnexpectedToken):
        tok = exc.token
        if tok.type == "$END":
            lines = text.split("\n")
            return Problem(
                (len(lines), len(lines[-1]) + 1),
                "MM3001",
                "the code ends too early",
                _expected_words(set(exc.expected)) or None,
            )
        shown = "a new line" if tok.type == "_NL" else f"'{tok.value}'"
        hint: str | None = _expected_words(set(exc.expected))
        if tok.value == "else":
            hint = "put 'else' on the same line as the closing '}': } else {"
        return Problem((line, col), "MM3001", f"unexpected {shown}", hint or None)
    return Problem((line, col), "MM3001", "syntax error", None)


def _unescape(raw: str, pos: ast.Pos, parse_expr: Any) -> ast.Interp:
    """Split the inside of a string literal into text and ``{expr}`` parts."""
    line, col0 = pos
    parts: list[str | ast.Expr] = []
    buf: list[str] = []
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\" and i + 1 < n:
            nxt = raw[i + 1]
            mapping = {"n": "\n", '"': '"', "\\": "\\", "t": "\t", "{": "{", "}": "}"}
            if nxt not in mapping:
                raise ParseFailed(
                    Problem(
                        (line, col0 + 1 + i),
                        "MM3001",
                        f"unknown escape '\\{nxt}' in text",
                        'use \\" \\\\ \\n or \\t',
                    )
                )
            buf.append(mapping[nxt])
            i += 2
            continue
        if ch == "{":
            if i + 1 < n and raw[i + 1] == "{":
                buf.append("{")
                i += 2
                continue
            end = raw.find("}", i + 1)
            if end < 0:
                raise ParseFailed(
                    Problem(
                        (line, col0 + 1 + i),
                        "MM3011",
                        "'{' in text is never closed",
                        "close it with '}', or write '{{' for a literal brace",
                    )
                )
            inner = raw[i + 1 : end]
            if not inner.strip():
                raise ParseFailed(
                    Problem(
                        (line, col0 + 1 + i),
                        "MM3011",
                        "empty '{}' in text",
                        "put an expression inside, e.g. {player.name}, or write '{{}}'",
                    )
                )
            if buf:
                parts.append("".join(buf))
                buf = []
            parts.append(parse_expr(inner, (line, col0 + 1 + i + 1)))
            i = end + 1
            continue
        if ch == "}":
            if i + 1 < n and raw[i + 1] == "}":
                buf.append("}")
                i += 2
                continue
            raise ParseFailed(
                Problem(
                    (line, col0 + 1 + i),
                    "MM3011",
                    "'}' in text without a matching '{'",
                    "write '}}' for a literal brace",
                )
            )
        buf.append(ch)
        i += 1
    if buf or not parts:
        parts.append("".join(buf))
    return ast.Interp(pos, tuple(parts))


def _shift(pos: ast.Pos, base: ast.Pos) -> ast.Pos:
    """Position inside an interpolated expression → position in the source."""
    line, col = pos
    return (base[0] + line - 1, base[1] + col - 1 if line == 1 else col)


@v_args(meta=True, inline=False)
class _ToAst(Transformer[Token, Any]):
    def __init__(self, currency: Currency, base: ast.Pos | None, problems: list[Problem]) -> None:
        super().__init__()
        self.currency = currency
        self.base = base
        self.problems = problems

    def _pos(self, meta: Any) -> ast.Pos:
        p = (getattr(meta, "line", 1), getattr(meta, "column", 1))
        return _shift(p, self.base) if self.base else p

    def _tpos(self, tok: Token) -> ast.Pos:
        p = (tok.line or 1, tok.column or 1)
        return _shift(p, self.base) if self.base else p

    def _interp(self, tok: Token) -> ast.Interp:
        pos = self._tpos(tok)
        return _unescape(str(tok)[1:-1], pos, self._parse_inner)

    def _parse_inner(self, text: str, base: ast.Pos) -> ast.Expr:
        return parse_expression(text, self.currency, self.problems, base)

    # statements
    def start(self, meta: Any, children: list[Any]) -> tuple[ast.Stmt, ...]:
        return tuple(children)

    def block(self, meta: Any, children: list[Any]) -> tuple[ast.Stmt, ...]:
        return tuple(children)

    def say(self, meta: Any, c: list[Any]) -> ast.Say:
        return ast.Say(self._pos(meta), self._interp(c[0]))

    def announce(self, meta: Any, c: list[Any]) -> ast.Announce:
        return ast.Announce(self._pos(meta), self._interp(c[0]))

    def set(self, meta: Any, c: list[Any]) -> ast.Set:
        return ast.Set(self._pos(meta), str(c[0]), self._tpos(c[0]), c[1])

    def _id(self, meta: Any, op: str, tok: Token) -> ast.IdStmt:
        return ast.IdStmt(self._pos(meta), op, str(tok), self._tpos(tok))

    def give(self, meta: Any, c: list[Any]) -> ast.IdStmt:
        return self._id(meta, "give", c[0])

    def take(self, meta: Any, c: list[Any]) -> ast.IdStmt:
        return self._id(meta, "take", c[0])

    def teleport(self, meta: Any, c: list[Any]) -> ast.IdStmt:
        return self._id(meta, "teleport", c[0])

    def pay(self, meta: Any, c: list[Any]) -> ast.MoneyStmt:
        return ast.MoneyStmt(self._pos(meta), "pay", c[0])

    def charge(self, meta: Any, c: list[Any]) -> ast.MoneyStmt:
        return ast.MoneyStmt(self._pos(meta), "charge", c[0])

    def stop(self, meta: Any, c: list[Any]) -> ast.Stop:
        return ast.Stop(self._pos(meta))

    def if_stmt(self, meta: Any, c: list[Any]) -> ast.If:
        orelse: tuple[ast.Stmt, ...] = ()
        if len(c) > 2:
            orelse = c[2] if isinstance(c[2], tuple) else (c[2],)
        return ast.If(self._pos(meta), c[0], c[1], orelse)

    # expressions
    def _binary_chain(self, c: list[Any]) -> ast.Expr:
        left: ast.Expr = c[0]
        for i in range(1, len(c), 2):
            op_tok: Token = c[i]
            left = ast.Binary(self._tpos(op_tok), str(op_tok), left, c[i + 1])
        return left

    def or_expr(self, meta: Any, c: list[Any]) -> ast.Expr:
        return self._binary_chain(c)

    def and_expr(self, meta: Any, c: list[Any]) -> ast.Expr:
        return self._binary_chain(c)

    def comparison(self, meta: Any, c: list[Any]) -> ast.Expr:
        return self._binary_chain(c)

    def sum(self, meta: Any, c: list[Any]) -> ast.Expr:
        return self._binary_chain(c)

    def product(self, meta: Any, c: list[Any]) -> ast.Expr:
        return self._binary_chain(c)

    def not_op(self, meta: Any, c: list[Any]) -> ast.Unary:
        return ast.Unary(self._tpos(c[0]), "not", c[1])

    def neg(self, meta: Any, c: list[Any]) -> ast.Unary:
        return ast.Unary(self._tpos(c[0]), "-", c[1])

    def int_lit(self, meta: Any, c: list[Any]) -> ast.Lit:
        tok = c[0]
        value = int(str(tok))
        if value > 2**53:
            self.problems.append(
                Problem(self._tpos(tok), "MM3004", f"number {tok} is too large", "keep numbers below 2^53")
            )
        return ast.Lit(self._tpos(tok), value, "int", str(tok))

    def money_lit(self, meta: Any, c: list[Any]) -> ast.Lit:
        tok = c[0]
        try:
            value = parse_amount(str(tok), self.currency)
        except MoneyError as exc:
            self.problems.append(
                Problem(self._tpos(tok), "MM5001", str(exc), f"for example {example(self.currency)}")
            )
            value = 0
        return ast.Lit(self._tpos(tok), value, "money", str(tok))

    def str_lit(self, meta: Any, c: list[Any]) -> ast.Interp:
        return self._interp(c[0])

    def true_lit(self, meta: Any, c: list[Any]) -> ast.Lit:
        return ast.Lit(self._tpos(c[0]), True, "bool", "true")

    def false_lit(self, meta: Any, c: list[Any]) -> ast.Lit:
        return ast.Lit(self._tpos(c[0]), False, "bool", "false")

    def var(self, meta: Any, c: list[Any]) -> ast.Var:
        return ast.Var(self._tpos(c[0]), str(c[0]))

    def call(self, meta: Any, c: list[Any]) -> ast.Call:
        return ast.Call(self._tpos(c[0]), str(c[0]), tuple(c[1:]))


def _run(text: str, start: str, currency: Currency, problems: list[Problem], base: ast.Pos | None) -> Any:
    try:
        tree = _lark().parse(text, start=start)
    except UnexpectedInput as exc:
        p = _syntax_problem(exc, text)
        raise ParseFailed(
            Problem(_shift(p.pos, base) if base else p.pos, p.code, p.message, p.hint)
        ) from None
    try:
        return _ToAst(currency, base, problems).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, ParseFailed):
            raise exc.orig_exc from None
        raise


def parse_expression(
    text: str, currency: Currency, problems: list[Problem], base: ast.Pos | None = None
) -> ast.Expr:
    result: ast.Expr = _run(text, "expr", currency, problems, base)
    return result


def parse_block(text: str, currency: Currency, problems: list[Problem]) -> tuple[ast.Stmt, ...]:
    result: tuple[ast.Stmt, ...] = _run(text, "start", currency, problems, None)
    return result
