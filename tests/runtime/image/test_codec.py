"""The image format: canonical bytes, round trips, and refusal of anything damaged."""

from __future__ import annotations

import contextlib
import shutil
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.api import build_image, compile_world
from compiler.diagnostics import Diagnostics
from runtime.image.codec import HEADER_SIZE, MAGIC, ImageError, load_image_file, read_image, write_image


def _build(root: Path) -> bytes:
    diags = Diagnostics()
    data = build_image(root, diags)
    assert data is not None, [d.as_json() for d in diags.items]
    return data


def test_round_trip_gives_the_same_world(demo_dir: Path) -> None:
    world = compile_world(demo_dir, Diagnostics())
    assert world is not None
    decoded, info = read_image(write_image(world))
    assert decoded == world
    assert len(info.content_hash) == 64


def test_building_twice_gives_identical_bytes(demo_dir: Path) -> None:
    assert _build(demo_dir) == _build(demo_dir)


def test_renamed_and_reordered_files_give_identical_bytes(demo_dir: Path, tmp_path: Path) -> None:
    """Split every document into its own file, in reverse order, under new names and folders."""
    original = _build(demo_dir)
    docs: list[str] = []
    for f in sorted(demo_dir.rglob("*.yaml")):
        docs += [d for d in f.read_text(encoding="utf-8").split("\n---\n") if d.strip()]
    copy = tmp_path / "copy"
    for i, doc in enumerate(reversed(docs)):
        sub = copy / f"z{i % 3}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{len(docs) - i:03d}-part.yaml").write_text(doc + "\n", encoding="utf-8")
    assert _build(copy) == original


def test_a_flipped_byte_anywhere_is_refused(demo_image: Path, tmp_path: Path) -> None:
    data = demo_image.read_bytes()
    for pos in (0, 9, 12, 20, HEADER_SIZE + 3, len(data) // 2, len(data) - 1):
        bad = bytearray(data)
        bad[pos] ^= 0x40
        p = tmp_path / "bad.mmi"
        p.write_bytes(bytes(bad))
        with pytest.raises(ImageError) as err:
            load_image_file(p)
        assert "Traceback" not in str(err.value)
        assert str(err.value)


def test_messages_say_what_is_wrong(demo_image: Path, tmp_path: Path) -> None:
    data = demo_image.read_bytes()
    with pytest.raises(ImageError, match="corrupt"):
        read_image(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(ImageError, match="magic"):
        read_image(b"PK\x03\x04" + data[4:])
    with pytest.raises(ImageError, match="truncated"):
        read_image(data[:-10])
    newer = bytearray(data)
    struct.pack_into(">H", newer, len(MAGIC), 99)
    with pytest.raises(ImageError, match="newer"):
        read_image(bytes(newer))
    with pytest.raises(ImageError, match="no such image"):
        load_image_file(tmp_path / "missing.mmi")
    with pytest.raises(ImageError, match="directory"):
        load_image_file(tmp_path)


def test_verifier_refuses_a_well_hashed_but_inconsistent_world(demo_dir: Path, tmp_path: Path) -> None:
    world = compile_world(demo_dir, Diagnostics())
    assert world is not None
    import dataclasses

    broken = dataclasses.replace(world, start="nowhere.at_all")
    p = tmp_path / "broken.mmi"
    p.write_bytes(write_image(broken))
    with pytest.raises(ImageError, match=r"start room 'nowhere\.at_all' does not exist"):
        load_image_file(p)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_crash_the_reader(data: bytes) -> None:
    with contextlib.suppress(ImageError):
        read_image(data)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=HEADER_SIZE, max_value=10**6), st.binary(min_size=1, max_size=8))
def test_damaged_payload_with_a_fixed_hash_never_crashes(offset: int, junk: bytes) -> None:
    """Even when an attacker recomputes the hash, a mangled payload gives ImageError only."""
    import hashlib

    base = _DEMO_BYTES()
    pos = HEADER_SIZE + offset % (len(base) - HEADER_SIZE)
    payload = bytearray(base[HEADER_SIZE:])
    payload[pos - HEADER_SIZE : pos - HEADER_SIZE + len(junk)] = junk
    version = base[len(MAGIC) : len(MAGIC) + 2]
    digest = hashlib.sha256(version + bytes(payload)).digest()
    header = MAGIC + version + b"\x00\x00" + struct.pack(">I", len(payload)) + digest
    with contextlib.suppress(ImageError):
        read_image(header + bytes(payload))


_CACHE: dict[str, bytes] = {}


def _DEMO_BYTES() -> bytes:
    if "demo" not in _CACHE:
        _CACHE["demo"] = _build(Path(__file__).resolve().parents[3] / "worlds" / "demo")
    return _CACHE["demo"]


def test_demo_copy_builds(demo_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(demo_dir, tmp_path / "w")
    assert _build(tmp_path / "w") == _build(demo_dir)
