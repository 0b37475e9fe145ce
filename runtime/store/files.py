"""Private files: the database, its write-ahead log and lock file, the server's log and the
compiler's temporary image hold whispers, mail and who played when — nobody else may read
them, and nobody may make us write through a symbolic link they planted.

- ``private_umask()`` makes every file the process creates from then on 0600 (the umask is
  the only way to reach the files DuckDB creates itself, such as ``X.duckdb.wal``);
- ``refuse_link(path)`` refuses a path that is a symbolic link;
- ``open_private(path, …)`` opens with ``O_NOFOLLOW`` (and ``O_EXCL`` when asked), mode 0600,
  and tightens a file that already exists with a wider mode;
- ``tighten(path)`` makes an existing file of ours 0600.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

PRIVATE_MODE = 0o600
PRIVATE_UMASK = 0o077


class UnsafeFileError(OSError):
    """A path we will not open (a symbolic link, or not a regular file); the message says why."""

    def __str__(self) -> str:
        return str(self.strerror)


def private_umask() -> None:
    """From now on files this process creates are readable by their owner only (the umask is
    only ever tightened, never loosened)."""
    old = os.umask(PRIVATE_UMASK)
    os.umask(old | PRIVATE_UMASK)


def refuse_link(path: Path, what: str) -> None:
    if path.is_symlink():
        raise UnsafeFileError(
            errno.ELOOP, f"{what} {path} is a symbolic link; refusing to follow it (give the real path, "
            "or remove the link)"
        )


def tighten(path: Path) -> None:
    """Make an existing regular file we own 0600 (files made by an older meshmush were 0644)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and stat.S_IMODE(st.st_mode) & 0o077:
        os.chmod(path, stat.S_IMODE(st.st_mode) & ~0o077, follow_symlinks=False)


def open_private(path: Path, flags: int, what: str, *, exclusive: bool = False) -> int:
    """``os.open`` that never follows a symbolic link, creates with mode 0600 and tightens an
    existing file; returns the descriptor.  Raises UnsafeFileError for a link, OSError else."""
    extra = os.O_NOFOLLOW | os.O_CLOEXEC | (os.O_CREAT | os.O_EXCL if exclusive else 0)
    try:
        fd = os.open(path, flags | extra, PRIVATE_MODE)
    except OSError as exc:
        if exc.errno == errno.ELOOP or (exc.errno == errno.EEXIST and path.is_symlink()):
            refuse_link(path, what)
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFileError(errno.EINVAL, f"{what} {path} is not a regular file")
        if stat.S_IMODE(st.st_mode) & 0o077 and st.st_uid == os.geteuid():
            os.fchmod(fd, stat.S_IMODE(st.st_mode) & ~0o077)
    except BaseException:
        os.close(fd)
        raise
    return fd


def create_new(path: Path, what: str) -> int:
    """Create ``path`` afresh (``O_EXCL``, 0600) for writing.  A symbolic link there is refused;
    a regular file left behind by an interrupted run is removed first (unlinking removes the
    name, never a link's target)."""
    refuse_link(path, what)
    try:
        return open_private(path, os.O_WRONLY, what, exclusive=True)
    except FileExistsError:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFileError(errno.EEXIST, f"{what} {path} exists and is not a regular file") from None
        os.unlink(path)
        return open_private(path, os.O_WRONLY, what, exclusive=True)


def write_new_file(path: Path, data: bytes, what: str) -> None:
    """Write ``data`` to a fresh ``path`` (``create_new``), then give it the mode an ordinary
    new file would have (the umask's), ready to be renamed into place."""
    fd = create_new(path, what)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(f.fileno(), 0o666 & ~umask)
