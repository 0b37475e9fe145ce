"""DuckDB persistence: in-memory tables with a transactional overlay (``tables``), numbered
migrations (``migrations``), the database file with group commit (``db``), the lock (``lock``)."""
