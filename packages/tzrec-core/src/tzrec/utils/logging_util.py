"""The ``tzrec`` logger, configured once from the ``LOG_LEVEL`` environment variable."""

from __future__ import annotations

import logging
import os

LOGGER_NAME = "tzrec"
_FORMAT = "[%(asctime)s] %(levelname)s %(name)s: %(message)s"

logger = logging.getLogger(LOGGER_NAME)


def configure_logging(level_name: str | None = None) -> None:
    """Give the tzrec logger a stderr handler and a level.

    Args:
        level_name: a logging level name such as ``"DEBUG"``; defaults to the
            ``LOG_LEVEL`` environment variable, else ``"INFO"``. An unknown name
            raises ValueError naming the valid ones rather than logging silently.
    """
    name = (level_name or os.environ.get("LOG_LEVEL") or "INFO").upper()
    level = logging.getLevelName(name)
    if not isinstance(level, int):
        valid = ", ".join(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"])
        raise ValueError(f"LOG_LEVEL={name!r} is not a logging level; use one of {valid}")
    logger.setLevel(level)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(_FORMAT))
        logger.addHandler(handler)
    logger.propagate = False
