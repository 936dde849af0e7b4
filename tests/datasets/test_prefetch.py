"""prefetch: items in order, errors re-raised in the consumer, early close stops the thread."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator

import pytest

from tzrec.datasets.prefetch import prefetch


def test_yields_every_item_in_order() -> None:
    assert list(prefetch(iter(range(100)), depth=3)) == list(range(100))
    assert list(prefetch(iter(range(5)), depth=0)) == list(range(5))


def test_runs_ahead_in_another_thread() -> None:
    threads: list[str] = []

    def source() -> Iterator[int]:
        for i in range(3):
            threads.append(threading.current_thread().name)
            yield i

    assert list(prefetch(source())) == [0, 1, 2]
    assert set(threads) == {"tzrec-read-ahead"}


def test_error_reaches_the_consumer_after_the_items_before_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise OSError("part-3.parquet: truncated")

    got = []
    with pytest.raises(OSError, match=r"part-3\.parquet: truncated"):
        for item in prefetch(source()):
            got.append(item)
    assert got == [1, 2]


def test_closing_early_stops_the_producer() -> None:
    produced = []

    def source() -> Iterator[int]:
        for i in range(1000):
            produced.append(i)
            yield i

    stream = prefetch(source(), depth=2)
    assert next(stream) == 0
    stream.close()
    time.sleep(0.3)
    count = len(produced)
    time.sleep(0.2)
    assert len(produced) == count < 10


def _read_ahead_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "tzrec-read-ahead"]


def _wait_for_no_read_ahead_thread(timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while _read_ahead_threads() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_closing_after_the_source_is_exhausted_stops_the_thread() -> None:
    # 3 items, depth 2: after one item is taken, the thread holds the queue full with
    # the last two and then must hand over the end marker; closing must still stop it.
    _wait_for_no_read_ahead_thread()
    stream = prefetch(iter(range(3)), depth=2)
    assert next(stream) == 0
    time.sleep(0.3)  # let the thread read everything and wait on the full queue
    stream.close()
    _wait_for_no_read_ahead_thread()
    assert _read_ahead_threads() == []


def test_closing_while_a_failure_waits_stops_the_thread() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise RuntimeError("read failed")

    _wait_for_no_read_ahead_thread()
    stream = prefetch(source(), depth=1)
    assert next(stream) == 1
    time.sleep(0.3)  # the queue holds 2; the failure waits for room
    del stream  # abandoned, as by a dropped DataLoader iterator
    gc.collect()
    _wait_for_no_read_ahead_thread()
    assert _read_ahead_threads() == []
