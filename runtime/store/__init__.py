"""Persistence in DuckDB.

- ``tables``: the state in memory, with a transactional overlay (``Tables``, ``Txn``) whose
  commit yields a ``ChangeSet``;
- ``migrations``: the schema as numbered, named migrations, and the table specs;
- ``db``: the database file (``Database``): lock, migrations, loading, group commit of
  ``CommandRecord`` batches in one transaction, ids, read-only opening;
- ``events``: buffered analytics events written with the Appender;
- ``lock``: one process per database file.

Import from the submodules (``from runtime.store.db import Database``).
"""
