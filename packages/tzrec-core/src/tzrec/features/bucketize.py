"""Bucketization: turning feature values into embedding-row ids.

A feature config sets at most one bucketizer (they are mutually exclusive):

- ``hash_bucket_size``: ``hash(text form) mod size`` (see :mod:`tzrec.features.hashing`).
- ``num_buckets``: the integer value is the id; it must satisfy ``0 <= v < num_buckets``
  (out of range is an error, there is no wrap-around).
- ``vocab_list`` / ``vocab_dict``: without ``default_bucketize_value`` ids 0 and 1 are
  reserved: 0 for the feature's ``default_value`` and 1 for out-of-vocabulary values;
  ``vocab_list[i]`` gets id ``i + 2`` and ``vocab_dict`` its own ids. A default_value
  that is in ``vocab_list`` keeps its vocabulary id; a ``vocab_dict`` entry equal to
  default_value is mapped to 0. With ``default_bucketize_value`` nothing is reserved:
  ``vocab_list[i]`` gets id ``i``, ``vocab_dict`` its ids, and every other value
  (default_value included) gets ``default_bucketize_value``.
- ``vocab_file``: a vocabulary file (relative paths resolve against the resource
  directory), read once: one word a line (a list: ids ``0, 1, ...`` in line order,
  blank lines skipped), or ``word id`` a line (a dict, recognised when every line has
  exactly two fields and an integer second one). Reserves nothing, so
  ``default_bucketize_value`` is required.
- ``boundaries``: ``bucket = number of boundaries b with value >= b``
  (``np.searchsorted(boundaries, value, side="right")``), compared in float32 like the
  config's float boundaries; ``num_embeddings = len(boundaries) + 1``. NaN goes to
  the last bucket.
- ``zch`` / ``dynamicemb``: the table maps raw 64-bit ids itself, so the ids are the
  values: integers (and integral floats, and strings of up to 18 digits) as they are,
  any other value ``hash(text form) & (2**63 - 1)``. ``num_embeddings`` is zch_size /
  max_capacity.

Values are looked up a column at a time: vocabularies through ``pc.index_in`` against
the vocabulary array, hashes and boundaries with numpy.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from tzrec.features.encoded import check_id_range, to_float64, to_int64
from tzrec.features.errors import FeatureConfigError
from tzrec.features.hashing import bucketize_hash, hash_values, value_text
from tzrec.features.ragged import Ragged, combine_chunks
from tzrec.features.values import SparseValue

#: Config fields that choose a bucketizer, in the order they are reported.
BUCKETIZER_FIELDS = (
    "hash_bucket_size",
    "num_buckets",
    "vocab_list",
    "vocab_dict",
    "vocab_file",
    "boundaries",
    "zch",
    "dynamicemb",
)
_OOV_RESERVED = 1
_DEFAULT_RESERVED = 0
_FIRST_VOCAB_ID = 2
_INT_TEXT_RE = r"^[+-]?\d{1,18}$"
_MASK63 = np.uint64(2**63 - 1)


def _is_set(config: Any, name: str) -> bool:
    fields = config.DESCRIPTOR.fields_by_name
    if name not in fields:
        return False
    if fields[name].is_repeated:  # repeated and map fields
        return len(getattr(config, name)) > 0
    return bool(config.HasField(name))


def _resolve(path: str, resource_dir: str | None) -> str:
    if resource_dir and not os.path.isabs(path):
        return os.path.join(resource_dir, path)
    return path


@dataclass
class Bucketizer:
    """Maps a feature's values to embedding-row ids.

    Build it with :meth:`from_config`. Attributes are the settings of the chosen kind.

    Attributes:
        feature_name: the feature, for error messages.
        kind: hash_bucket_size | num_buckets | vocab_list | vocab_dict | vocab_file |
            boundaries | zch | dynamicemb.
        size: hash_bucket_size / num_buckets / zch_size / max_capacity.
        vocab: vocabulary words (vocab_list / vocab_dict keys) in order.
        vocab_ids: the id of each word of ``vocab`` (vocab_list / vocab_dict).
        default_bucketize_value: the id of out-of-vocabulary values, if set.
        default_value: the feature's default_value ("" when none).
        vocab_path: the resolved vocab_file path.
        boundaries: sorted float32 boundaries.
    """

    feature_name: str
    kind: str
    size: int = 0
    vocab: list[str] = field(default_factory=list)
    vocab_ids: list[int] = field(default_factory=list)
    default_bucketize_value: int | None = None
    default_value: str = ""
    vocab_path: str = ""
    boundaries: npt.NDArray[np.float32] = field(
        default_factory=lambda: np.zeros(0, dtype=np.float32)
    )

    # ------------------------------------------------------------------ building
    @classmethod
    def from_config(
        cls, config: Any, feature_name: str, resource_dir: str | None = None
    ) -> Bucketizer | None:
        """The bucketizer a feature config sets, or None when it sets none.

        Args:
            config: a feature config message (any type; absent fields count as unset).
            feature_name: the feature's name, for error messages.
            resource_dir: directory a relative vocab_file resolves against.

        Raises:
            FeatureConfigError: when two bucketizers are set, or one is inconsistent
                (vocab_file without default_bucketize_value, unsorted boundaries, a
                size of 0).
        """
        chosen = [f for f in BUCKETIZER_FIELDS if _is_set(config, f)]
        if len(chosen) > 1:
            raise FeatureConfigError(
                feature_name,
                f"{' and '.join(chosen)} are set; a feature takes only one of "
                f"{', '.join(BUCKETIZER_FIELDS)}",
            )
        if not chosen:
            return None
        kind = chosen[0]
        dbv = (
            int(config.default_bucketize_value)
            if _is_set(config, "default_bucketize_value")
            else None
        )
        default_value = str(getattr(config, "default_value", "") or "")
        b = cls(feature_name, kind, default_bucketize_value=dbv, default_value=default_value)
        if kind in ("hash_bucket_size", "num_buckets"):
            b.size = int(getattr(config, kind))
        elif kind == "zch":
            b.size = int(config.zch.zch_size)
        elif kind == "dynamicemb":
            b.size = int(config.dynamicemb.max_capacity)
        elif kind == "vocab_list":
            b.vocab = [str(v) for v in config.vocab_list]
            b.vocab_ids = list(range(len(b.vocab)))
            if dbv is None:
                b.vocab_ids = [i + _FIRST_VOCAB_ID for i in b.vocab_ids]
        elif kind == "vocab_dict":
            items = sorted(config.vocab_dict.items())
            b.vocab = [str(k) for k, _ in items]
            b.vocab_ids = [int(v) for _, v in items]
            if dbv is None and default_value in b.vocab:
                b.vocab_ids[b.vocab.index(default_value)] = _DEFAULT_RESERVED
        elif kind == "vocab_file":
            if dbv is None:
                raise FeatureConfigError(
                    feature_name, "vocab_file reserves no ids; set default_bucketize_value"
                )
            b.vocab_path = _resolve(str(config.vocab_file), resource_dir)
        elif kind == "boundaries":
            bounds = np.asarray(list(config.boundaries), dtype=np.float32)
            if len(bounds) > 1 and not (np.diff(bounds) > 0).all():
                raise FeatureConfigError(
                    feature_name, f"boundaries must increase strictly, got {bounds.tolist()}"
                )
            b.boundaries = bounds
        if kind in ("hash_bucket_size", "num_buckets", "zch", "dynamicemb") and b.size <= 0:
            raise FeatureConfigError(feature_name, f"{kind} must be > 0")
        return b

    @cached_property
    def _file_vocab(self) -> tuple[list[str], list[int]]:
        """(words, ids) of the vocab_file, read on first use."""
        try:
            with open(self.vocab_path, encoding="utf-8") as f:
                lines = [line.strip() for line in f]
        except OSError as e:
            raise FeatureConfigError(
                self.feature_name, f"cannot read vocab_file '{self.vocab_path}': {e}"
            ) from e
        lines = [line for line in lines if line]
        fields = [line.split() for line in lines]
        is_dict = bool(fields) and all(len(f) == 2 and f[1].lstrip("+-").isdigit() for f in fields)
        if is_dict:
            return [f[0] for f in fields], [int(f[1]) for f in fields]
        return lines, list(range(len(lines)))

    def _vocab(self) -> tuple[list[str], list[int]]:
        if self.kind == "vocab_file":
            return self._file_vocab
        return self.vocab, self.vocab_ids

    @cached_property
    def _vocab_arrays(self) -> tuple[pa.Array, npt.NDArray[np.int64]]:
        words, ids = self._vocab()
        return pa.array(words, type=pa.string()), np.asarray(ids, dtype=np.int64)

    # ------------------------------------------------------------------ properties
    @property
    def num_embeddings(self) -> int:
        """Rows of the embedding table the ids index."""
        if self.kind == "boundaries":
            return len(self.boundaries) + 1
        if self.kind in ("vocab_list", "vocab_dict", "vocab_file"):
            _, ids = self._vocab()
            top = max(ids) if ids else -1
            if self.default_bucketize_value is not None:
                return max(top, self.default_bucketize_value) + 1
            return max(top + 1, _FIRST_VOCAB_ID)
        return self.size

    @property
    def oov_id(self) -> int:
        """The id of out-of-vocabulary values (vocabulary kinds)."""
        if self.default_bucketize_value is not None:
            return self.default_bucketize_value
        return _OOV_RESERVED

    @property
    def raw_ids(self) -> bool:
        """Whether ids are raw 64-bit values (zch / dynamicemb), not bounded table rows."""
        return self.kind in ("zch", "dynamicemb")

    # ------------------------------------------------------------------ applying
    def ids(self, values: pa.Array, input_name: str) -> npt.NDArray[np.int64]:
        """The id of each value of a flat array.

        Args:
            values: the values (strings, integers, floats; no nulls).
            input_name: the input they came from, for error messages.

        Raises:
            InvalidFgInputError: for a value the bucketizer cannot use (a non-integer
                or out-of-range value for num_buckets, a non-number for boundaries).
        """
        values = combine_chunks(values)
        if pa.types.is_null(values.type):
            values = values.cast(pa.string())
        kind = self.kind
        if kind == "hash_bucket_size":
            return bucketize_hash(values, self.size)
        if kind == "num_buckets":
            ids = to_int64(values, self.feature_name, input_name)
            check_id_range(ids, self.size, self.feature_name, input_name)
            return ids
        if kind == "boundaries":
            nums = to_float64(values, self.feature_name, input_name).astype(np.float32)
            return np.searchsorted(self.boundaries, nums, side="right").astype(np.int64)
        if kind in ("zch", "dynamicemb"):
            return self._raw_ids(values)
        return self._vocab_ids(values)

    def _vocab_ids(self, values: pa.Array) -> npt.NDArray[np.int64]:
        words, word_ids = self._vocab_arrays
        text = value_text(values)
        pos = pc.index_in(text, value_set=words)
        found = pos.is_valid().to_numpy(zero_copy_only=False)
        idx = pos.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        ids = word_ids[idx] if len(word_ids) else np.zeros(len(idx), dtype=np.int64)
        ids = np.where(found, ids, self.oov_id)
        if self.default_bucketize_value is None and self.default_value:
            in_vocab = self.default_value in self._vocab()[0]
            if not in_vocab:
                is_default = pc.equal(text, pa.scalar(self.default_value)).to_numpy(
                    zero_copy_only=False
                )
                ids = np.where(is_default, _DEFAULT_RESERVED, ids)
        return ids.astype(np.int64)

    def _raw_ids(self, values: pa.Array) -> npt.NDArray[np.int64]:
        t = values.type
        if pa.types.is_dictionary(t):
            values = values.cast(t.value_type)
            t = values.type
        if pa.types.is_integer(t) and not pa.types.is_uint64(t):
            return np.asarray(
                pc.cast(values, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64
            )
        hashed = (hash_values(values) & _MASK63).astype(np.int64)
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            is_int = pc.match_substring_regex(values, _INT_TEXT_RE).to_numpy(zero_copy_only=False)
            if is_int.any():
                rows = np.flatnonzero(is_int)
                ints = pc.cast(values.take(pa.array(rows)), pa.int64())
                hashed[rows] = ints.to_numpy(zero_copy_only=False)
        elif pa.types.is_floating(t):
            f = np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64)
            with np.errstate(invalid="ignore"):
                integral = np.isfinite(f) & (np.floor(f) == f) & (np.abs(f) < 2.0**53)
            hashed[integral] = f[integral].astype(np.int64)
        return hashed

    def apply(self, ragged: Ragged, input_name: str) -> SparseValue:
        """Ids for ragged values, row structure kept.

        Args:
            ragged: the values per row (defaults already filled in).
            input_name: the input they came from, for error messages.

        Returns:
            the ids per row (no weights).
        """
        return SparseValue(
            values=self.ids(ragged.values, input_name),
            lengths=ragged.lengths.astype(np.int32, copy=False),
        )
