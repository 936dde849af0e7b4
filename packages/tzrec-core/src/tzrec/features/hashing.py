"""The stable string hash behind ``hash_bucket_size``: same value, same bucket, everywhere.

Definition (fixed; changing it changes every hashed embedding row):

1. Take the value's *text form* as UTF-8 bytes:

   - strings: their bytes as they are;
   - integers: their decimal text, ``123 -> b"123"``, ``-5 -> b"-5"``, so an id read as
     int64 from Parquet and the same id read as a string from CSV share a bucket;
   - floats: an integral float with ``|x| < 2**53`` is hashed as that integer
     (``3.0 -> b"3"``, the bucket of int 3 and of "3"); any other float as Arrow's
     shortest round-trip text of its own width (``0.1 -> b"0.1"``,
     ``1e20 -> b"1e+20"``, ``nan -> b"nan"``);
   - booleans: ``b"true"`` / ``b"false"``.

2. ``h`` = 64-bit FNV-1a of those bytes: start from the offset basis
   ``0xcbf29ce484222325``; for each byte ``h = (h XOR byte) * 0x100000001b3 mod 2**64``.

3. Mix ``h`` with MurmurHash3's ``fmix64`` finalizer (FNV-1a alone spreads short,
   similar keys such as ``"1"``, ``"2"`` poorly over the low bits that ``mod`` keeps)::

       h ^= h >> 33; h *= 0xff51afd7ed558ccd
       h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53
       h ^= h >> 33

4. ``bucket = h mod hash_bucket_size`` (as unsigned 64-bit numbers).

Everything is vectorised with numpy: strings are hashed one byte position at a time
over all (distinct) strings at once, integers one decimal digit position at a time
without building their text.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

U64Array = npt.NDArray[np.uint64]

FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)
_FMIX_C1 = np.uint64(0xFF51AFD7ED558CCD)
_FMIX_C2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_ZERO_CHAR = np.uint64(ord("0"))
_NEG_START = np.uint64(((0xCBF29CE484222325 ^ ord("-")) * 0x100000001B3) % 2**64)
#: Floats with a magnitude below this that are integral hash as integers.
_EXACT_INT_LIMIT = float(2**53)
#: 10**k for k = 0..19 (all digits of an int64 magnitude).
_POW10 = np.array([10**k for k in range(20)], dtype=np.uint64)


def fmix64(h: U64Array) -> U64Array:
    """MurmurHash3's 64-bit finalizer, applied elementwise (returns a new array)."""
    h = h ^ (h >> _S33)
    h = h * _FMIX_C1
    h = h ^ (h >> _S33)
    h = h * _FMIX_C2
    return h ^ (h >> _S33)


