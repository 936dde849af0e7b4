"""Process settings that tzrec reads from the environment when it is imported.

- ``OMP_NUM_THREADS`` defaults to ``1`` when unset: data-loader workers and ranks each
  run their own OpenMP pool, and one thread each avoids oversubscribing the cores.
- ``LOG_LEVEL`` sets the level of the ``tzrec`` logger (default ``INFO``).
- ``USE_DETERMINISTIC_ALGORITHMS`` (``1``/``true``/``yes``) turns on
  ``torch.use_deterministic_algorithms(True)``. Only then is torch imported here, so
  that the default import stays light.
- Known library noise is silenced: importing torchrec makes torch.fx log a one-time
  ``is_fx_tracing`` notice meant for torch developers, which would otherwise open every
  ``tzrec`` command's output (set ``TZREC_LIBRARY_NOTICES=1`` to see it).
"""

from __future__ import annotations

import logging
import os

from tzrec.utils.logging_util import configure_logging

#: Loggers of other libraries whose warnings are notices for their own developers.
NOISY_LIBRARY_LOGGERS = ("torch.fx._symbolic_trace",)

_TRUE_VALUES = frozenset({"1", "true", "yes", "on"})


def env_flag(name: str) -> bool:
    """Whether the environment variable ``name`` holds a true value (1/true/yes/on)."""
    return os.environ.get(name, "").strip().lower() in _TRUE_VALUES


def apply_env_settings() -> None:
    """Apply OMP_NUM_THREADS, LOG_LEVEL, library-noise filters and deterministic mode."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    configure_logging()
    if not env_flag("TZREC_LIBRARY_NOTICES"):
        for name in NOISY_LIBRARY_LOGGERS:
            logging.getLogger(name).setLevel(logging.ERROR)
    if env_flag("USE_DETERMINISTIC_ALGORITHMS"):
        import torch

        torch.use_deterministic_algorithms(True)
