"""One process owns one database: an exclusive ``flock`` on ``PATH.lock`` holding our pid.

The kernel releases the lock when the holder dies (even by SIGKILL), so a stale lock file
never blocks a restart."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class LockError(Exception):
    pass


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise LockError(f"cannot create lock file {self.path}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            finally:
                os.close(fd)
            db = str(self.path)[: -len(".lock")] if str(self.path).endswith(".lock") else str(self.path)
            raise LockError(f"database {db} is in use by another meshmush process (pid {holder})") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None
