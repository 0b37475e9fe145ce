"""The log of image format versions.  Bump FORMAT_VERSION whenever the encoding of
``runtime/image/codec.py``, the model in ``runtime/image/model.py`` or the opcode table
changes meaning; say what changed here.  The runtime refuses versions it does not list.

| version | date       | change                                                        |
|---------|------------|---------------------------------------------------------------|
| 1       | 2026-11-25 | first format: string table, code section, positional JSON body |
| 2       | 2026-11-27 | games carry texts, slot symbols and payout tables; boards `keep`; world `messages` |
| 3       | 2026-12-02 | rooms and objects carry `renamed_from`; world `builder` (clone limits) |
| 4       | 2026-12-02 | the world is a mapping of its fields: a new kind (a `World` field defaulting to `()`) is a new key and needs no new version; a field this runtime does not know is refused |
"""

FORMAT_VERSION = 4
SUPPORTED_VERSIONS = frozenset({4})
