"""Normalizer option parsing and the four transforms."""

from __future__ import annotations

import numpy as np
import pytest

from tzrec.features.errors import FeatureConfigError
from tzrec.features.normalizer import Normalizer


def test_log10() -> None:
    n = Normalizer.parse("method=log10,threshold=1e-10,default=-10", "ctr")
    assert n.method == "log10"
    got = n.apply(np.array([100.0, 1e-12, 0.0, -5.0, 0.001]))
    np.testing.assert_allclose(got, [2.0, -10.0, -10.0, -10.0, -3.0])
    # Defaults: threshold 1e-10, default -10; threshold is exclusive.
    n = Normalizer.parse("method=log10,threshold=10,default=0", "ctr")
    np.testing.assert_allclose(n.apply(np.array([10.0, 1000.0])), [0.0, 3.0])
    np.testing.assert_allclose(Normalizer.parse("method=log10", "c").apply(np.array([0.0])), [-10])


def test_zscore_and_minmax() -> None:
    n = Normalizer.parse("method=zscore,mean=2.0,standard_deviation=4.0", "f")
    np.testing.assert_allclose(n.apply(np.array([2.0, 10.0, -2.0])), [0.0, 2.0, -1.0])
    n = Normalizer.parse(" method = minmax , min=2.0 , max=4.0 ", "f")
    np.testing.assert_allclose(n.apply(np.array([[2.0, 3.0], [4.0, 5.0]])), [[0, 0.5], [1, 1.5]])


def test_expression() -> None:
    n = Normalizer.parse("method=expression,expr=sign(x)", "f")
    np.testing.assert_allclose(n.apply(np.array([-3.0, 0.0, 2.0])), [-1.0, 0.0, 1.0])
    # expr takes the rest of the text, commas included.
    n = Normalizer.parse("method=expression,expr=min(x, 1) * 2", "f")
    np.testing.assert_allclose(n.apply(np.array([0.25, 3.0])), [0.5, 2.0])
    with pytest.raises(FeatureConfigError, match=r"feature 'f'.*normalizer"):
        Normalizer.parse("method=expression,expr=y + 1", "f")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("method=bogus", "method must be one of"),
        ("threshold=1", "method must be one of"),
        ("method=zscore,scale=2", "unknown setting"),
        ("method=zscore,mean=abc", "mean=abc is not a number"),
        ("method=zscore,standard_deviation=0", "must not be 0"),
        ("method=minmax,min=1", "max required"),
        ("method=minmax,min=1,max=1", "must differ"),
        ("method=log10,threshold", "not key=value"),
        ("method=log10,default=1,default=2", "set twice"),
    ],
)
def test_bad_options(text: str, match: str) -> None:
    with pytest.raises(FeatureConfigError, match=match) as e:
        Normalizer.parse(text, "price")
    assert "feature 'price'" in str(e.value)
