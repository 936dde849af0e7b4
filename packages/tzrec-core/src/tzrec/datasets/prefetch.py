"""Read ahead: run an iterator in a background thread, a few items ahead of its consumer.

Decoding Parquet/CSV happens in pyarrow's C++ code without the GIL, so reading record
batch i+1 in a thread while batch i is parsed (numpy, mostly without the GIL too)
overlaps the two on a second core instead of running them one after the other.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetch(source: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Yield ``source``'s items, produced by a daemon thread up to ``depth`` items ahead.

    An exception in ``source`` is re-raised in the consumer at the point it occurred in
    the stream. Closing the returned generator early (or dropping it, as an abandoned
    DataLoader iterator does) stops the thread after its current item, also when the
    thread had already read all of ``source`` and was waiting to hand over the rest.

    Args:
        source: the iterator to run ahead (it is consumed only by the thread).
        depth: the most items buffered; 0 runs ``source`` in the caller, no thread.
    """
    if depth <= 0:
        yield from source
        return
    items: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        """Queue ``item`` unless the consumer has stopped; False when it has."""
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        # Every put, the end marker and a failure included, gives up once the consumer
        # stops: a blocking put into a full queue nobody reads would never return.
        try:
            for item in source:
                if not put(item):
                    return
        except BaseException as e:  # handed to the consumer, re-raised there
            put(_Failure(e))
            return
        put(_DONE)

    thread = threading.Thread(target=produce, name="tzrec-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
