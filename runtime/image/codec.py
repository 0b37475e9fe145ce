"""Reading and writing world images (``.mmi``).

Layout (all integers big-endian)::

    magic        8 bytes   b"\\x89MMI\\r\\n\\x1a\\n"
    version      u16       FORMAT_VERSION (see runtime/image/versions.py)
    reserved     u16       0
    payload_len  u32
    sha256       32 bytes  hash of version + payload  (the image's content hash)
    payload:
      strings    u32 length + UTF-8 JSON array of every string, sorted, each once
      code       u32 length + raw bytes: every trigger's bytecode, concatenated
      body       u32 length + UTF-8 JSON: the World as a mapping of its fields (so a new
                 kind is a new key), everything in it as nested positional arrays

In ``body`` a ``str`` is its index in ``strings``; ``bytes`` is ``[offset, length]`` into
``code``; a dataclass is the array of its fields in declaration order; ``None`` is null;
a ``Scalar`` (bool | int | str) is ``[0, b]``, ``[1, n]`` or ``[2, string-index]``.  JSON is
written with sorted keys and no spaces, so equal worlds give byte-identical images.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import os
import re
import stat
import struct
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from runtime.image import model
from runtime.image.versions import FORMAT_VERSION, SUPPORTED_VERSIONS
from runtime.image.words import with_article

MAGIC = b"\x89MMI\r\n\x1a\n"
_HEADER = struct.Struct(">8sHHI32s")
HEADER_SIZE = _HEADER.size
MAX_IMAGE_BYTES = 256 * 1024 * 1024
"""Largest image read (10,000 rooms make about 2.4 MB): a bigger file, a device such as
/dev/zero or a FIFO is refused before anything is read into memory."""
MAX_INT = 2**63 - 1
"""Largest magnitude of any integer in an image (DuckDB's BIGINT); JSON numbers are refused
before Python converts their digits (a 5,000-digit integer would raise ValueError)."""


class ImageError(Exception):
    """The image cannot be used; the message says why in plain words."""


@dataclasses.dataclass(frozen=True)
class ImageInfo:
    version: int
    content_hash: str  # hex sha256
    size: int


# ---------------------------------------------------------------- type plans

_Enc = Callable[[Any], Any]
_Dec = Callable[[Any], Any]


class _Codec:
    """Encoders/decoders derived once from the model's type hints."""

    def __init__(self) -> None:
        self.strings: dict[str, int] = {}
        self.code = bytearray()
        self._enc: dict[Any, _Enc] = {}
        self._dec: dict[Any, _Dec] = {}
        self._str_table: list[str] = []
        self._code_bytes = b""

    # ---- encoding
    def enc_for(self, tp: Any) -> _Enc:
        key = tp
        if key in self._enc:
            return self._enc[key]
        fn = self._make_enc(tp)
        self._enc[key] = fn
        return fn

    def _make_enc(self, tp: Any) -> _Enc:
        if tp is str:
            return lambda v: self.strings[v]
        if tp is bool:
            return lambda v: bool(v)
        if tp is int:
            return lambda v: int(v)
        if tp is bytes:
            return self._enc_bytes
        if tp is model.Scalar or _is_scalar_union(tp):
            return self._enc_scalar
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin is tuple:
            item = self.enc_for(args[0])
            return lambda v: [item(x) for x in v]
        if origin in (typing.Union, types.UnionType):
            inner = [a for a in args if a is not type(None)]
            if len(inner) == 1:
                sub = self.enc_for(inner[0])
                return lambda v: None if v is None else sub(v)
        if dataclasses.is_dataclass(tp):
            hints = typing.get_type_hints(tp, vars(model))
            fields = [(f.name, self.enc_for(hints[f.name])) for f in dataclasses.fields(tp)]
            if tp is model.World:  # keyed by field: a new kind adds a key, not a position
                return lambda v: {name: enc(getattr(v, name)) for name, enc in fields}
            return lambda v: [enc(getattr(v, name)) for name, enc in fields]
        raise TypeError(f"no image encoding for {tp!r}")

    def _enc_bytes(self, v: bytes) -> list[int]:
        off = len(self.code)
        self.code += v
        return [off, len(v)]

    def _enc_scalar(self, v: Any) -> list[int]:
        if isinstance(v, bool):
            return [0, int(v)]
        if isinstance(v, int):
            return [1, v]
        return [2, self.strings[v]]

    # ---- decoding
    def dec_for(self, tp: Any) -> _Dec:
        if tp in self._dec:
            return self._dec[tp]
        fn = self._make_dec(tp)
        self._dec[tp] = fn
        return fn

    def _make_dec(self, tp: Any) -> _Dec:
        table = self._str_table
        if tp is str:
            return table.__getitem__
        if tp is bool:
            return _dec_bool
        if tp is int:
            return _dec_int
        if tp is bytes:
            return self._dec_bytes
        if tp is model.Scalar or _is_scalar_union(tp):
            return self._dec_scalar
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin is tuple:
            item = self.dec_for(args[0])
            if args[0] is str:
                return lambda v: tuple(map(table.__getitem__, v))
            return lambda v: tuple(map(item, v))
        if origin in (typing.Union, types.UnionType):
            inner = [a for a in args if a is not type(None)]
            if len(inner) == 1:
                sub = self.dec_for(inner[0])
                return lambda v: None if v is None else sub(v)
        if tp is model.World:
            return self._world_dec()
        if dataclasses.is_dataclass(tp):
            return self._dataclass_dec(tp)
        raise TypeError(f"no image decoding for {tp!r}")

    def _world_dec(self) -> _Dec:
        """The world is a mapping of its fields (every other record is positional): a field the
        image lacks takes its default — so adding a kind (a ``World`` field defaulting to ``()``)
        needs no new format version — and a field this meshmush does not know is refused."""
        hints = typing.get_type_hints(model.World, vars(model))
        fields = dataclasses.fields(model.World)
        decoders = {f.name: self.dec_for(hints[f.name]) for f in fields}

        def dec(v: Any) -> model.World:
            if not isinstance(v, dict):
                raise ImageError("image is malformed: the world is not a mapping of its fields")
            unknown = sorted(set(v) - set(decoders))
            if unknown:
                raise ImageError(f"the image holds {', '.join(map(str, unknown[:5]))}, which this meshmush"
                                 " does not know; upgrade meshmush")
            values: dict[str, Any] = {}
            for f in fields:
                if f.name in v:
                    values[f.name] = decoders[f.name](v[f.name])
                elif f.default is dataclasses.MISSING:
                    raise ImageError(f"image is malformed: the world has no {f.name}")
            return model.World(**values)

        return dec

    def _dataclass_dec(self, tp: Any) -> _Dec:
        """A decoder generated for this record type: one straight-line function that fills the
        frozen instance's ``__dict__`` (the dataclass ``__init__`` sets each field through
        ``object.__setattr__`` and was most of the load time)."""
        cls: Any = tp
        hints = typing.get_type_hints(tp, vars(model))
        fields = dataclasses.fields(tp)
        env: dict[str, Any] = {"cls": cls, "new": object.__new__, "T": self._str_table, "ImageError": ImageError}
        items = []
        for i, f in enumerate(fields):
            items.append(f"{f.name!r}: {self._field_expr(hints[f.name], f'v[{i}]', f'd{i}', env)}")
        n = len(fields)
        src = (
            "def dec(v):\n"
            f"    if len(v) != {n}:\n"
            f"        raise ImageError(f'{with_article(cls.__name__)} record has {{len(v)}} fields, expected {n}')\n"
            "    o = new(cls)\n"
            f"    o.__dict__.update({{{', '.join(items)}}})\n"
            "    return o\n"
        )
        exec(compile(src, f"<image decoder for {cls.__name__}>", "exec"), env)
        fn: _Dec = env["dec"]
        return fn

    def _field_expr(self, tp: Any, x: str, name: str, env: dict[str, Any]) -> str:
        """Python source decoding the value ``x`` of type ``tp`` (inlined where it is simple)."""
        if tp is str:
            return f"T[{x}]"
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is tuple and args[0] is str:
            return f"tuple([T[y] for y in {x}])"
        if origin is tuple and dataclasses.is_dataclass(args[0]):
            env[name] = self.dec_for(args[0])
            return f"tuple([{name}(y) for y in {x}])"
        if origin in (typing.Union, types.UnionType) and not _is_scalar_union(tp):
            inner = [a for a in args if a is not type(None)]
            if len(inner) == 1 and (inner[0] is str or dataclasses.is_dataclass(inner[0])):
                sub = self._field_expr(inner[0], x, name, env)
                return f"(None if {x} is None else {sub})"
        env[name] = self.dec_for(tp)
        return f"{name}({x})"

    def _dec_bytes(self, v: Any) -> bytes:
        off, length = v
        if not (isinstance(off, int) and isinstance(length, int)) or off < 0 or length < 0:
            raise ImageError("a bytecode reference is malformed")
        if off + length > len(self._code_bytes):
            raise ImageError("a bytecode reference points outside the code section")
        return self._code_bytes[off : off + length]

    def _dec_scalar(self, v: Any) -> model.Scalar:
        tag, val = v
        if tag == 0:
            return bool(val)
        if tag == 1:
            return _dec_int(val)
        if tag == 2:
            return self._str_table[val]  # type: ignore[no-any-return]
        raise ImageError(f"unknown scalar tag {tag!r}")


def _dec_bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise ImageError("expected a boolean")
    return v


def _dec_int(v: Any) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise ImageError("expected an integer")
    if not -MAX_INT <= v <= MAX_INT:
        raise ImageError("an integer is out of range")
    return v


def _json_refuse(text: str) -> Any:
    raise ImageError(f"image is malformed: unexpected number {text[:20]!r}")


def _json(raw: bytes) -> Any:
    """JSON without floats or NaN.  Integers parse in C (a hook per number cost a third of the
    load): Python refuses more than 4,300 digits (a ValueError, reported as a malformed image),
    and every decoded integer is bounded to 64 bits where it is used (``_dec_int``, indexes)."""
    return json.loads(raw.decode("utf-8"), parse_float=_json_refuse, parse_constant=_json_refuse)


def _is_scalar_union(tp: Any) -> bool:
    args = set(typing.get_args(tp))
    return args == {bool, int, str}


def _collect_strings(obj: Any, out: set[str]) -> None:
    if isinstance(obj, str):
        out.add(obj)
    elif isinstance(obj, tuple):
        for x in obj:
            _collect_strings(x, out)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            _collect_strings(getattr(obj, f.name), out)


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode("utf-8")


# ---------------------------------------------------------------- public API


def write_image(world: model.World) -> bytes:
    """Encode ``world`` canonically.  Identical worlds give identical bytes."""
    strings: set[str] = set()
    _collect_strings(world, strings)
    table = sorted(strings)
    c = _Codec()
    c.strings = {s: i for i, s in enumerate(table)}
    body = c.enc_for(model.World)(world)
    payload = b"".join(
        struct.pack(">I", len(part)) + part for part in (_dumps(table), bytes(c.code), _dumps(body))
    )
    version = struct.pack(">H", FORMAT_VERSION)
    digest = hashlib.sha256(version + payload).digest()
    return _HEADER.pack(MAGIC, FORMAT_VERSION, 0, len(payload), digest) + payload


def read_header(data: bytes) -> ImageInfo:
    """Check magic, version, length and hash; return the image's identity."""
    if len(data) < HEADER_SIZE:
        raise ImageError(f"not a meshmush world image: only {len(data)} bytes")
    magic, version, _reserved, length, digest = _HEADER.unpack_from(data)
    if magic != MAGIC:
        raise ImageError("not a meshmush world image (bad magic bytes); build one with 'meshmush build'")
    if version not in SUPPORTED_VERSIONS:
        newest = max(SUPPORTED_VERSIONS)
        if version > newest:
            raise ImageError(
                f"image format {version} is newer than this meshmush understands (up to {newest});"
                " upgrade meshmush or rebuild the world with this version"
            )
        raise ImageError(f"image format {version} is no longer supported; rebuild the world")
    if length > MAX_IMAGE_BYTES:
        raise ImageError(f"image header claims {length:,} payload bytes; an image is at most {MAX_IMAGE_BYTES:,}")
    payload = data[HEADER_SIZE:]
    if len(payload) != length:
        raise ImageError(
            f"image is truncated or padded: header says {length} payload bytes, file has {len(payload)}"
        )
    if hashlib.sha256(struct.pack(">H", version) + payload).digest() != digest:
        raise ImageError("image is corrupt: its content hash does not match (rebuild or re-copy it)")
    return ImageInfo(version=version, content_hash=digest.hex(), size=len(data))


def _sections(payload: bytes) -> list[bytes]:
    parts = []
    pos = 0
    for name in ("strings", "code", "body"):
        if pos + 4 > len(payload):
            raise ImageError(f"image is malformed: {name} section is missing")
        (n,) = struct.unpack_from(">I", payload, pos)
        pos += 4
        if pos + n > len(payload):
            raise ImageError(f"image is malformed: {name} section is truncated")
        parts.append(payload[pos : pos + n])
        pos += n
    if pos != len(payload):
        raise ImageError("image is malformed: unexpected bytes after the body")
    return parts


def read_image(data: bytes) -> tuple[model.World, ImageInfo]:
    """Verify and decode an image.  Raises ImageError with a clear message on any problem."""
    info = read_header(data)
    strings_raw, code, body_raw = _sections(data[HEADER_SIZE:])
    paused = gc.isenabled()
    gc.disable()  # tens of thousands of new objects, none of them garbage: no collections
    try:
        return _decode(strings_raw, code, body_raw), info
    finally:
        if paused:
            gc.enable()


def _decode(strings_raw: bytes, code: bytes, body_raw: bytes) -> model.World:
    try:
        table = _json(strings_raw)
        body = _json(body_raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError) as exc:
        digits = re.search(r"value has (\d+) digits", str(exc))  # Python's limit on int conversion
        if digits:
            raise ImageError(f"image is malformed: a number of {digits.group(1)} digits") from None
        raise ImageError(f"image is malformed: {exc}") from None
    if not isinstance(table, list) or not all(isinstance(s, str) for s in table):
        raise ImageError("image is malformed: the string table is not a list of strings")
    c = _Codec()
    c._str_table = table
    c._code_bytes = code
    try:
        world = c.dec_for(model.World)(body)
    except ImageError:
        raise
    except (IndexError, TypeError, ValueError, KeyError, RecursionError) as exc:
        raise ImageError(f"image is malformed: {type(exc).__name__}: {exc}") from None
    world_: model.World = world
    return world_


def read_image_bytes(p: Path) -> bytes:
    """The bytes of the image file ``p``: a regular file of at most ``MAX_IMAGE_BYTES``
    (checked on the open file, so it cannot be swapped in between), read in one go."""
    try:
        fd = os.open(p, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except FileNotFoundError:
        raise ImageError(f"{p}: no such image file") from None
    except OSError as exc:
        raise ImageError(f"{p}: cannot read image: {exc.strerror}") from None
    st = os.fstat(fd)
    problem = None
    if stat.S_ISDIR(st.st_mode):
        problem = f"{p} is a directory, not an image"
    elif not stat.S_ISREG(st.st_mode):
        problem = f"{p} is not a regular file (a device or a pipe), so not an image"
    elif st.st_size > MAX_IMAGE_BYTES:
        problem = f"{p} is {st.st_size:,} bytes; an image is at most {MAX_IMAGE_BYTES:,}"
    if problem is not None:
        os.close(fd)
        raise ImageError(problem)
    with os.fdopen(fd, "rb") as f:
        try:
            data = f.read(MAX_IMAGE_BYTES + 1)
        except OSError as exc:
            raise ImageError(f"{p}: cannot read image: {exc.strerror}") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(f"{p} grew while it was read; an image is at most {MAX_IMAGE_BYTES:,} bytes")
    return data


def load_image_file(path: str | Any) -> tuple[model.World, ImageInfo]:
    """Read, verify and decode an image file, bytecode included."""
    p = Path(path)
    data = read_image_bytes(p)
    world, info = read_image(data)
    from runtime.image.verify import verify_world

    paused = gc.isenabled()
    gc.disable()  # verification builds many short-lived tuples; no cycles to find
    try:
        problems = verify_world(world)
    finally:
        if paused:
            gc.enable()
    if problems:
        shown = "; ".join(problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise ImageError(f"{p}: image failed verification: {shown}{more}")
    return world, info
