"""``--nproc-per-node N``: re-run the same command as N processes under torchrun."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence

NPROC_FLAGS = ("--nproc-per-node", "--nproc_per_node")


def strip_nproc(argv: Sequence[str]) -> list[str]:
    """``argv`` without the ``--nproc-per-node`` option (both spellings and forms)."""
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in NPROC_FLAGS:
            skip = True
            continue
        if any(arg.startswith(flag + "=") for flag in NPROC_FLAGS):
            continue
        out.append(arg)
    return out


def under_launcher() -> bool:
    """Whether this process was started by torchrun (or another launcher)."""
    return "WORLD_SIZE" in os.environ and "RANK" in os.environ


def relaunch(nproc_per_node: int, argv: Sequence[str] | None = None) -> int:
    """Run ``tzrec <argv>`` as ``nproc_per_node`` local processes through torchrun.

    Returns:
        the launcher's exit status.
    """
    args = strip_nproc(sys.argv[1:] if argv is None else argv)
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc-per-node={nproc_per_node}",
        "-m",
        "tzrec_cli",
        *args,
    ]
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", str(max((os.cpu_count() or 1) // nproc_per_node, 1)))
    return subprocess.call(command, env=env)
