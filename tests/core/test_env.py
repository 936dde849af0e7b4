"""Settings read from the environment when tzrec is imported (fresh processes)."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import os, sys, logging
import tzrec
from tzrec.utils.logging_util import logger
print(os.environ["OMP_NUM_THREADS"])
print(logging.getLevelName(logger.level))
print("torch" in sys.modules)
if "torch" in sys.modules:
    import torch
    print(torch.are_deterministic_algorithms_enabled())
"""


def _probe(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("OMP_NUM_THREADS", "LOG_LEVEL", "USE_DETERMINISTIC_ALGORITHMS")
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=clean, timeout=120
    )


def test_defaults_omp_to_one_thread_and_stays_light() -> None:
    result = _probe()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "INFO", "False"]


def test_respects_an_explicit_omp_and_log_level() -> None:
    result = _probe(OMP_NUM_THREADS="4", LOG_LEVEL="debug")
    assert result.stdout.split() == ["4", "DEBUG", "False"]


def test_unknown_log_level_is_a_clear_error() -> None:
    result = _probe(LOG_LEVEL="LOUD")
    assert result.returncode != 0
    assert "LOG_LEVEL='LOUD' is not a logging level" in result.stderr


def test_deterministic_algorithms_flag() -> None:
    result = _probe(USE_DETERMINISTIC_ALGORITHMS="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "INFO", "True", "True"]


def _import_torchrec(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k != "TZREC_LIBRARY_NOTICES"}
    clean.update(env)
    code = (
        "import tzrec, torch\n"
        "from torchrec.sparse.jagged_tensor import KeyedJaggedTensor\n"
        "kjt = KeyedJaggedTensor(['a'], torch.tensor([1]), lengths=torch.tensor([1]))\n"
        "kjt['a']\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=clean, timeout=120
    )


def test_library_notices_are_silenced_unless_asked_for() -> None:
    quiet = _import_torchrec()
    assert quiet.returncode == 0, quiet.stderr
    assert "is_fx_tracing" not in quiet.stderr
    loud = _import_torchrec(TZREC_LIBRARY_NOTICES="1")
    assert "is_fx_tracing" in loud.stderr
