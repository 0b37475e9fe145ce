"""The loader: YAML 1.2 scalars, exact positions, and trigger code mapped into the file."""

from __future__ import annotations

from pathlib import Path

from compiler.diagnostics import Diagnostics
from compiler.loader import load_world

TEXT = """# header comment
kind: room
id: town.hall
name: Hall
flags: [on, off, yes, no, y, true, False, null, 010, 0x1F, 1.50]
triggers:
  - on: enter
    do: |
      say "hi"
      set player.x = 1
  - on: use
    do: say "plain"
"""


def load(tmp_path: Path, text: str = TEXT) -> tuple[list, Diagnostics]:  # type: ignore[type-arg]
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    diags = Diagnostics()
    return load_world(tmp_path, diags), diags


def test_yaml_12_core_scalars(tmp_path: Path) -> None:
    docs, _ = load(tmp_path)
    data = docs[0].data
    assert data["flags"] == ["on", "off", "yes", "no", "y", True, False, None, 10, 31, 1.5]
    assert [t["on"] for t in data["triggers"]] == ["enter", "use"]  # the key 'on' stays text too


def test_positions_of_keys_values_and_raw_text(tmp_path: Path) -> None:
    docs, _ = load(tmp_path)
    m = docs[0].marks
    assert (m.span(("id",)).line, m.span(("id",)).column) == (3, 5)
    assert (m.span(("id",), key=True).line, m.span(("id",), key=True).column) == (3, 1)
    assert (m.span(("flags", 10)).line, m.span(("flags", 10)).column) == (5, 60)
    assert m.raw(("flags", 10)) == "1.50"
    assert m.span(("missing", "deeper")).line == 2  # falls back to the document


def test_trigger_positions_map_into_the_file(tmp_path: Path) -> None:
    docs, _ = load(tmp_path)
    m = docs[0].marks
    block = m.locate_in_scalar(("triggers", 0, "do"), 2, 5)
    assert (block.line, block.column) == (10, 11)  # 'player' in "set player.x = 1"
    plain = m.locate_in_scalar(("triggers", 1, "do"), 1, 5)
    assert (plain.line, plain.column) == (12, 13)


def test_documents_come_back_in_sorted_file_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.yaml").write_text("kind: board\nid: x.b\nname: B\n", encoding="utf-8")
    (tmp_path / "a.yaml").write_text("kind: board\nid: x.a\nname: A\n---\nkind: board\nid: x.c\nname: C\n")
    diags = Diagnostics()
    docs = load_world(tmp_path, diags)
    assert [(d.file, d.index, d.data["id"]) for d in docs] == [
        ("a.yaml", 0, "x.a"),
        ("a.yaml", 1, "x.c"),
        ("b/z.yaml", 0, "x.b"),
    ]


def test_an_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    bomb = "kind: room\na: &a [x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 12):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 9) + "]\n"
    docs, diags = load(tmp_path, bomb)
    assert docs == [] and [d.code for d in diags.items] == ["MM1006"]
