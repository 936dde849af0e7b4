"""``train_config.is_profiling``: a torch.profiler trace of a few training steps.

The trace (Chrome trace JSON, readable by TensorBoard's profiler plugin or
chrome://tracing / Perfetto) is written to ``MODEL_DIR/profiler/`` by every rank, after
a short wait and warm-up so it shows steady-state steps rather than start-up.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import torch
from torch.profiler import ProfilerActivity, profile, schedule, tensorboard_trace_handler

#: Steps skipped, warmed up and recorded.
WAIT_STEPS = 2
WARMUP_STEPS = 2
ACTIVE_STEPS = 5


class StepProfiler:
    """Wraps ``torch.profiler.profile``; call :meth:`step` after every training step."""

    def __init__(self, profiler: profile | None) -> None:
        self._profiler = profiler

    def step(self) -> None:
        """Advance the profiler's schedule (no-op when profiling is off)."""
        if self._profiler is not None:
            self._profiler.step()


@contextlib.contextmanager
def step_profiler(enabled: bool, model_dir: str, rank: int) -> Iterator[StepProfiler]:
    """A :class:`StepProfiler` that records when ``enabled``, else does nothing."""
    if not enabled:
        yield StepProfiler(None)
        return
    activities = [ProfilerActivity.CPU]
    if torch.cuda.is_available():
        activities.append(ProfilerActivity.CUDA)
    trace_dir = os.path.join(model_dir, "profiler")
    with profile(
        activities=activities,
        schedule=schedule(wait=WAIT_STEPS, warmup=WARMUP_STEPS, active=ACTIVE_STEPS, repeat=1),
        on_trace_ready=tensorboard_trace_handler(trace_dir, worker_name=f"rank{rank}"),
        record_shapes=True,
    ) as profiler:
        yield StepProfiler(profiler)
