"""Parsing trigger source into the AST (``compiler/triggers/ast.py``) with Lark LALR.

Positions are 1-based (line, column) inside the trigger's own source; the caller maps them
into the YAML file.  Syntax errors come back as values with an expected-token hint in words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from compiler.triggers import ast
from runtime.image.model import Currency
from runtime.image.money import MAX_AMOUNT, MoneyError, example, parse_amount

GRAMMAR = resources.files("compiler.triggers").joinpath("grammar.lark")
_PLAIN_NAME = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z0-9_]+)+$")


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


@dataclass
class _Context:
    currency: Currency
    base: ast.Pos | None
    problems: list[Problem]


@cache
def _transformer() -> _ToAst:
    return _ToAst()


@cache
def _lark() -> Lark:
    """The parser, built once; it transforms while parsing (no parse tree is kept)."""
    return Lark(
        GRAMMAR.read_text(encoding="utf-8"),
        parser="lalr",
        start=["start", "expr"],
        maybe_placeholders=False,
        transformer=_transformer(),
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
        shown = "end of line" if tok.type == "_NL" else f"'{tok.value}'"
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
            ipos = (line, col0 + 1 + i + 1)
            if _PLAIN_NAME.match(inner):  # the common case {player.name}: no parser run needed
                parts.append(ast.Var(ipos, inner))
            else:
                parts.append(parse_expr(inner, ipos))
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


@v_args(inline=False)
class _ToAst(Transformer[Token, Any]):
    """Builds the AST during parsing.  Per-parse settings live on a stack (interpolated
    expressions are parsed re-entrantly from inside a string literal)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[_Context] = []

    @property
    def c(self) -> _Context:
        return self.stack[-1]

    def _tpos(self, tok: Token) -> ast.Pos:
        p = (tok.line or 1, tok.column or 1)
        base = self.c.base
        return _shift(p, base) if base else p

    def _interp(self, tok: Token) -> ast.Interp:
        pos = self._tpos(tok)
        c = self.c
        return _unescape(str(tok)[1:-1], pos, lambda text, base: parse_expression(text, c.currency, c.problems, base))

    # statements
    def start(self, c: list[Any]) -> tuple[ast.Stmt, ...]:
        return tuple(c)

    def block(self, c: list[Any]) -> tuple[ast.Stmt, ...]:
        return tuple(c)

    def say(self, c: list[Any]) -> ast.Say:
        return ast.Say(self._tpos(c[0]), self._interp(c[1]))

    def announce(self, c: list[Any]) -> ast.Announce:
        return ast.Announce(self._tpos(c[0]), self._interp(c[1]))

    def set(self, c: list[Any]) -> ast.Set:
        return ast.Set(self._tpos(c[0]), str(c[1]), self._tpos(c[1]), c[2])

    def _id(self, c: list[Any], op: str) -> ast.IdStmt:
        return ast.IdStmt(self._tpos(c[0]), op, str(c[1]), self._tpos(c[1]))

    def give(self, c: list[Any]) -> ast.IdStmt:
        return self._id(c, "give")

    def take(self, c: list[Any]) -> ast.IdStmt:
        return self._id(c, "take")

    def teleport(self, c: list[Any]) -> ast.IdStmt:
        return self._id(c, "teleport")

    def pay(self, c: list[Any]) -> ast.MoneyStmt:
        return ast.MoneyStmt(self._tpos(c[0]), "pay", c[1])

    def charge(self, c: list[Any]) -> ast.MoneyStmt:
        return ast.MoneyStmt(self._tpos(c[0]), "charge", c[1])

    def stop(self, c: list[Any]) -> ast.Stop:
        return ast.Stop(self._tpos(c[0]))

    def if_stmt(self, c: list[Any]) -> ast.If:
        orelse: tuple[ast.Stmt, ...] = ()
        if len(c) > 3:
            orelse = c[3] if isinstance(c[3], tuple) else (c[3],)
        return ast.If(self._tpos(c[0]), c[1], c[2], orelse)

    # expressions
    def _binary_chain(self, c: list[Any]) -> ast.Expr:
        left: ast.Expr = c[0]
        for i in range(1, len(c), 2):
            op_tok: Token = c[i]
            left = ast.Binary(self._tpos(op_tok), str(op_tok), left, c[i + 1])
        return left

    def or_expr(self, c: list[Any]) -> ast.Expr:
        return self._binary_chain(c)

    def and_expr(self, c: list[Any]) -> ast.Expr:
        return self._binary_chain(c)

    def comparison(self, c: list[Any]) -> ast.Expr:
        return self._binary_chain(c)

    def sum(self, c: list[Any]) -> ast.Expr:
        return self._binary_chain(c)

    def product(self, c: list[Any]) -> ast.Expr:
        return self._binary_chain(c)

    def not_op(self, c: list[Any]) -> ast.Unary:
        return ast.Unary(self._tpos(c[0]), "not", c[1])

    def neg(self, c: list[Any]) -> ast.Unary:
        return ast.Unary(self._tpos(c[0]), "-", c[1])

    def int_lit(self, c: list[Any]) -> ast.Lit:
        tok = c[0]
        digits = str(tok).lstrip("0") or "0"
        value = int(digits) if len(digits) <= 16 else MAX_AMOUNT + 1  # never int() 5,000 digits
        if value > MAX_AMOUNT:
            shown = str(tok) if len(str(tok)) <= 24 else str(tok)[:20] + "…"
            self.c.problems.append(Problem(self._tpos(tok), "MM3004", f"number {shown} is too large",
                                           f"keep numbers at most {MAX_AMOUNT:,} (the money ceiling)"))
            value = 0
        return ast.Lit(self._tpos(tok), value, "int", str(tok))

    def money_lit(self, c: list[Any]) -> ast.Lit:
        tok = c[0]
        try:
            value = parse_amount(str(tok), self.c.currency)
        except MoneyError as exc:
            self.c.problems.append(
                Problem(self._tpos(tok), "MM5001", str(exc), f"for example {example(self.c.currency)}")
            )
            value = 0
        return ast.Lit(self._tpos(tok), value, "money", str(tok))

    def str_lit(self, c: list[Any]) -> ast.Interp:
        return self._interp(c[0])

    def true_lit(self, c: list[Any]) -> ast.Lit:
        return ast.Lit(self._tpos(c[0]), True, "bool", "true")

    def false_lit(self, c: list[Any]) -> ast.Lit:
        return ast.Lit(self._tpos(c[0]), False, "bool", "false")

    def var(self, c: list[Any]) -> ast.Var:
        return ast.Var(self._tpos(c[0]), str(c[0]))

    def call(self, c: list[Any]) -> ast.Call:
        return ast.Call(self._tpos(c[0]), str(c[0]), tuple(c[1:]))


def _run(text: str, start: str, currency: Currency, problems: list[Problem], base: ast.Pos | None) -> Any:
    lark = _lark()
    tr = _transformer()
    tr.stack.append(_Context(currency, base, problems))
    try:
        return lark.parse(text, start=start)
    except UnexpectedInput as exc:
        p = _syntax_problem(exc, text)
        raise ParseFailed(Problem(_shift(p.pos, base) if base else p.pos, p.code, p.message, p.hint)) from None
    except VisitError as exc:
        if isinstance(exc.orig_exc, ParseFailed):
            raise exc.orig_exc from None
        raise
    finally:
        tr.stack.pop()


def parse_expression(
    text: str, currency: Currency, problems: list[Problem], base: ast.Pos | None = None
) -> ast.Expr:
    result: ast.Expr = _run(text, "expr", currency, problems, base)
    return result


def parse_block(text: str, currency: Currency, problems: list[Problem]) -> tuple[ast.Stmt, ...]:
    result: tuple[ast.Stmt, ...] = _run(text, "start", currency, problems, None)
    return result
