"""Loading a world directory: every ``*.yaml`` file, every document, with source positions.

YAML is composed into nodes (libyaml's C loader when available) and turned into plain Python
with YAML 1.2 core-schema scalars: only true/false are booleans, so ``on:`` stays the string
"on".  Every problem — bad bytes, tabs, syntax errors, duplicate keys, aliases — becomes a
diagnostic; this module never raises for anything in the files.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from compiler.diagnostics import Diagnostics, Span, did_you_mean

KINDS = ("world", "room", "object", "npc", "shop", "housing", "game", "board", "patch")
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_FILES = 20_000

try:  # libyaml keeps node marks and is ~4x faster (FACTS.md)
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - wheels ship libyaml
    _Loader = yaml.SafeLoader

_INT = re.compile(r"^[-+]?[0-9]+$")
_INT_OCT = re.compile(r"^0o[0-7]+$")
_INT_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(inf|Inf|INF)$")
_NAN = re.compile(r"^\.(nan|NaN|NAN)$")

Path_ = tuple[str | int, ...]
_MAYBE_NOT_TEXT = frozenset("0123456789+-.~nNtTfF")


def _core_scalar(node: yaml.ScalarNode) -> Any:
    """Resolve a scalar by the YAML 1.2 core schema (quoted scalars are always strings)."""
    value: str = node.value
    if node.style in ("'", '"', "|", ">"):
        return value
    if value and value[0] not in _MAYBE_NOT_TEXT:
        return value  # fast path: cannot be a number, bool or null
    if value in ("", "~", "null", "Null", "NULL"):
        return None
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
    if _INT.match(value):
        return int(value)
    if _INT_OCT.match(value):
        return int(value[2:], 8)
    if _INT_HEX.match(value):
        return int(value[2:], 16)
    if _FLOAT.match(value):
        return float(value)
    if _INF.match(value):
        return float("-inf") if value.startswith("-") else float("inf")
    if _NAN.match(value):
        return float("nan")
    return value


@dataclass
class _Entry:
    node: yaml.Node
    key_node: yaml.Node | None


@dataclass
class Marks:
    """Source positions of one document, by path of keys and indexes."""

    file: str
    root: yaml.Node
    _index: dict[Path_, _Entry] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)  # the file's text, for block-scalar indentation

    def _entry(self, path: Path_) -> _Entry | None:
        cur = path
        while True:
            e = self._index.get(cur)
            if e is not None or not cur:
                return e
            cur = cur[:-1]

    def _exact(self, path: Path_) -> _Entry | None:
        return self._index.get(tuple(path))

    def span(self, path: Path_, key: bool = False) -> Span:
        e = self._entry(tuple(path))
        if e is None:
            return Span(self.file, self.root.start_mark.line + 1, self.root.start_mark.column + 1)
        node = e.key_node if key and e.key_node is not None and self._exact(tuple(path)) else e.node
        return Span(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def raw(self, path: Path_) -> str | None:
        e = self._exact(tuple(path))
        if e is None or not isinstance(e.node, yaml.ScalarNode):
            return None
        return str(e.node.value)

    def locate_in_scalar(self, path: Path_, line: int, column: int) -> Span:
        """Map a 1-based position inside the string value at ``path`` to the file."""
        e = self._exact(tuple(path))
        if e is None or not isinstance(e.node, yaml.ScalarNode):
            return self.span(path)
        node = e.node
        start = node.start_mark
        if node.style in ("|", ">"):
            # content starts on the line after the indicator, at the block's indentation
            first = start.line + 1  # 0-based line of the first content line
            indent = _block_indent(start, self.lines)
            return Span(self.file, first + line, indent + column)
        if node.style in ("'", '"'):
            if line == 1:
                return Span(self.file, start.line + 1, start.column + 1 + column)
            return Span(self.file, start.line + line, column)
        # plain scalar: continuation lines are folded; best effort for line > 1
        if line == 1:
            return Span(self.file, start.line + 1, start.column + column)
        return Span(self.file, start.line + line, column)


def _block_indent(start: yaml.Mark, lines: list[str]) -> int:
    """Column (0-based) where a block scalar's content begins: the indentation of its first
    non-blank line after the indicator line."""
    for line in lines[start.line + 1 :]:
        if line.strip():
            return len(line) - len(line.lstrip(" "))
    return start.column + 2


@dataclass(frozen=True)
class SourceDoc:
    file: str
    index: int
    kind: str | None
    data: dict[str, Any]
    marks: Marks


@dataclass(frozen=True)
class Loaded:
    """Every document that loaded, and the ids that the files (or documents) which failed to
    load appear to define: references to those are not reported, so the one real error (a bad
    indent, a tab) is not buried under "does not exist" errors it caused."""

    docs: list[SourceDoc]
    unloaded_ids: frozenset[str]


_ID_IN_TEXT = re.compile(r"""(?:^|[\s{,])id\s*:\s*["']?([A-Za-z0-9_][A-Za-z0-9_.-]*)""", re.MULTILINE)


def ids_in_text(text: str) -> set[str]:
    """The ids a file that did not parse seems to define (``id: town.square``, ``{id: x}``),
    lowercased: a best effort by pattern, since the YAML could not be read."""
    return {m.group(1).lower() for m in _ID_IN_TEXT.finditer(text)}


class _Build:
    """Node tree → plain Python, recording positions and reporting structural problems."""

    def __init__(self, file: str, diags: Diagnostics) -> None:
        self.file = file
        self.diags = diags
        self.index: dict[Path_, _Entry] = {}
        self.nodes = 0

    def span(self, node: yaml.Node) -> Span:
        return Span(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def value(self, node: yaml.Node, path: Path_, key_node: yaml.Node | None) -> Any:
        self.nodes += 1
        self.index[path] = _Entry(node, key_node)
        if isinstance(node, yaml.ScalarNode):
            return _core_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(child, (*path, i), None) for i, child in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            first: dict[Any, yaml.Node] = {}
            for knode, vnode in node.value:
                if not isinstance(knode, yaml.ScalarNode):
                    self.diags.error(
                        "MM1007",
                        "mapping keys must be plain names",
                        self.span(knode),
                        "write the key as a single word or quoted text",
                    )
                    continue
                if knode.tag == "tag:yaml.org,2002:merge" or (knode.value == "<<" and knode.style is None):
                    self.diags.error(
                        "MM1006",
                        "merge keys ('<<') are not supported",
                        self.span(knode),
                        "write the keys out in full",
                    )
                    continue
                key = _core_scalar(knode)
                if isinstance(key, (int, float, bool)) or key is None:
                    key = knode.value  # keys are names: keep the author's text
                if key in first:
                    prev = first[key]
                    self.diags.error(
                        "MM1005",
                        f"duplicate key '{key}' (first at line {prev.start_mark.line + 1},"
                        f" column {prev.start_mark.column + 1})",
                        self.span(knode),
                        "YAML keeps only one of them; remove or rename one",
                    )
                    continue
                first[key] = knode
                out[key] = self.value(vnode, (*path, key), knode)
            return out
        return None


def _check_tabs(text: str, file: str, diags: Diagnostics) -> bool:
    for i, line in enumerate(text.split("\n"), 1):
        stripped = line.lstrip(" ")
        if stripped.startswith("\t"):
            col = len(line) - len(stripped) + 1
            diags.error(
                "MM1004",
                "tab used for indentation",
                Span(file, i, col),
                "indent with spaces only (YAML forbids tabs in indentation)",
            )
            return False
    return True


def _has_alias(text: str) -> bool:
    return "&" in text or "*" in text


def _iter_files(root: Path) -> Iterator[Path]:
    for p in sorted(root.rglob("*")):
        if (
            p.suffix in (".yaml", ".yml")
            and not p.is_dir()
            and not any(part.startswith(".") for part in p.relative_to(root).parts)
        ):
            yield p


def load_file(root: Path, path: Path, diags: Diagnostics, unloaded: set[str] | None = None) -> list[SourceDoc]:
    """The documents of one file.  When the file (or one of its documents) cannot be loaded,
    the ids it seems to define are added to ``unloaded``."""
    lost: set[str] = unloaded if unloaded is not None else set()
    rel = path.relative_to(root).as_posix()
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            diags.error(
                "MM1008",
                f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                Span(rel),
                "split it into several files",
            )
            return []
        raw = path.read_bytes()
    except OSError as exc:
        diags.error("MM1009", f"cannot read file: {exc.strerror or exc}", Span(rel), "check permissions")
        return []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        diags.error(
            "MM1002",
            f"file is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            Span(rel, line, col),
            "save the file as UTF-8",
        )
        lost |= ids_in_text(raw.decode("utf-8", errors="replace"))
        return []
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        diags.error("MM1003", "file is empty", Span(rel), "add a document with a kind:, or delete the file")
        return []
    if not _check_tabs(text, rel, diags):
        lost |= ids_in_text(text)
        return []
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        diags.error(
            "MM1001",
            f"YAML syntax error: {problem}",
            Span(rel, line, col),
            "check indentation, colons and quotes on this line and the one before",
        )
        lost |= ids_in_text(text)
        return []
    except yaml.YAMLError as exc:
        diags.error("MM1001", f"YAML syntax error: {exc}", Span(rel), "check the file's syntax")
        lost |= ids_in_text(text)
        return []
    except RecursionError:
        diags.error("MM1001", "YAML nesting is too deep", Span(rel), "flatten the structure")
        lost |= ids_in_text(text)
        return []
    if _has_alias(text):
        shared = _shared_node(nodes)
        if shared is not None:
            diags.error(
                "MM1006",
                "anchors and aliases (&name, *name) are not supported",
                Span(rel, shared.start_mark.line + 1, shared.start_mark.column + 1),
                "write the repeated part out in full",
            )
            lost |= ids_in_text(text)
            return []
    docs: list[SourceDoc] = []
    lines = text.split("\n")
    for index, node in enumerate(nodes):
        if node is None:
            continue
        b = _Build(rel, diags)
        if not isinstance(node, yaml.MappingNode):
            diags.error(
                "MM1010",
                "a document must be a mapping of keys (kind:, id:, ...)",
                b.span(node),
                "start the document with 'kind: room' or another kind",
            )
            lost |= ids_in_text(_node_text(node, lines))
            continue
        try:
            data = b.value(node, (), None)
        except RecursionError:
            diags.error("MM1001", "YAML nesting is too deep", b.span(node), "flatten the structure")
            lost |= ids_in_text(_node_text(node, lines))
            continue
        kind = data.get("kind")
        span = b.span(b.index[("kind",)].node) if ("kind",) in b.index else b.span(node)
        if kind is None:
            diags.error(
                "MM1011", "document has no 'kind:'", span, f"add 'kind:' with one of: {', '.join(KINDS)}"
            )
            lost |= _own_id(data)
            continue
        if not isinstance(kind, str) or kind not in KINDS:
            diags.error(
                "MM1012",
                f"unknown kind '{kind}'",
                span,
                did_you_mean(str(kind), KINDS) or f"kinds: {', '.join(KINDS)}",
            )
            lost |= _own_id(data)
            continue
        docs.append(SourceDoc(rel, index, kind, data, Marks(rel, node, b.index, lines)))
    return docs


def _node_text(node: yaml.Node, lines: list[str]) -> str:
    return "\n".join(lines[node.start_mark.line : node.end_mark.line + 1])


def _own_id(data: dict[str, Any]) -> set[str]:
    ident = data.get("id")
    return {ident.lower()} if isinstance(ident, str) else set()


def _shared_node(nodes: list[yaml.Node]) -> yaml.Node | None:
    """Aliases share node objects: find one without expanding them (alias bombs stay cheap)."""
    seen: set[int] = set()
    stack: list[yaml.Node] = [n for n in nodes if n is not None]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            return n
        seen.add(id(n))
        if isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
        elif isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                stack.append(k)
                stack.append(v)
    return None


def load_world(root: Path, diags: Diagnostics) -> list[SourceDoc]:
    """Every document of every YAML file under ``root``, in sorted (file, index) order."""
    return load_world_files(root, diags).docs


def load_world_files(root: Path, diags: Diagnostics) -> Loaded:
    """``load_world``, and the ids of what failed to load (see ``Loaded``)."""
    docs: list[SourceDoc] = []
    unloaded: set[str] = set()
    files = list(_iter_files(root))
    if not files:
        diags.error(
            "MM1013",
            "no .yaml files in the world directory",
            Span("."),
            "a world is a directory of .yaml files with exactly one 'kind: world' document",
        )
        return Loaded([], frozenset())
    if len(files) > MAX_FILES:
        diags.error(
            "MM1016",
            f"the world directory holds {len(files):,} .yaml files; the limit is {MAX_FILES:,}",
            Span("."),
            "is this the world's own directory? Merge small files: one file may hold many documents",
        )
        return Loaded([], frozenset())
    for path in files:
        docs.extend(load_file(root, path, diags, unloaded))
    worlds = [d for d in docs if d.kind == "world"]
    if not worlds and not diags.has_errors:
        diags.error(
            "MM1014",
            "no 'kind: world' document",
            Span(files[0].relative_to(root).as_posix()),
            "add one document with kind: world, id, title, format: 1, start and currency",
        )
    for extra in worlds[1:]:
        first = worlds[0]
        fspan = first.marks.span(("kind",), key=True)
        diags.error(
            "MM1015",
            f"a second 'kind: world' document (the first is at {first.file}:{fspan.line})",
            extra.marks.span(("kind",), key=True),
            "a world has exactly one world document; merge them",
        )
        diags.info(
            "MM1015",
            f"first world document (another at {extra.file}:{extra.marks.span(('kind',), key=True).line})",
            fspan,
        )
    return Loaded(docs, frozenset(unloaded))
