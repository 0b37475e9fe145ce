"""Dead content: things an author wrote that can never have an effect.

- a ``take`` trigger on an object that says ``takeable: false`` never runs (MM4017);
- a ``flags:`` word the runtime does not implement changes nothing (MM4018)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from compiler.diagnostics import Diagnostics
from compiler.loader import SourceDoc
from runtime.image.flags import OBJECT_FLAGS, ROOM_FLAGS
from runtime.image.words import with_article

FLAGS: Mapping[str, frozenset[str]] = {"room": ROOM_FLAGS, "object": OBJECT_FLAGS}


def check_dead_content(by_kind: Mapping[str, Sequence[SourceDoc]], diags: Diagnostics) -> None:
    for doc in by_kind.get("object", ()):
        if doc.data.get("takeable", True) is not False:
            continue
        for i, trig in enumerate(doc.data.get("triggers") or []):
            if isinstance(trig, dict) and trig.get("on") == "take":
                diags.warning(
                    "MM4017",
                    f"object '{doc.data.get('id')}' has a 'take' trigger but says takeable: false,"
                    " so it is never taken and the trigger never runs",
                    doc.marks.span(("triggers", i, "on")),
                    "remove 'takeable: false' and use 'stop' in the trigger to refuse with a message,"
                    " or remove the trigger",
                )
    for kind, known in FLAGS.items():
        for doc in by_kind.get(kind, ()):
            for i, flag in enumerate(doc.data.get("flags") or []):
                name = str(flag).lower()
                if name in known:
                    continue
                honoured = ", ".join(sorted(known)) or "none yet"
                diags.warning(
                    "MM4018",
                    f"flag '{name}' does nothing: the runtime does not implement it for {with_article(kind)}",
                    doc.marks.span(("flags", i)),
                    f"remove it (flags the runtime honours on {kind}s: {honoured})",
                )
