"""The JSON Schemas in schemas/: fresh, and the combined one editors use agrees with the
per-kind ones the compiler uses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

from meshmush import gen_schemas

ROOT = Path(__file__).resolve().parents[2]
class Yaml12Loader(yaml.SafeLoader):
    """Booleans as YAML 1.2 (and editors) read them: ``on:`` is a key, not True."""


Yaml12Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    Yaml12Loader.yaml_implicit_resolvers.setdefault(_first, []).insert(
        0, ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")))

COMBINED = json.loads((ROOT / "schemas" / "meshmush.schema.json").read_text(encoding="utf-8"))


def test_schema_files_are_fresh() -> None:
    assert gen_schemas.main(["--check"]) == 0, "run python -m meshmush.gen_schemas"


def test_every_demo_document_passes_the_combined_schema() -> None:
    Draft202012Validator.check_schema(COMBINED)
    v = Draft202012Validator(COMBINED)
    docs = [d for p in sorted((ROOT / "worlds" / "demo").glob("*.yaml"))
            for d in yaml.load_all(p.read_text(encoding="utf-8"), Loader=Yaml12Loader) if d]
    assert {d["kind"] for d in docs} >= {"world", "room", "object", "npc", "shop", "housing", "game", "board"}
    for d in docs:
        assert not list(v.iter_errors(d)), d.get("id")


def test_the_combined_schema_rejects_what_the_kind_schema_rejects() -> None:
    v = Draft202012Validator(COMBINED)
    assert list(v.iter_errors({"kind": "room", "id": "town.x", "description": "No name."}))
    assert list(v.iter_errors({"kind": "room", "id": "town.x", "name": "X", "description": "d", "colour": 1}))
    assert list(v.iter_errors({"kind": "spaceship", "id": "a.b"}))
