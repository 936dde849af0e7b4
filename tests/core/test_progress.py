"""ProgressReporter: rate-limited log lines, the live terminal line, rates and ETA."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from tzrec.engine.progress import (
    ProgressReporter,
    format_count,
    format_duration,
    format_lrs,
)
from tzrec.utils.logging_util import logger


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def logged() -> Iterator[list[str]]:
    """Messages logged on the tzrec logger (which does not propagate to caplog)."""
    handler = ListHandler()
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def test_formatting_helpers() -> None:
    assert format_count(950) == "950"
    assert format_count(41_234) == "41.2k"
    assert format_count(2_100_000) == "2.1M"
    assert format_duration(70) == "0:01:10"
    assert format_duration(3725.4) == "1:02:05"
    assert format_duration(float("inf")) == "?"
    assert format_lrs({"sparse": 1e-3, "dense": 1e-3}) == "lr 1.0e-03"
    assert format_lrs({"sparse": 0.05, "dense": 1e-3}) == "lr sparse 5.0e-02 dense 1.0e-03"
    assert format_lrs({}) == ""


def test_non_interactive_logs_every_n_steps_with_rates_and_eta(logged: list[str]) -> None:
    clock = FakeClock()
    reporter = ProgressReporter(
        total_steps=1000, log_every=100, stream=io.StringIO(), interactive=False, clock=clock
    )
    for step in range(1, 101):
        clock.now += 0.02  # 100 steps of 512 samples in 2 s
        reporter.update(step, 512, 0.5, {"dense": 1e-3})
    # 51200 samples / 2 s = 25.6k/s; 50 steps/s -> 900 steps left take 18 s.
    assert logged == ["train step 100/1000  loss 0.5000  lr 1.0e-03  25.6k samples/s  eta 0:00:18"]
    assert reporter.samples_per_s == pytest.approx(25_600)
    for step in range(101, 201):
        clock.now += 0.04  # now 4 s per 100 steps: 12.8k/s; smoothed 0.3*12.8k + 0.7*25.6k
        reporter.update(step, 512, 0.25, {"dense": 1e-3}, extra={"auc": 0.71234})
    smoothed = 0.3 * 12_800 + 0.7 * 25_600  # 21760
    steps_rate = 0.3 * 25 + 0.7 * 50  # 42.5 steps/s; 800 left -> 18.8 s
    assert reporter.samples_per_s == pytest.approx(smoothed)
    assert logged[1] == (
        f"train step 200/1000  loss 0.2500  lr 1.0e-03  auc 0.7123  "
        f"{format_count(smoothed)} samples/s  eta {format_duration(800 / steps_rate)}"
    )
    assert logged[1].endswith("21.8k samples/s  eta 0:00:19")


def test_non_interactive_skips_a_log_within_min_interval(logged: list[str]) -> None:
    clock = FakeClock()
    reporter = ProgressReporter(
        total_steps=None, log_every=10, interactive=False, min_interval_s=1.0, clock=clock
    )
    for step in range(1, 41):
        clock.now += 0.03  # 10 steps take 0.3 s: a log is due every 10 steps, allowed every ~1 s
        reporter.update(step, 10, None, {})
    # step 10 (first log) at +0.3 s; 20 (+0.6) and 30 (+0.9) are too soon; 40 at +1.2 s is
    # 0.9 s after step 10 -- still too soon.
    assert [m.split("  ")[0] for m in logged] == ["train step 10"]
    for step in range(41, 51):
        clock.now += 0.03
        reporter.update(step, 10, None, {})
    assert [m.split("  ")[0] for m in logged] == ["train step 10", "train step 50"]
    # The window since step 10 holds 400 samples in 1.2 s; no total, so no ETA.
    first = 100 / 0.3
    expected = 0.3 * (400 / 1.2) + 0.7 * first
    assert reporter.samples_per_s == pytest.approx(expected)
    assert "eta" not in logged[1]


def test_interactive_rewrites_one_line_and_close_ends_it() -> None:
    clock = FakeClock()
    stream = io.StringIO()
    reporter = ProgressReporter(
        total_steps=3, log_every=100, stream=stream, interactive=True, clock=clock, desc="eval"
    )
    for step, loss, extra in ((1, 0.123456, None), (2, None, {"auc": 0.5}), (3, 0.5, None)):
        clock.now += 1.0
        reporter.update(step, 4, loss, {}, extra)
    reporter.close()
    text = stream.getvalue()
    assert text.startswith("\r")
    assert text.endswith("\n")
    frames = text[:-1].split("\r")[1:]
    assert len(frames) == 3
    assert frames[0].startswith("eval step 1/3  loss 0.1235  4 samples/s  eta 0:00:02")
    assert frames[1].startswith("eval step 2/3  loss 0.1235  ")  # the last loss given
    # A shorter line is padded to blank out the tail of the longer one before it.
    assert len(frames[2]) == len(frames[1])
    assert frames[2].endswith("   ")
    assert frames[2].rstrip() == "eval step 3/3  loss 0.5000  4 samples/s  eta 0:00:00"


def test_interactive_redraws_at_most_every_tenth_of_a_second() -> None:
    clock = FakeClock()
    stream = io.StringIO()
    reporter = ProgressReporter(
        total_steps=100, log_every=1, stream=stream, interactive=True, clock=clock
    )
    for step in range(1, 101):
        clock.now += 0.011
        reporter.update(step, 1, 0.1, {})
    # First step draws, then every 10th step (0.11 s >= 0.1 s) -- steps 11, 21, ... 91 --
    # and the final step always draws: 1 + 9 + 1.
    assert stream.getvalue().count("\r") == 11


def test_interactive_default_follows_isatty() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert ProgressReporter(10, 1, stream=Tty()).interactive is True
    assert ProgressReporter(10, 1, stream=io.StringIO()).interactive is False


def test_other_ranks_stay_silent(logged: list[str]) -> None:
    stream = io.StringIO()
    for interactive in (True, False):
        reporter = ProgressReporter(
            total_steps=2, log_every=1, rank=1, stream=stream, interactive=interactive
        )
        reporter.update(1, 8, 0.3, {})
        reporter.update(2, 8, 0.3, {})
        reporter.close()
    assert stream.getvalue() == ""
    assert logged == []


def test_log_every_must_be_positive() -> None:
    with pytest.raises(ValueError, match="log_every must be at least 1, got 0"):
        ProgressReporter(total_steps=10, log_every=0)
