"""The log of image format versions.  Bump FORMAT_VERSION whenever the encoding of
``runtime/image/codec.py``, the model in ``runtime/image/model.py`` or the opcode table
changes meaning; say what changed here.  The runtime refuses versions it does not list.

| version | date       | change                                                        |
|---------|------------|---------------------------------------------------------------|
| 1       | 2026-11-25 | first format: string table, code section, positional JSON body |
| 2       | 2026-11-27 | games carry texts, slot symbols and payout tables; boards `keep`; world `messages` |
"""

FORMAT_VERSION = 2
SUPPORTED_VERSIONS = frozenset({2})
