"""Everything ``serve`` says goes through its log: the radio library's log records, the
tracebacks it prints itself (``traceback.print_exc()`` on a junk packet), anything printed to
stdout or stderr, and exceptions that end a library thread.  With ``[log] format = "json"``
every line on stderr (or in the log file) is then one JSON object, whatever arrives from the
air.  A traceback becomes one record (its last line is the message, the whole text the
``exc`` field), other stray lines one record each."""

from __future__ import annotations

import io
import logging
import sys
import threading
from typing import Any

STRAY = logging.getLogger("meshmush.stray")
LIBRARY_LEVEL = logging.ERROR
"""The radio library logs a warning for every reconnect; only its errors are worth a line."""


class _LogStream(io.TextIOBase):
    """A text stream that turns what is written to it into log records, line by line."""

    def __init__(self, logger: logging.Logger, level: int, name: str, original: Any) -> None:
        super().__init__()
        self.original = original  # the stream this one replaced
        self._logger = logger
        self._level = level
        self._name = name
        self._partial = ""
        self._traceback: list[str] = []
        self._lock = threading.Lock()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            self._partial += text
            while "\n" in self._partial:
                line, self._partial = self._partial.split("\n", 1)
                self._line(line)
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self._partial:
                line, self._partial = self._partial, ""
                self._line(line)

    def _line(self, line: str) -> None:
        if self._traceback:
            self._traceback.append(line)
            if line and not line[0].isspace():  # the exception's own line ends the traceback
                whole, self._traceback = "\n".join(self._traceback), []
                self._logger.error("%s (traceback from %s)", line.strip()[:500], self._name,
                                   extra={"stray_traceback": whole})
            return
        if line.startswith("Traceback (most recent call last):"):
            self._traceback = [line]
        elif line.strip():
            self._logger.log(self._level, "%s: %s", self._name, line.strip()[:1000])


class _WithTraceback(logging.Filter):
    """Put a captured traceback where formatters put exceptions (``exc_text``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        whole = getattr(record, "stray_traceback", None)
        if whole and not record.exc_text:
            record.exc_text = whole
        return True


def _thread_died(args: Any) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    STRAY.error("thread %s stopped: %s: %s", name, args.exc_type.__name__, args.exc_value,
                exc_info=(args.exc_type, args.exc_value, args.exc_traceback))


def route_everything(handler: logging.Handler) -> None:
    """Send the radio library's records, stray stdout/stderr text and dying threads' exceptions
    to ``handler`` (already formatted the way serve logs).  Call once logging is set up; the
    handler must not write to ``sys.stderr`` by name (it keeps the stream it was given)."""
    handler.addFilter(_WithTraceback())
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("meshtastic").setLevel(LIBRARY_LEVEL)
    STRAY.setLevel(logging.INFO)  # (propagates to the "meshmush" logger's handler)
    if not isinstance(sys.stderr, _LogStream):
        sys.stderr = _LogStream(STRAY, logging.WARNING, "stderr", sys.stderr)
    if not isinstance(sys.stdout, _LogStream):
        sys.stdout = _LogStream(STRAY, logging.WARNING, "stdout", sys.stdout)
    threading.excepthook = _thread_died


def real_stderr() -> Any:
    """The process's own stderr, even once ``route_everything`` has replaced ``sys.stderr``."""
    return sys.stderr.original if isinstance(sys.stderr, _LogStream) else sys.stderr
