"""The engine: train and evaluate a configured model (predict: tzrec.engine.predict).

The entry points are imported lazily, so that the engine's light modules (history,
report) can be used without importing torchrec.
"""

from __future__ import annotations

from typing import Any

__all__ = ["evaluate", "train_and_evaluate"]


def __getattr__(name: str) -> Any:
    if name == "train_and_evaluate":
        from tzrec.engine.train_eval import train_and_evaluate

        return train_and_evaluate
    if name == "evaluate":
        from tzrec.engine.evaluate import evaluate

        return evaluate
    raise AttributeError(name)
