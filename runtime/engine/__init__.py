"""The engine: one command in, effects applied in one transaction, replies out after COMMIT.

``engine.Engine`` implements ``runtime.engine.io.CommandHandler``; ``context`` and
``registry`` are the API game systems (``runtime/systems/``) build on."""
