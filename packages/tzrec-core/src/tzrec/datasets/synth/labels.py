"""The planted label signal: labels a model can learn from a few chosen columns.

Random labels would make a synthetic run useless for checking that training works, so
the labels depend on a few planted columns (:func:`planted_columns`, reported as
:attr:`~.write.SynthResult.planted`). Each planted column gets an effect per distinct
value (N(0, 1), standardized to mean 0 and variance 1 under the column's value
distribution) or, for a float column, a random sign times the log of its (log-normal)
value (:func:`row_effect`). Up to :data:`NUM_PLANTED_SPARSE` sparse columns with the
fewest distinct values and :data:`NUM_PLANTED_DENSE` float columns carry it.

A row's score ``z`` is the sum of its planted effects (a multi-value row averages its
values' effects) scaled to a standard deviation of about :data:`SIGNAL_SCALE`; label
``k`` is ``Bernoulli(sigmoid(z + bias_k + LABEL_NOISE * noise_k))`` with bias 0 for the
first label (positive rate about 0.5) and -1 for the others (about 0.35), so several
labels are correlated through ``z`` (correlation about 0.35). A model that learns
per-value embeddings of the planted columns beats AUC 0.5 clearly: on the Taobao
example config the per-value positive rates of the three planted columns alone, summed
as log-odds, reach an eval AUC of about 0.85, while three unplanted columns stay at 0.5.

The effects depend only on the seed and the column name, so train and eval share them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tzrec.datasets.synth.draw import DrawnElements, code_probs, random_stream
from tzrec.datasets.synth.spec import ColumnSpec, Kind
from tzrec.features.ragged import offsets_of
from tzrec.protos import data_pb2

#: How many sparse and float columns carry the label signal.
NUM_PLANTED_SPARSE = 3
NUM_PLANTED_DENSE = 2
#: Standard deviation (about) of the planted logit, and of each label's own noise.
SIGNAL_SCALE = 2.0
LABEL_NOISE = 0.5

#: Kinds whose elements have value codes an effect can be attached to.
_CODED_KINDS = (Kind.INT_ID, Kind.STR_ID, Kind.VOCAB, Kind.BUCKET_FLOAT)


def planted_columns(plan: Mapping[str, ColumnSpec]) -> list[str]:
    """The columns carrying the label signal, in plan order.

    Candidates are non-sequence columns with value codes (ids, words, bucketed floats;
    not joined text) of at least 2 distinct values — the NUM_PLANTED_SPARSE with the
    fewest distinct values, ties in column order — and the first NUM_PLANTED_DENSE
    non-sequence float columns (fixed width).
    """
    sparse = [
        (spec.distinct, i, name)
        for i, (name, spec) in enumerate(plan.items())
        if spec.sequence is None
        and spec.joiner is None
        and spec.kind in _CODED_KINDS
        and spec.distinct >= 2
    ]
    dense = [
        name
        for name, spec in plan.items()
        if spec.sequence is None and spec.kind == Kind.FLOAT and spec.width != 0
    ]
    chosen = {name for _, _, name in sorted(sparse)[:NUM_PLANTED_SPARSE]}
    chosen |= set(dense[:NUM_PLANTED_DENSE])
    return [name for name in plan if name in chosen]


def row_effect(
    seed: int, spec: ColumnSpec, column: str, drawn: DrawnElements
) -> npt.NDArray[np.float64]:
    """Each row's planted effect of one column.

    Coded columns: the mean of the row's values' effects (unit variance per column);
    float columns: a random sign times the log of the row's first value.
    """
    rng = random_stream(seed, "effect", column)
    if drawn.codes is None:
        assert drawn.log_values is not None
        sign = 1.0 if rng.random() < 0.5 else -1.0
        return sign * drawn.log_values[offsets_of(drawn.lengths)[:-1]]
    effects = rng.normal(0.0, 1.0, size=spec.distinct)
    # Standardize under the code distribution, so each column adds unit variance.
    probs = code_probs(spec)
    mean = float(probs @ effects)
    std = math.sqrt(max(float(probs @ (effects - mean) ** 2), 1e-12))
    effects = (effects - mean) / std
    n = len(drawn.lengths)
    row_ids = np.repeat(np.arange(n), drawn.lengths)
    sums = np.bincount(row_ids, weights=effects[drawn.codes], minlength=n)
    return sums / np.maximum(drawn.lengths, 1)


def planted_logit(effect_sum: npt.NDArray[np.float64], num_planted: int) -> npt.NDArray[np.float64]:
    """The rows' planted logit ``z``: the effect sum scaled to about SIGNAL_SCALE std."""
    if not num_planted:
        return effect_sum
    return effect_sum * (SIGNAL_SCALE / math.sqrt(num_planted))


def rank_auc(scores: npt.NDArray[np.float64], labels: npt.NDArray[np.int64]) -> float:
    """Exact ROC AUC of ``scores`` for binary ``labels`` (ties count one half).

    Returns NaN when only one class is present.
    """
    scores = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(labels) > 0
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2.0  # 1-based, ties averaged
    ranks = average_rank[inverse]
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def label_columns(
    data_config: data_pb2.DataConfig,
    effect_sum: npt.NDArray[np.float64],
    num_planted: int,
    seed: int,
    split: str,
    existing: Mapping[str, pa.Array],
) -> dict[str, pa.Array]:
    """Label columns (int64 0/1 from the planted signal) and sample weights.

    Args:
        data_config: names the label and sample weight fields.
        effect_sum: each row's sum of :func:`row_effect` over the planted columns.
        num_planted: how many columns the sum is over (scales it to SIGNAL_SCALE).
        seed: the random seed.
        split: names the random streams (as the split's feature columns).
        existing: columns already drawn; a label or weight that is also a feature input
            (PEPNet's domain label) keeps the feature's column.

    Returns:
        the new columns, labels first, in config order.
    """
    logit_base = planted_logit(effect_sum, num_planted)
    n = len(effect_sum)
    out: dict[str, pa.Array] = {}

    def wanted(name: str) -> bool:
        return name not in existing and name not in out

    for k, name in enumerate(data_config.label_fields):
        if wanted(name):
            rng = random_stream(seed, split, "label", name)
            bias = 0.0 if k == 0 else -1.0
            logit = logit_base + bias + LABEL_NOISE * rng.normal(size=n)
            label = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
            out[name] = pa.array(label.astype(np.int64))
    for name in data_config.sample_weight_fields:
        if wanted(name):
            rng = random_stream(seed, split, "weight", name)
            out[name] = pa.array(rng.uniform(0.5, 2.0, size=n).astype(np.float32))
    return out
