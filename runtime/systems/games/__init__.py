"""The games of ``kind: game``: GAMES and PLAY (``verbs``), eightball and fortune (``texts``),
``slots``, and TinyHack (``tinyhack``, rules in ``dungeon``).  docs/games.md."""