def _string_buffers(
    arr: pa.Array,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
    """(starts, lengths, data) of a (large) string array's values, nulls as empty."""
    offset_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    bufs = arr.buffers()
    raw_offsets = np.frombuffer(bufs[1], dtype=offset_type, count=len(arr) + 1 + arr.offset)
    offsets: npt.NDArray[np.int64] = raw_offsets[arr.offset :].astype(np.int64)
    data: npt.NDArray[np.uint8] = (
        np.frombuffer(bufs[2], dtype=np.uint8)
        if bufs[2] is not None
        else np.zeros(0, dtype=np.uint8)
    )
    starts = offsets[:-1]
    lengths = offsets[1:] - starts
    if arr.null_count:
        lengths = np.where(arr.is_null().to_numpy(zero_copy_only=False), 0, lengths)
    return starts, lengths, data


def _fnv1a_strings(arr: pa.Array) -> U64Array:
    """FNV-1a (without the finalizer) of every string; nulls hash as the empty string."""
    starts, lengths, data = _string_buffers(arr)
    n = len(lengths)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    # Longest strings first: at byte position j the strings still going are a prefix.
    order = np.argsort(-lengths, kind="stable")
    sorted_starts = starts[order]
    sorted_lengths = lengths[order]
    h = np.full(n, FNV_OFFSET, dtype=np.uint64)
    max_len = int(sorted_lengths[0])
    # active[j] = how many strings are longer than j (a non-increasing sequence).
    active = np.searchsorted(-sorted_lengths, -np.arange(max_len), side="left")
    for j in range(max_len):
        k = int(active[j])
        byte = data[sorted_starts[:k] + j].astype(np.uint64)
        h[:k] = (h[:k] ^ byte) * FNV_PRIME
    out = np.empty(n, dtype=np.uint64)
    out[order] = h
    return out


def hash_strings(arr: pa.Array | pa.ChunkedArray) -> U64Array:
    """The 64-bit hash (FNV-1a + fmix64) of each string's UTF-8 bytes.

    Long, repetitive arrays are dictionary-encoded first so that each distinct string
    is hashed once. Nulls hash like the empty string.

    Args:
        arr: a ``string`` or ``large_string`` array.

    Returns:
        uint64 hashes, one per element.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        dict_arr: pa.DictionaryArray = arr
        hashed = hash_strings(dict_arr.dictionary)
        idx = dict_arr.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        out = hashed[idx] if len(hashed) else np.zeros(len(idx), dtype=np.uint64)
        if dict_arr.null_count:
            out[dict_arr.is_null().to_numpy(zero_copy_only=False)] = _EMPTY_HASH
        return out
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        raise TypeError(f"hash_strings needs a string array, not {arr.type}")
    if len(arr) >= 4096:
        # Dictionary-encode only when a sample suggests many repeats: encoding a column
        # of distinct strings costs more than hashing it.
        sample = pc.unique(arr.slice(0, 1024))
        if len(sample) <= 512:
            return hash_strings(pc.dictionary_encode(arr))
    return fmix64(_fnv1a_strings(arr))


#: Integers hashed per block: the block's temporaries stay in the CPU cache.
_BLOCK = 32768


def hash_integers(values: npt.ArrayLike) -> U64Array:
    """The hash of each integer's decimal text, computed from its digits.

    Gives exactly ``hash_strings`` of the decimal text (``-5 -> "-5"``) without
    building strings: integers are grouped by digit count and each group is hashed
    one digit position at a time, most significant first.

    Args:
        values: int64 values (any integer array converts to int64).

    Returns:
        uint64 hashes, one per value.
    """
    v = np.asarray(values, dtype=np.int64).reshape(-1)
    out = np.empty(v.shape, dtype=np.uint64)
    for start in range(0, len(v), _BLOCK):
        out[start : start + _BLOCK] = _hash_int_block(v[start : start + _BLOCK])
    return out.reshape(np.shape(values))


def _hash_int_block(v: npt.NDArray[np.int64]) -> U64Array:
    """:func:`hash_integers` of one block of values."""
    # |v| as uint64; np.abs wraps INT64_MIN to itself, whose uint64 view is 2**63.
    mag = np.abs(v).view(np.uint64)
    # Number of decimal digits (at least 1; int64 magnitudes have at most 19).
    ndigits = np.ones(mag.shape, dtype=np.int64)
    top = int(mag.max()) if mag.size else 0
    for k in range(1, 20):
        if top < 10**k:
            break
        ndigits += mag >= _POW10[k]
    # The "-" of negative numbers is their first byte.
    h = np.where(v < 0, _NEG_START, FNV_OFFSET)
    order = np.argsort(ndigits)
    bounds = np.searchsorted(ndigits[order], np.arange(1, 22))
    for nd in range(1, 21):
        lo, hi = int(bounds[nd - 1]), int(bounds[nd])
        if lo == hi:
            continue
        idx = order[lo:hi]
        m = mag[idx]
        g = h[idx]
        digit = np.empty_like(m)
        tmp = np.empty_like(m)
        for p in range(nd - 1, -1, -1):
            # Division by a scalar is fast in numpy; ``%`` is not, so subtract instead.
            np.floor_divide(m, _POW10[p], out=digit)
            np.multiply(digit, _POW10[p], out=tmp)
            np.subtract(m, tmp, out=m)
            np.add(digit, _ZERO_CHAR, out=digit)
            np.bitwise_xor(g, digit, out=g)
            np.multiply(g, FNV_PRIME, out=g)
        h[idx] = g
    return fmix64(h)


def value_text(arr: pa.Array) -> pa.Array:
    """The text form that the hash (and vocabularies) see for each value.

    Strings stay as they are; integers become decimal text; integral floats below
    2**53 in magnitude become the integer's text; other floats Arrow's shortest
    round-trip text; booleans ``true`` / ``false``.
    """
    t = arr.type
    if pa.types.is_dictionary(t):
        arr = arr.cast(t.value_type)
        t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return arr
    if pa.types.is_floating(t):
        f = arr.to_numpy(zero_copy_only=False).astype(np.float64)
        as_int = _integral_floats(f)
        if as_int.any():
            text = pc.cast(arr, pa.string())
            ints = pc.cast(pa.array(np.where(as_int, f, 0).astype(np.int64)), pa.string())
            return pc.if_else(pa.array(as_int), ints, text)
    return pc.cast(arr, pa.string())


def _integral_floats(f: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    with np.errstate(invalid="ignore"):
        return np.isfinite(f) & (np.abs(f) < _EXACT_INT_LIMIT) & (np.floor(f) == f)


def hash_values(values: pa.Array | pa.ChunkedArray) -> U64Array:
    """The 64-bit hash of each value's text form (see the module docstring)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    t = values.type
    if pa.types.is_dictionary(t):
        hashed = hash_values(values.dictionary)
        idx = values.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        return hashed[idx] if len(hashed) else np.full(len(idx), _EMPTY_HASH, dtype=np.uint64)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return hash_strings(values)
    if pa.types.is_integer(t):
        if pa.types.is_uint64(t):
            return hash_strings(pc.cast(values, pa.string()))
        return hash_integers(values.fill_null(0).to_numpy(zero_copy_only=False))
    if pa.types.is_floating(t):
        f = values.to_numpy(zero_copy_only=False).astype(np.float64)
        as_int = _integral_floats(f)
        out = hash_integers(np.where(as_int, f, 0).astype(np.int64))
        if not as_int.all():
            rest = np.flatnonzero(~as_int)
            out[rest] = hash_strings(pc.cast(values.take(pa.array(rest)), pa.string()))
        return out
    return hash_strings(value_text(values))


def bucketize_hash(values: pa.Array | pa.ChunkedArray, size: int) -> npt.NDArray[np.int64]:
    """The hash bucket of each value: ``hash(text form) mod size``.

    Args:
        values: strings, integers, floats or booleans (no nulls expected; a null
            hashes like the empty string).
        size: the number of buckets (``hash_bucket_size``), > 0.

    Returns:
        int64 bucket ids in ``[0, size)``.
    """
    if size <= 0:
        raise ValueError(f"hash bucket size must be > 0, got {size}")
    return (hash_values(values) % np.uint64(size)).astype(np.int64)


_EMPTY_HASH = fmix64(np.array([FNV_OFFSET], dtype=np.uint64))[0]
