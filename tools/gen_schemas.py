"""Generate ``schemas/<kind>.schema.json`` (JSON Schema draft 2020-12), one per kind.

    python -m meshmush.gen_schemas          # rewrite the files
    python -m meshmush.gen_schemas --check  # exit 1 when a file is stale

Each kind's schema is declared with the kind (``compiler/kinds/<name>.py``).  The schemas are used
by the compiler (``compiler/schema.py``) and by editors through
yaml-language-server (see docs/editor-setup.md), so every property has a description.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from compiler.kinds import BASE, KINDS

SCHEMAS = Path(__file__).resolve().parent.parent / "compiler" / "schemas"


def all_schemas() -> dict[str, dict[str, Any]]:
    """Every kind's schema (``compiler.kinds``: each kind declares its own)."""
    return {k.name: k.schema() for k in KINDS}


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


COMBINED = "meshmush"


def combined_schema(kinds: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One self-contained schema for any document (editors: a file may hold several kinds).
    Each kind's schema is inlined under ``$defs`` and chosen by ``kind``; nothing is fetched."""
    defs = {k: {key: v for key, v in s.items() if key not in ("$schema", "$id")} for k, s in kinds.items()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": BASE + f"{COMBINED}.schema.json",
        "title": "meshmush world document (any kind)",
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"enum": sorted(kinds), "description": "The kind of this document"}},
        "allOf": [
            {"if": {"properties": {"kind": {"const": k}}, "required": ["kind"]}, "then": {"$ref": f"#/$defs/{k}"}}
            for k in sorted(kinds)
        ],
        "$defs": defs,
    }


def main(argv: list[str]) -> int:
    stale = []
    kinds = all_schemas()
    for kind, schema in [*kinds.items(), (COMBINED, combined_schema(kinds))]:
        path = SCHEMAS / f"{kind}.schema.json"
        text = render(schema)
        if "--check" in argv:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            SCHEMAS.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print("stale schemas (run python -m meshmush.gen_schemas): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
