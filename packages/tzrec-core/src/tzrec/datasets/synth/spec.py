"""What one synthetic column holds: the :class:`ColumnSpec` shared by planning and drawing.

:mod:`.plan` turns a pipeline's features into column specs and :mod:`.draw` /
:mod:`.maps` turn column specs into arrays. This module is the vocabulary the two sides
share (and the few limits that both must agree on), so neither depends on the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

#: Most distinct values of one column.
MAX_DISTINCT = 100_000
#: Number of distinct out-of-vocabulary words of a vocabulary column.
NUM_OOV_WORDS = 3
#: Distinct values of lookup keys, text terms and key-value keys.
SMALL_DISTINCT = 50
#: Multi-value rows hold 1..len(MULTI_LENGTH_PROBS) values with these probabilities.
MULTI_LENGTH_PROBS = (0.7, 0.2, 0.1)


class Kind(str, Enum):
    """What the values of a column are."""

    INT_ID = "int_id"  # int64 ids in [0, cardinality)
    STR_ID = "str_id"  # strings "<name>_<code>", cardinality distinct values
    VOCAB = "vocab"  # words of a vocabulary, plus a few out-of-vocabulary words
    FLOAT = "float"  # positive float32 (log-normal)
    BUCKET_FLOAT = "bucket_float"  # float32 spread over every bucket of the boundaries
    MAP = "map"  # map<string, float|int64> keyed by another column's values
    NESTED_MAP = "nested_map"  # "pk^sk:v,sk:v|pk^sk:v" strings keyed by two columns
    CONST = "const"  # one literal string (an FG_NORMAL const: input)
    BOOL = "bool"  # booleans (60% true), e.g. a bool_mask_feature's mask


#: Kinds whose columns are built from other columns (or a literal) after those are drawn.
DERIVED_KINDS = frozenset({Kind.MAP, Kind.NESTED_MAP, Kind.CONST})


@dataclass(frozen=True)
class SequenceKey:
    """Rows of sequence columns with the same key have the same number of steps.

    Attributes:
        key: the grouped sequence's name, or a stand-alone sequence's name prefix.
        max_length: the most steps of a row.
    """

    key: str
    max_length: int


@dataclass(frozen=True)
class ColumnSpec:
    """What one synthetic column holds, and which feature asked for it.

    Attributes:
        kind: the kind of values.
        owner: the feature that needs the column (named in errors).
        cardinality: INT_ID: ids are in [0, cardinality); STR_ID: distinct values.
        words: VOCAB: the vocabulary.
        boundaries: BUCKET_FLOAT: sorted bucket boundaries.
        width: values per row (or per sequence step): 1 a scalar, k > 1 a list of k,
            0 a list of variable length.
        weight_sep: when set, each value becomes ``value<weight_sep><weight>``.
        joiner: when set, a row's list of values is joined into one string by it.
        max_terms: a variable-length row holds 1..max_terms values, uniformly (text
            terms); None: 1..len(MULTI_LENGTH_PROBS) values with MULTI_LENGTH_PROBS.
        sequence: for sequence columns, the key rows share lengths by and the most steps.
        map_keys: MAP: the key columns whose values the map's keys overlap;
            NESTED_MAP: the (primary, secondary) key columns ("" for none).
        map_value: MAP / NESTED_MAP: INT_ID or FLOAT values (cardinality bounds ints).
        const: CONST: the literal.
        vocab_name: name the value table is drawn by (columns sharing it share values);
            empty: the column's base name.
        lengths_key: variable-length columns with the same key have the same number of
            values in each row (a bool_mask_feature's values and mask).
    """

    kind: Kind
    owner: str
    cardinality: int = 0
    words: tuple[str, ...] = ()
    boundaries: tuple[float, ...] = ()
    width: int = 1
    weight_sep: str | None = None
    joiner: str | None = None
    max_terms: int | None = None
    sequence: SequenceKey | None = None
    map_keys: tuple[str, ...] = ()
    map_value: Kind = Kind.FLOAT
    const: str = ""
    vocab_name: str = ""
    lengths_key: str = ""

    @property
    def distinct(self) -> int:
        """Number of distinct values (codes) of one element; 0 for kinds without codes."""
        if self.kind in (Kind.INT_ID, Kind.STR_ID):
            return max(1, min(self.cardinality, MAX_DISTINCT))
        if self.kind == Kind.VOCAB:
            return len(self.words) + NUM_OOV_WORDS
        if self.kind == Kind.BUCKET_FLOAT:
            return len(self.boundaries) + 1
        return 0
