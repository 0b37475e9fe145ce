"""Diagnostics as SARIF 2.1.0 (``meshmush check --format sarif``), the format code-scanning tools
read (GitHub's ``upload-sarif`` action, editors' SARIF viewers).  The shape (docs/ci.md):

- one run; ``tool.driver`` is meshmush with its version and one rule per diagnostic code that
  occurs (``id`` the code, ``shortDescription`` its title, ``fullDescription`` its explanation,
  ``help`` how to fix it, ``defaultConfiguration.level`` its usual severity);
- one result per diagnostic: ``ruleId`` and ``ruleIndex``, ``level`` (``error``, ``warning``, or
  ``note`` for info), ``message.text`` (the message, then the hint), one location:
  ``artifactLocation.uri`` the file as reached from the current directory (relative, so a
  repository's CI uploads it as is), ``uriBaseId`` ``%SRCROOT%``, ``region`` ``startLine`` and
  ``startColumn`` (1-based).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from compiler.codes import CODES
from compiler.diagnostics import Diagnostic, shown_path

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
INFORMATION_URI = "https://pypi.org/project/meshmush/"


def sarif_log(diags: Iterable[Diagnostic], shown: str = "", version: str = "unknown") -> dict[str, Any]:
    items = list(diags)
    codes = sorted({d.code for d in items})
    index = {c: i for i, c in enumerate(codes)}
    rules = []
    for code in codes:
        info = CODES[code]
        rules.append({
            "id": code,
            "name": "".join(w[:1].upper() + w[1:] for w in info.title.replace("-", " ").split() if w.isalnum()),
            "shortDescription": {"text": info.title},
            "fullDescription": {"text": info.explanation},
            "help": {"text": info.fix},
            "defaultConfiguration": {"level": LEVELS[info.severity]},
        })
    results = []
    for d in items:
        text = d.message + (f" (hint: {d.hint})" if d.hint else "")
        results.append({
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": LEVELS[d.severity],
            "message": {"text": text},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": quote(shown_path(shown, d.span.file), safe="/"),
                                         "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": max(1, d.span.line), "startColumn": max(1, d.span.column)},
                },
            }],
        })
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {"name": "meshmush", "version": version, "informationUri": INFORMATION_URI,
                                "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def render_sarif(diags: Iterable[Diagnostic], shown: str = "", version: str = "unknown") -> str:
    return json.dumps(sarif_log(diags, shown, version), ensure_ascii=False, indent=2) + "\n"
