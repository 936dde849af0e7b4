"""The stable hash: golden values, int/string agreement, vectorised paths."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from tzrec.features.hashing import (
    bucketize_hash,
    hash_integers,
    hash_strings,
    hash_values,
    value_text,
)

M64 = (1 << 64) - 1


def ref_fnv1a(data: bytes) -> int:
    """Textbook 64-bit FNV-1a, one byte at a time."""
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & M64
    return h


def ref_fmix64(h: int) -> int:
    """MurmurHash3 fmix64."""
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & M64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & M64
    h ^= h >> 33
    return h


def ref_hash(text: str) -> int:
    return ref_fmix64(ref_fnv1a(text.encode("utf-8")))


def test_reference_fnv_matches_published_vectors() -> None:
    # Published FNV-1a 64 test vectors: "" -> offset basis, "a" -> 0xaf63dc4c8601ec8c.
    assert ref_fnv1a(b"") == 0xCBF29CE484222325
    assert ref_fnv1a(b"a") == 0xAF63DC4C8601EC8C
    assert ref_fnv1a(b"foobar") == 0x85944171F73967E8


def test_golden_literals() -> None:
    got = hash_strings(pa.array(["", "a", "123", "item_1", "-5"]))
    assert got.dtype == np.uint64
    assert got.tolist() == [
        17280346270528514342,
        9413272369427828315,
        5929581787153895448,
        14715939032993963630,
        6552758107205247154,
    ]
    assert bucketize_hash(pa.array(["123", "a", "-5"]), 1000).tolist() == [448, 315, 154]


def test_strings_match_reference() -> None:
    texts = ["", "a", "abc", "héllo", "中文", "x" * 70, "item_00042", "12345678901234567890123"]
    got = hash_strings(pa.array(texts))
    assert got.tolist() == [ref_hash(t) for t in texts]
    # large_string and sliced arrays read the same bytes.
    assert hash_strings(pa.array(texts, pa.large_string())).tolist() == got.tolist()
    assert hash_strings(pa.array(texts).slice(2, 3)).tolist() == got[2:5].tolist()


def test_strings_dictionary_path_and_nulls() -> None:
    texts = ["b", "a", "b", None] * 2000  # long and repetitive: dictionary-encoded
    got = hash_strings(pa.array(texts))
    expected = {"a": ref_hash("a"), "b": ref_hash("b"), None: ref_hash("")}
    assert got.tolist() == [expected[t] for t in texts]


def test_integers_hash_as_decimal_text() -> None:
    ints = [0, 1, -5, 9, 10, 99, 100, 123, -123456789, 10**18, 2**63 - 1, -(2**63)]
    got = hash_integers(np.array(ints, dtype=np.int64))
    assert got.tolist() == [ref_hash(str(i)) for i in ints]
    # Same bucket whether an id comes as int64 (Parquet) or as text (CSV).
    by_int = bucketize_hash(pa.array(ints, pa.int64()), 97)
    by_text = bucketize_hash(pa.array([str(i) for i in ints]), 97)
    assert by_int.tolist() == by_text.tolist()
    assert bucketize_hash(pa.array([123], pa.int32()), 1000).tolist() == [448]


def test_integers_random_agree_with_string_path() -> None:
    rng = np.random.default_rng(0)
    ints = np.concatenate([rng.integers(-(10**15), 10**15, 3000), rng.integers(0, 1000, 3000)])
    text = pc.cast(pa.array(ints), pa.string())
    assert (hash_integers(ints) == hash_strings(text)).all()


def test_floats_and_bools() -> None:
    got = hash_values(pa.array([3.0, -2.0, 0.1, 1e20, float("nan")]))
    assert got.tolist() == [ref_hash(t) for t in ["3", "-2", "0.1", "1e+20", "nan"]]
    assert hash_values(pa.array([0.1], pa.float32())).tolist() == [ref_hash("0.1")]
    assert hash_values(pa.array([True, False])).tolist() == [ref_hash("true"), ref_hash("false")]
    assert value_text(pa.array([3.0, 2.5])).to_pylist() == ["3", "2.5"]


def test_bucketize_hash_range_and_bad_size() -> None:
    b = bucketize_hash(pa.array([f"v{i}" for i in range(1000)]), 7)
    assert b.dtype == np.int64
    assert b.min() >= 0 and b.max() < 7
    # Spread: every bucket is used by 1000 distinct values.
    assert len(np.unique(b)) == 7
    with pytest.raises(ValueError, match=r"> 0"):
        bucketize_hash(pa.array(["a"]), 0)
    with pytest.raises(TypeError, match=r"string array"):
        hash_strings(pa.array([1, 2]))
