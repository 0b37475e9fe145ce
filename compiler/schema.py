"""Validating documents against the JSON Schemas in ``compiler/schemas/`` (draft 2020-12; the
repository's top-level ``schemas/`` points there, for editors).

jsonschema's errors are translated into our diagnostics, positioned on the offending key or
value and phrased with the author's own text; at most a few per document, best first."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, relevance

from compiler.diagnostics import Diagnostics, did_you_mean
from compiler.loader import SourceDoc
from runtime.image.words import with_article

SCHEMA_PACKAGE = "compiler.schemas"
MAX_PER_DOC = 5


@cache
def validator(kind: str) -> Draft202012Validator:
    text = resources.files(SCHEMA_PACKAGE).joinpath(f"{kind}.schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    return Draft202012Validator(schema)


def _show(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    if value is None:
        return "nothing"
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return f"'{text[:60]}'"


_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping (key: value)",
    "array": "a list",
}


def _type_words(t: Any) -> str:
    if isinstance(t, list):
        return " or ".join(_TYPE_WORDS.get(str(x), str(x)) for x in t)
    return _TYPE_WORDS.get(t, str(t))


def _leaf(err: ValidationError) -> ValidationError:
    """For oneOf/anyOf, descend to the most relevant branch's error."""
    while err.context:
        best = sorted(err.context, key=relevance)[0] if err.context else None
        if best is None:
            break
        # prefer a branch whose type matched (deeper path)
        deeper = [e for e in err.context if len(e.absolute_path) > len(err.absolute_path)]
        err = min(deeper, key=lambda e: -len(e.absolute_path)) if deeper else best
    return err


def _hint_for_pattern(pattern: str) -> str:
    if "(s|m|h|d)" in pattern:
        return "write a duration like 30s, 10m, 1h or 1d"
    if r"(\.[a-z0-9_]+)+" in pattern:
        return "ids are lowercase dotted names with a namespace, like town.gazebo"
    if pattern == "^[a-z][a-z0-9_]*$":
        return "use lowercase letters, digits and _ (starting with a letter)"
    return f"it must match {pattern}"


def _report(doc: SourceDoc, err: ValidationError, diags: Diagnostics) -> None:
    err = _leaf(err)
    path = tuple(err.absolute_path)
    where = doc.marks.span(path)
    v: Any = err.validator
    inst: Any = err.instance
    vv: Any = err.validator_value
    sch: Any = err.schema
    name = str(path[-1]) if path else doc.kind or "document"
    if v == "additionalProperties" and isinstance(inst, dict):
        allowed = sorted((sch.get("properties") or {}).keys())
        extra = [k for k in inst if k not in allowed]
        for key in extra[:3]:
            diags.error(
                "MM2001",
                f"unknown key '{key}' in {'a ' + str(doc.kind) if not path else name}",
                doc.marks.span((*path, key), key=True),
                did_you_mean(str(key), allowed) or f"allowed keys: {', '.join(allowed)}",
            )
        return
    if v == "required":
        missing = [k for k in vv if isinstance(inst, dict) and k not in inst]
        label = with_article(str(doc.kind)) if not path else f"'{name}'"
        diags.error(
            "MM2002",
            f"{label} needs '{missing[0] if missing else vv}'",
            where if path else doc.marks.span(("kind",), key=True),
            f"add '{missing[0] if missing else ''}: …'",
        )
        return
    if v == "propertyNames" or "propertyNames" in err.absolute_schema_path:
        allowed_names = list(vv) if v == "enum" else (vv.get("enum") if isinstance(vv, dict) else None)
        pattern = vv.get("pattern", "") if isinstance(vv, dict) else (vv if v == "pattern" else "")
        bad = inst if isinstance(inst, str) else str(inst)
        # the failing name is the instance; find its key position in the parent mapping
        parent = path[:-1] if path and path[-1] == bad else path
        span = doc.marks.span((*parent, bad), key=True)
        if allowed_names:
            diags.error(
                "MM2006",
                f"'{bad}' is not a direction",
                span,
                did_you_mean(bad, allowed_names) or f"directions: {', '.join(allowed_names[:12])}",
            )
        else:
            diags.error(
                "MM2005",
                f"name '{bad}' is not allowed here",
                span,
                _hint_for_pattern(pattern),
            )
        return
    if v == "type":
        diags.error(
            "MM2003",
            f"'{name}' should be {_type_words(vv)}, not {_show(inst)}",
            where,
            f"write {name} as {_type_words(vv)}",
        )
        return
    if v in ("enum", "const"):
        options = vv if v == "enum" else [vv]
        shown = ", ".join(str(o).lower() if isinstance(o, bool) else str(o) for o in options)
        diags.error(
            "MM2004",
            f"{_show(inst)} is not allowed for '{name}'",
            where,
            did_you_mean(str(inst), [str(o) for o in options]) or f"allowed: {shown}",
        )
        return
    if v == "pattern":
        hint = _hint_for_pattern(vv)
        if isinstance(inst, str) and inst != inst.lower() and re.match(vv, inst.lower()):
            hint = f"write it in lowercase: '{inst.lower()}'"
        diags.error("MM2005", f"{_show(inst)} is not a valid {name}", where, hint)
        return
    if v in ("minimum", "maximum", "minItems", "minLength", "minProperties", "maxItems", "maxLength"):
        diags.error(
            "MM2007",
            f"{_show(inst)} is out of range for '{name}' ({v} {vv})",
            where,
            f"{v} is {vv}",
        )
        return
    diags.error("MM2003", f"'{name}' is malformed: {err.message[:120]}", where, "see the schema in schemas/")


def validate_document(doc: SourceDoc, diags: Diagnostics) -> bool:
    """True when ``doc`` matches its kind's schema; otherwise report and return False."""
    if doc.kind is None:
        return False
    errors: Iterable[ValidationError] = validator(doc.kind).iter_errors(doc.data)
    found = sorted(errors, key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    for err in found[:MAX_PER_DOC]:
        _report(doc, err, diags)
    return not found
