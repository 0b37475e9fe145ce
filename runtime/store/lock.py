"""One process owns one database: a ``flock`` on ``PATH.lock``, which holds the owner's pid.

The writer takes the lock exclusively; read-only openers share it, so they exclude a writer
but not each other.  The kernel releases a ``flock`` when its holder dies, even by SIGKILL,
so a lock file left behind by a killed process never blocks a restart: what counts is the
lock, not the file, which is therefore never deleted (deleting it would race with a process
that has just opened it).
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path
from types import TracebackType

from runtime.store.files import UnsafeFileError, open_private


class LockError(Exception):
    """The lock file cannot be made or locked; the message says why."""


class InUseError(LockError):
    """Another process holds the lock."""


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


class FileLock:
    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.path = lock_path(db_path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, *, shared: bool = False) -> None:
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already locked by this object")
        try:
            fd = open_private(self.path, os.O_RDWR | os.O_CREAT, "lock file")
        except UnsafeFileError as exc:
            raise LockError(str(exc)) from None
        except OSError as exc:
            raise LockError(f"cannot create the lock file {self.path}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _read_pid(fd)
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise LockError(f"cannot lock {self.path}: {exc.strerror}") from None
            raise InUseError(
                f"database {self.db_path} is in use by another meshmush process (pid {holder})"
            ) from None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        except OSError:
            pass  # the pid is a courtesy for the error message; the flock is what protects
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _read_pid(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return "unknown"
    return text if text.isdigit() else "unknown"
