"""Errors of feature generation that name the feature, the input and the bad value."""

from __future__ import annotations

from typing import Any


class InvalidFgInputError(ValueError):
    """An input value a feature cannot turn into a feature value.

    The message names the feature, the input (column or ``side:name``) and the value,
    so the user can find the bad row; ``reason`` says what is wrong with it.

    Attributes:
        feature_name: the feature being generated.
        input_name: the input column or expression the value came from.
        value: the offending value (a sample of it for long values).
        reason: what is wrong, e.g. "id 12 is >= num_buckets 10".
    """

    def __init__(self, feature_name: str, input_name: str, value: Any, reason: str) -> None:
        self.feature_name = feature_name
        self.input_name = input_name
        self.value = value
        self.reason = reason
        shown = repr(value)
        if len(shown) > 200:
            shown = shown[:197] + "..."
        super().__init__(
            f"feature '{feature_name}': input '{input_name}' has bad value {shown}: {reason}"
        )


class FeatureConfigError(ValueError):
    """A feature config that is inconsistent (e.g. two bucketizers, unknown combiner)."""

    def __init__(self, feature_name: str, message: str) -> None:
        self.feature_name = feature_name
        super().__init__(f"feature '{feature_name}': {message}")
