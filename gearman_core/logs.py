"""Logging set-up: gearmand's levels and log-file conventions on Python logging."""

from __future__ import annotations

import logging
import sys

# gearmand's eight levels onto Python's five.
LEVELS = {
    "FATAL": logging.CRITICAL,
    "ALERT": logging.CRITICAL,
    "CRITICAL": logging.CRITICAL,
    "ERROR": logging.ERROR,
    "WARNING": logging.WARNING,
    "NOTICE": logging.INFO,
    "INFO": logging.INFO,
    "DEBUG": logging.DEBUG,
}

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class LogTarget:
    """The configured log destination; ``reopen`` serves SIGHUP for rotated files."""

    def __init__(self, log_file: str, verbose: str) -> None:
        self.log_file = log_file
        root = logging.getLogger("geargate")
        root.setLevel(LEVELS[verbose])
        root.propagate = False
        for old in list(root.handlers):
            root.removeHandler(old)
        handler: logging.Handler
        if log_file == "none":
            handler = logging.NullHandler()
        elif log_file == "stderr":
            handler = logging.StreamHandler(sys.stderr)
        else:
            handler = logging.FileHandler(log_file, encoding="utf-8")
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
        self.handler = handler

    def reopen(self) -> None:
        handler = self.handler
        if isinstance(handler, logging.FileHandler):
            handler.acquire()
            try:
                handler.close()
                handler.stream = handler._open()
            finally:
                handler.release()
