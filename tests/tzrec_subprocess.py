"""Running ``tzrec`` in a child process, as a user would, for end-to-end tests.

The child runs outside any launcher (a test under torchrun must not leak WORLD_SIZE /
RANK into it) with one intra-op thread unless the caller set OMP_NUM_THREADS, so that
several ranks share the 2 CI cores without oversubscribing them.
"""

from __future__ import annotations

import os
import subprocess
import sys


def tzrec_command(*args: str) -> list[str]:
    """The command line of ``tzrec ARGS`` with this interpreter."""
    return [sys.executable, "-m", "tzrec_cli", *args]


def child_env() -> dict[str, str]:
    """This environment, without launcher variables and with OMP_NUM_THREADS set."""
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    env.pop("WORLD_SIZE", None)
    env.pop("RANK", None)
    return env


def run_tzrec(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run ``tzrec ARGS`` to the end; its exit status and captured output."""
    return subprocess.run(
        tzrec_command(*args), env=child_env(), capture_output=True, text=True, timeout=timeout
    )
