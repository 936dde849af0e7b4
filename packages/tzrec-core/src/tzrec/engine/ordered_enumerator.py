"""TorchRec's sharding-option enumerator with a stable order, for reproducible plans.

TorchRec's ``EmbeddingEnumerator`` intersects the allowed and the constrained sharding
types (and compute kernels) as Python sets, so their order follows the string hash seed
(``PYTHONHASHSEED``, random per process). When two options cost the same in the
planner's estimates, which happens for small tables, the first one enumerated wins: the
same config was planned table_wise in one run and column_wise in the next (seen for
``deepfm_synthetic.config`` under hash seeds 0-3), and since the shards draw their
initial weights by plan, runs of one config did not start alike. This enumerator keeps
the constraint's order (tzrec's defaults list table_wise first), else TorchRec's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from torchrec.distributed.planner.enumerators import EmbeddingEnumerator


def _in_order(kept: Iterable[str], preferred: Sequence[str]) -> list[str]:
    """``kept`` sorted by position in ``preferred`` (others last, alphabetically)."""
    rank = {name: i for i, name in enumerate(preferred)}
    return sorted(kept, key=lambda name: (rank.get(name, len(rank)), name))


class OrderedEmbeddingEnumerator(EmbeddingEnumerator):
    """An ``EmbeddingEnumerator`` whose sharding types and kernels come in a fixed order."""

    def _filter_sharding_types(
        self, name: str, allowed_sharding_types: list[str], sharder_key: str = ""
    ) -> list[str]:
        kept = super()._filter_sharding_types(name, allowed_sharding_types, sharder_key)
        constraint = (self._constraints or {}).get(name)
        preferred = list(constraint.sharding_types or []) if constraint else []
        return _in_order(kept, preferred + list(allowed_sharding_types))

    def _filter_compute_kernels(
        self, name: str, allowed_compute_kernels: list[str], sharding_type: str
    ) -> list[str]:
        kept = super()._filter_compute_kernels(name, allowed_compute_kernels, sharding_type)
        constraint = (self._constraints or {}).get(name)
        preferred = list(constraint.compute_kernels or []) if constraint else []
        return _in_order(kept, preferred + list(allowed_compute_kernels))
