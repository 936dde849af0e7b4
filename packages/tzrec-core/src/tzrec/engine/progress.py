r"""Training progress on the console: a live line on a terminal, log lines elsewhere.

On an interactive terminal one line rewrites itself (``\r``) with the step, loss,
throughput and time left. When the output goes to a file or a job log, a line is logged
every ``log_every`` steps instead (TorchEasyRec's ``log_step_count_steps``), but never
less than ``min_interval_s`` after the previous one, so tiny steps do not flood the log.
Only rank 0 reports; other ranks' reporters do nothing.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import TextIO

from tzrec.utils.logging_util import logger

#: Weight of the newest window in the smoothed rates (exponential moving average).
SMOOTHING = 0.3
#: Shortest time between two redraws of the interactive line, in seconds.
REDRAW_INTERVAL_S = 0.1


def format_count(value: float) -> str:
    """A count for people: ``950``, ``41.2k``, ``2.1M``, ``3.4G``."""
    for threshold, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= threshold:
            return f"{value / threshold:.1f}{suffix}"
    return f"{value:.0f}"


def format_duration(seconds: float) -> str:
    """Seconds as ``H:MM:SS`` (``?`` when unknown or infinite)."""
    if not math.isfinite(seconds) or seconds < 0:
        return "?"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def format_lrs(lrs: dict[str, float]) -> str:
    """Learning rates: one value when all agree, else ``lr NAME VALUE`` per optimizer."""
    if not lrs:
        return ""
    values = list(lrs.values())
    if all(v == values[0] for v in values):
        return f"lr {values[0]:.1e}"
    return "lr " + " ".join(f"{name} {value:.1e}" for name, value in lrs.items())


class _SmoothedRate:
    """Events per second over windows, smoothed by an exponential moving average."""

    def __init__(self) -> None:
        self.value: float | None = None

    def add_window(self, amount: float, seconds: float) -> None:
        if seconds <= 0:
            return
        rate = amount / seconds
        self.value = rate if self.value is None else SMOOTHING * rate + (1 - SMOOTHING) * self.value


class ProgressReporter:
    """Shows how training advances: step, loss, learning rate, samples/s and ETA.

    Call :meth:`update` after every step and :meth:`close` at the end.

    Args:
        total_steps: the last step of the run, or None when unknown (no ETA then).
        log_every: log a line every this many steps when not interactive.
        rank: the process's rank; only rank 0 reports.
        stream: where the interactive line goes; default ``sys.stderr``.
        interactive: rewrite one line in place; None asks ``stream.isatty()``.
        min_interval_s: skip a log line if the previous one is younger than this.
        desc: what is running (``"train"``, ``"eval"``), the first word of each line.
        clock: seconds from a monotonic clock; tests inject a fake one.
    """

    def __init__(
        self,
        total_steps: int | None,
        log_every: int,
        rank: int = 0,
        stream: TextIO | None = None,
        interactive: bool | None = None,
        min_interval_s: float = 1.0,
        desc: str = "train",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if log_every < 1:
            raise ValueError(f"log_every must be at least 1, got {log_every}")
        self.total_steps = total_steps
        self.log_every = log_every
        self.enabled = rank == 0
        self.stream: TextIO = stream if stream is not None else sys.stderr
        if interactive is None:
            isatty = getattr(self.stream, "isatty", None)
            interactive = bool(isatty and isatty())
        self.interactive = interactive
        self.min_interval_s = min_interval_s
        self.desc = desc
        self._clock = clock
        self._window_start = clock()
        self._window_samples = 0
        self._window_steps = 0
        self._last_step: int | None = None
        self._last_loss: float | None = None
        self._last_emit: float | None = None
        self._line_width = 0
        self._sample_rate = _SmoothedRate()
        self._step_rate = _SmoothedRate()

    @property
    def samples_per_s(self) -> float:
        """The smoothed throughput at the last emitted line (0 before the first)."""
        return self._sample_rate.value or 0.0

    def update(
        self,
        step: int,
        samples: int,
        loss: float | None,
        lrs: dict[str, float],
        extra: dict[str, float] | None = None,
    ) -> None:
        """Record a finished step and show it when due.

        Args:
            step: the global step just finished (1-based).
            samples: samples processed since the previous ``update`` call.
            loss: the step's loss, or None when not computed this step (the line then
                shows the last loss given).
            lrs: learning rate per optimizer name.
            extra: more values to show, e.g. a running train metric.
        """
        if not self.enabled:
            return
        if loss is not None:
            self._last_loss = loss
        steps_done = step - self._last_step if self._last_step is not None else 1
        self._last_step = step
        self._window_samples += samples
        self._window_steps += max(steps_done, 0)
        now = self._clock()
        if self.interactive:
            final = self.total_steps is not None and step >= self.total_steps
            if final or self._due(now, REDRAW_INTERVAL_S):
                self._close_window(now)
                self._redraw(self.format_line(step, self._last_loss, lrs, extra))
            return
        if step % self.log_every == 0 and self._due(now, self.min_interval_s):
            self._close_window(now)
            logger.info(self.format_line(step, self._last_loss, lrs, extra))

    def format_line(
        self,
        step: int,
        loss: float | None,
        lrs: dict[str, float],
        extra: dict[str, float] | None = None,
    ) -> str:
        """One progress line with the current smoothed rates."""
        total = f"/{self.total_steps}" if self.total_steps is not None else ""
        parts = [f"{self.desc} step {step}{total}"]
        if loss is not None:
            parts.append(f"loss {loss:.4f}")
        if lrs:
            parts.append(format_lrs(lrs))
        for name, value in (extra or {}).items():
            parts.append(f"{name} {value:.4g}")
        if self._sample_rate.value is not None:
            parts.append(f"{format_count(self._sample_rate.value)} samples/s")
        if self.total_steps is not None and self._step_rate.value:
            remaining = max(self.total_steps - step, 0) / self._step_rate.value
            parts.append(f"eta {format_duration(remaining)}")
        return "  ".join(parts)

    def close(self) -> None:
        """End the interactive line so later output starts on a fresh line."""
        if self.enabled and self.interactive and self._line_width:
            self.stream.write("\n")
            self.stream.flush()
            self._line_width = 0

    def _due(self, now: float, interval: float) -> bool:
        return self._last_emit is None or now - self._last_emit >= interval

    def _close_window(self, now: float) -> None:
        elapsed = now - self._window_start
        self._sample_rate.add_window(self._window_samples, elapsed)
        self._step_rate.add_window(self._window_steps, elapsed)
        self._window_start = now
        self._window_samples = 0
        self._window_steps = 0
        self._last_emit = now

    def _redraw(self, line: str) -> None:
        padding = " " * max(self._line_width - len(line), 0)
        self.stream.write("\r" + line + padding)
        self.stream.flush()
        self._line_width = len(line)
