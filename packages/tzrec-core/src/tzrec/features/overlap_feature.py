r"""OverlapFeature: how much a query's terms overlap a title's terms.

``query`` and ``title`` are term lists: strings split by ``separator`` (default
``"\x1d"``) or list columns. Terms compare by their text. With Q the query terms
(m of them, in order, repeats kept) and T the title terms (n of them), ``method`` is:

- ``query_common_ratio``: the share of Q's positions whose term occurs in T, in [0, 1].
- ``title_common_ratio``: the share of T's positions whose term occurs in Q, in [0, 1].
- ``is_equal``: 1 if Q and T are the same sequence, else 0.
- ``index_of``: the first position (0-based, in terms) where Q occurs in T as a
  contiguous run, -1 if it does not.
- ``is_contain``: 1 if Q occurs in T as a contiguous run (in order), else 0.
- ``proximity_min_cover``: the length (in terms) of the shortest run of T containing
  every distinct term of Q; 0 if some query term is not in T. In [0, n].
- ``proximity_min_dist`` / ``proximity_max_dist`` / ``proximity_avg_dist``: for every
  pair of distinct query terms that both occur in T, their distance is the smallest
  ``|i - j|`` over their positions i, j in T; the result is the minimum / maximum /
  mean of those pair distances, or ``n + 1`` when fewer than two distinct query terms
  occur in T. In [1, n + 1].

A row whose query or title has no terms has no result and takes ``default_value``
(default ``"0"``). The result is normalized by ``normalizer`` (the FG output), then
bucketized by ``boundaries`` (sparse) or kept as one float (dense).

Everything is computed on (query term, title term) pairs of all rows at once, so the
cost is the sum over rows of ``m * n``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from google.protobuf.message import Message

from tzrec.features.errors import FeatureConfigError
from tzrec.features.feature import FeatureContext, SequenceSpec
from tzrec.features.hashing import value_text
from tzrec.features.ragged import Ragged, as_ragged, offsets_of
from tzrec.features.raw_feature import NumericFeature

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

METHODS = (
    "query_common_ratio",
    "title_common_ratio",
    "is_contain",
    "is_equal",
    "index_of",
    "proximity_min_cover",
    "proximity_min_dist",
    "proximity_max_dist",
    "proximity_avg_dist",
)


def cross_pairs(a_len: I64, b_len: I64) -> tuple[I64, I64]:
    """All (a, b) element pairs within each row, a-major and b ascending per a.

    Args:
        a_len: elements of side a per row.
        b_len: elements of side b per row.

    Returns:
        (ia, ib): global element indexes into a's and b's flat arrays.
    """
    a_row = np.repeat(np.arange(len(a_len), dtype=np.int64), a_len)
    reps = b_len[a_row]
    ia = np.repeat(np.arange(len(a_row), dtype=np.int64), reps)
    block_start = np.cumsum(reps) - reps
    pos = np.arange(int(reps.sum()), dtype=np.int64) - np.repeat(block_start, reps)
    ib = offsets_of(b_len)[:-1][a_row][ia] + pos
    return ia, ib


def _term_ids(query: pa.Array, title: pa.Array) -> tuple[I64, I64]:
    """Integer ids of the query and title terms (same text, same id)."""
    q_text, t_text = value_text(query), value_text(title)
    both = pa.concat_arrays([q_text.cast(pa.string()), t_text.cast(pa.string())])
    ids = pc.dictionary_encode(both).indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return ids[: len(query)], ids[len(query) :]


class _Pairs:
    """The (query term, title term) pairs of a batch and what each method needs."""

    def __init__(self, q: Ragged, t: Ragged) -> None:
        self.qlen = q.lengths.astype(np.int64)
        self.tlen = t.lengths.astype(np.int64)
        self.q_off = offsets_of(self.qlen)
        self.t_off = offsets_of(self.tlen)
        self.q_row = q.row_ids()
        self.t_row = t.row_ids()
        self.q_ids, self.t_ids = _term_ids(q.values, t.values)
        self.ia, self.ib = cross_pairs(self.qlen, self.tlen)
        self.row = self.q_row[self.ia]
        self.match = self.q_ids[self.ia] == self.t_ids[self.ib]
        self.qi = self.ia - self.q_off[self.row]
        self.tj = self.ib - self.t_off[self.row]
        self.n = len(self.qlen)

    def common_ratio(self, query_side: bool) -> F64:
        idx, size, rows, lens = (
            (self.ia, len(self.q_ids), self.q_row, self.qlen)
            if query_side
            else (self.ib, len(self.t_ids), self.t_row, self.tlen)
        )
        hit = np.bincount(idx[self.match], minlength=size) > 0
        common = np.bincount(rows, weights=hit, minlength=self.n)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(common / lens, dtype=np.float64)

    def is_equal(self) -> F64:
        same = self.match & (self.qi == self.tj)
        count = np.bincount(self.row[same], minlength=self.n)
        return ((self.qlen == self.tlen) & (count == self.qlen)).astype(np.float64)

    def index_of(self) -> F64:
        start = self.tj - self.qi
        ok = self.match & (start >= 0) & (start + self.qlen[self.row] <= self.tlen[self.row])
        key = self.t_off[self.row][ok] + start[ok]
        count = np.bincount(key, minlength=len(self.t_ids))
        full = np.flatnonzero((count == self.qlen[self.t_row]) & (self.qlen[self.t_row] > 0))
        out = np.full(self.n, np.iinfo(np.int64).max, dtype=np.int64)
        rows = self.t_row[full]
        np.minimum.at(out, rows, full - self.t_off[rows])
        return np.where(out == np.iinfo(np.int64).max, -1, out).astype(np.float64)

    def _distinct_query_pairs(self) -> npt.NDArray[np.bool_]:
        """Pairs whose query term is the first occurrence of its term in its row."""
        width = int(max(self.q_ids.max(initial=0), self.t_ids.max(initial=0))) + 1
        _, first = np.unique(self.q_row * width + self.q_ids, return_index=True)
        is_first = np.zeros(len(self.q_ids), dtype=bool)
        is_first[first] = True
        return is_first[self.ia]

    def min_cover(self) -> F64:
        keep = self._distinct_query_pairs()
        ia, ib, tj, match = self.ia[keep], self.ib[keep], self.tj[keep], self.match[keep]
        inf = int(self.tlen.max(initial=0)) + 1  # beyond every title position
        big = inf + 1
        # Next occurrence at or after each title position, per distinct query term: a
        # reverse running minimum within each (query term) block of pairs; block g is
        # offset by g * big so that the minimum never crosses blocks.
        _, block = np.unique(ia, return_inverse=True)
        enc = block * big + np.where(match, tj, inf)
        nxt = np.minimum.accumulate(enc[::-1])[::-1] - block * big
        end = np.full(len(self.t_ids), -1, dtype=np.int64)
        np.maximum.at(end, ib, nxt)
        local = np.arange(len(self.t_ids), dtype=np.int64) - self.t_off[self.t_row]
        covered = (end >= 0) & (end < inf)
        width = np.where(covered, end - local + 1, np.iinfo(np.int64).max)
        out = np.full(self.n, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(out, self.t_row, width)
        return np.where(out == np.iinfo(np.int64).max, 0, out).astype(np.float64)

    def pair_distance(self, how: str) -> F64:
        keep = self._distinct_query_pairs() & self.match
        term, pos, row = self.ia[keep], self.tj[keep], self.row[keep]
        occ_len = np.bincount(row, minlength=self.n).astype(np.int64)
        oa, ob = cross_pairs(occ_len, occ_len)
        distinct = term[oa] < term[ob]
        oa, ob = oa[distinct], ob[distinct]
        dist = np.abs(pos[oa] - pos[ob])
        key = term[oa] * (len(self.q_ids) + 1) + term[ob]
        uniq, inv = np.unique(key, return_inverse=True)
        dmin = np.full(len(uniq), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(dmin, inv, dist)
        pair_row = np.zeros(len(uniq), dtype=np.int64)
        pair_row[inv] = row[oa]
        none = (self.tlen + 1).astype(np.float64)
        count = np.bincount(pair_row, minlength=self.n)
        has = count > 0
        if how == "avg":
            total = np.bincount(pair_row, weights=dmin.astype(np.float64), minlength=self.n)
            return np.where(has, total / np.maximum(count, 1), none)
        out = np.full(self.n, np.iinfo(np.int64).max if how == "min" else -1, dtype=np.int64)
        (np.minimum if how == "min" else np.maximum).at(out, pair_row, dmin)
        return np.where(has, out.astype(np.float64), none)


def overlap(method: str, query: Ragged, title: Ragged) -> tuple[F64, npt.NDArray[np.bool_]]:
    """The overlap measure per row (see module doc), and which rows have one.

    Args:
        method: one of :data:`METHODS`.
        query: the query terms per row.
        title: the title terms per row.
    """
    p = _Pairs(query, title)
    has = (p.qlen > 0) & (p.tlen > 0)
    if method == "query_common_ratio":
        out = p.common_ratio(True)
    elif method == "title_common_ratio":
        out = p.common_ratio(False)
    elif method == "is_equal":
        out = p.is_equal()
    elif method == "index_of":
        out = p.index_of()
    elif method == "is_contain":
        out = (p.index_of() >= 0).astype(np.float64)
    elif method == "proximity_min_cover":
        out = p.min_cover()
    else:
        out = p.pair_distance(method.split("_")[1])
    return out, has


class OverlapFeature(NumericFeature):
    """``overlap_feature``: a term-overlap measure between ``query`` and ``title``."""

    config_type = "overlap_feature"

    def __init__(
        self,
        config: Message,
        context: FeatureContext | None = None,
        sequence: SequenceSpec | None = None,
    ) -> None:
        super().__init__(config, context, sequence)
        self.method = str(self.config.method)
        if self.method not in METHODS:
            raise FeatureConfigError(
                self.name, f"method must be one of {', '.join(METHODS)}, got '{self.method}'"
            )

    @property
    def value_dim(self) -> int:
        """One number per row (1)."""
        return int(self.config.value_dim)

    def _input_texts(self) -> Sequence[str]:
        texts = [str(t) for t in (self.config.query, self.config.title) if t]
        if texts and len(texts) != 2:
            raise FeatureConfigError(self.config_name, "an overlap_feature needs query and title")
        return texts

    def _fg(self, inputs: list[pa.Array]) -> pa.Array:
        """The overlap per row, normalized (rows without terms: none)."""
        sep = str(self.config.separator) or None
        query, title = (as_ragged(a, sep) for a in inputs)
        out, has = overlap(self.method, query, title)
        nums = self._normalize(out[has])
        return Ragged(pa.array(nums, type=pa.float64()), has.astype(np.int32)).to_list_array()
