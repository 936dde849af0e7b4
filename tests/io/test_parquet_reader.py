"""ParquetReader: types, globs, row-balanced exactly-once sharding, resume and errors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tzrec.datasets.errors import ColumnTypeError, MissingColumnError, UnreadableFileError
from tzrec.datasets.reader import create_reader
from tzrec.datasets.schema import field_type_to_arrow
from tzrec.protos import data_pb2
from tzrec_io.parquet_reader import ParquetReader


def _write_files(directory: Path, rows_per_file: list[int], row_group_size: int = 4) -> list[Path]:
    """Files part-0.parquet... holding consecutive ids (and id * 10 as 'v')."""
    paths, start = [], 0
    for i, n in enumerate(rows_per_file):
        ids = list(range(start, start + n))
        table = pa.table(
            {"id": pa.array(ids, pa.int64()), "v": pa.array([x * 10 for x in ids], pa.int64())}
        )
        path = directory / f"part-{i}.parquet"
        pq.write_table(table, path, row_group_size=row_group_size)
        paths.append(path)
        start += n
    return paths


def _ids(batches: Any) -> list[int]:
    return [x for batch in batches for x in batch.column("id").to_pylist()]


# Every FieldType with hand-written values of two rows (nulls included).
FIELD_VALUES: dict[str, list[Any]] = {
    "INT32": [1, None],
    "INT64": [2**40, -3],
    "STRING": ["a", ""],
    "FLOAT": [1.5, None],
    "DOUBLE": [0.25, -1.0],
    "ARRAY_INT32": [[1, 2], []],
    "ARRAY_INT64": [[3], None],
    "ARRAY_STRING": [["x", "y"], ["z"]],
    "ARRAY_FLOAT": [[0.5], [1.5, 2.5]],
    "ARRAY_DOUBLE": [[], [1.25]],
    "ARRAY_ARRAY_INT32": [[[1], [2, 3]], [[]]],
    "ARRAY_ARRAY_INT64": [[[4]], None],
    "ARRAY_ARRAY_STRING": [[["a", "b"]], [["c"], []]],
    "ARRAY_ARRAY_FLOAT": [[[0.5, 1.5]], [[2.0]]],
    "ARRAY_ARRAY_DOUBLE": [[[0.125]], [[], [3.0]]],
    "MAP_STRING_INT32": [[("a", 1)], [("b", 2), ("c", 3)]],
    "MAP_STRING_INT64": [[("a", 2**33)], []],
    "MAP_STRING_STRING": [[("k", "v")], None],
    "MAP_STRING_FLOAT": [[("f", 0.5)], [("g", 1.5)]],
    "MAP_STRING_DOUBLE": [[("d", 0.25)], [("e", 2.0)]],
    "MAP_INT64_INT32": [[(1, 10)], [(2, 20)]],
    "MAP_INT64_INT64": [[(2**35, 7)], []],
    "MAP_INT64_STRING": [[(5, "five")], [(6, "six")]],
    "MAP_INT64_FLOAT": [[(7, 0.75)], [(8, 1.0)]],
    "MAP_INT64_DOUBLE": [[(9, 0.5)], [(10, 1.0)]],
    "MAP_INT32_INT32": [[(1, 1)], [(2, 2)]],
    "MAP_INT32_INT64": [[(3, 2**34)], [(4, 4)]],
    "MAP_INT32_STRING": [[(5, "e")], [(6, "f")]],
    "MAP_INT32_FLOAT": [[(7, 0.5)], [(8, 0.75)]],
    "MAP_INT32_DOUBLE": [[(9, 1.5)], [(10, 2.5)]],
}


def test_field_values_cover_every_field_type() -> None:
    assert set(FIELD_VALUES) == set(data_pb2.FieldType.keys())


def test_every_field_type_is_readable(tmp_path: Path) -> None:
    columns = {
        name.lower(): pa.array(values, field_type_to_arrow(data_pb2.FieldType.Value(name)))
        for name, values in FIELD_VALUES.items()
    }
    pq.write_table(pa.table(columns), tmp_path / "all.parquet")
    reader = ParquetReader(str(tmp_path / "all.parquet"), batch_size=8)
    batches = list(reader.to_batches())
    assert len(batches) == 1
    batch = batches[0]
    for name, values in FIELD_VALUES.items():
        column = batch.column(name.lower())
        assert column.type == field_type_to_arrow(data_pb2.FieldType.Value(name)), name
        assert column.to_pylist() == values, name


@pytest.mark.parametrize(
    ("rows_per_file", "num_shards"),
    [
        ([10, 10, 10, 10], 4),  # one file per shard
        ([10, 10], 5),  # fewer files than shards
        ([23], 4),  # one file, several shards
        ([7, 0, 3, 12, 1], 3),  # uneven files and an empty one
        ([5, 9, 2], 7),
        ([3], 5),  # fewer rows than shards
        ([6, 6, 6], 1),
    ],
)
def test_shards_hold_every_row_once_and_are_balanced(
    tmp_path: Path, rows_per_file: list[int], num_shards: int
) -> None:
    _write_files(tmp_path, rows_per_file, row_group_size=4)
    reader = ParquetReader(str(tmp_path / "*.parquet"), batch_size=3)
    total = sum(rows_per_file)
    assert reader.num_rows() == total
    shards = [_ids(reader.to_batches(k, num_shards)) for k in range(num_shards)]
    assert sorted(x for shard in shards for x in shard) == list(range(total))
    assert max(map(len, shards)) - min(map(len, shards)) <= 1
    # Each shard is the contiguous range [k*N//S, (k+1)*N//S) in input order.
    for k, shard in enumerate(shards):
        assert shard == list(range(k * total // num_shards, (k + 1) * total // num_shards))


def test_batches_are_rechunked_to_batch_size(tmp_path: Path) -> None:
    _write_files(tmp_path, [5, 2, 6], row_group_size=2)
    batches = list(ParquetReader(str(tmp_path / "*.parquet"), batch_size=4).to_batches())
    assert [b.num_rows for b in batches] == [4, 4, 4, 1]
    assert _ids(batches) == list(range(13))
    assert batches[0].schema.names == ["id", "v"]


@pytest.mark.parametrize("skip", [0, 1, 4, 5, 9, 11, 20])
def test_skip_rows_resumes_with_the_tail(tmp_path: Path, skip: int) -> None:
    _write_files(tmp_path, [9, 4, 20], row_group_size=4)
    reader = ParquetReader(str(tmp_path / "*.parquet"), batch_size=5)
    for k in range(3):
        full = _ids(reader.to_batches(k, 3))
        assert _ids(reader.to_batches(k, 3, skip_rows=skip)) == full[skip:]


def test_only_overlapping_row_groups_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shard 1 of 2 over 2 files x 3 row groups of 4 rows (24 rows: 12..23)."""
    _write_files(tmp_path, [12, 12], row_group_size=4)
    requested: list[tuple[str, list[int]]] = []

    class SpyFile(pq.ParquetFile):
        def __init__(self, source: str, **kwargs: Any) -> None:
            super().__init__(source, **kwargs)
            self.name = os.path.basename(source)

        def iter_batches(self, *args: Any, **kwargs: Any) -> Any:
            requested.append((self.name, list(kwargs["row_groups"])))
            return super().iter_batches(*args, **kwargs)

    monkeypatch.setattr(pq, "ParquetFile", SpyFile)
    reader = ParquetReader(str(tmp_path / "*.parquet"), batch_size=100)
    assert _ids(reader.to_batches(1, 2)) == list(range(12, 24))
    assert requested == [("part-1.parquet", [0, 1, 2])]
    requested.clear()
    # Resuming after 9 rows of the shard (global row 21) reads only the last row group.
    assert _ids(reader.to_batches(1, 2, skip_rows=9)) == [21, 22, 23]
    assert requested == [("part-1.parquet", [2])]
    requested.clear()
    # Shard 1 of 3 is rows 8..15: the last group of file 0 and the first of file 1.
    assert _ids(reader.to_batches(1, 3)) == list(range(8, 16))
    assert requested == [("part-0.parquet", [2]), ("part-1.parquet", [0])]


def test_selected_columns_in_their_order(tmp_path: Path) -> None:
    _write_files(tmp_path, [3])
    reader = ParquetReader(
        str(tmp_path / "part-0.parquet"), batch_size=10, selected_cols=["v", "id"]
    )
    (batch,) = list(reader.to_batches())
    assert batch.schema.names == ["v", "id"]
    assert batch.column("v").to_pylist() == [0, 10, 20]
    assert reader.schema().names == ["id", "v"]


def test_globs_and_comma_lists_are_expanded_sorted_and_deduplicated(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _write_files(tmp_path / "a", [2, 2])
    _write_files(tmp_path / "b", [3])
    path = f"{tmp_path}/b/*.parquet, {tmp_path}/a/part-1.parquet,{tmp_path}/a/*.parquet"
    reader = ParquetReader(path, batch_size=10)
    assert reader.files == [
        f"{tmp_path}/a/part-0.parquet",
        f"{tmp_path}/a/part-1.parquet",
        f"{tmp_path}/b/part-0.parquet",
    ]
    # a/part-0 holds ids 0,1; a/part-1 2,3; b/part-0 0,1,2 (ids restart per directory).
    assert _ids(reader.to_batches()) == [0, 1, 2, 3, 0, 1, 2]


def test_unmatched_pattern_is_named(tmp_path: Path) -> None:
    _write_files(tmp_path, [2])
    pattern = f"{tmp_path}/nothing-*.parquet"
    with pytest.raises(UnreadableFileError) as info:
        ParquetReader(f"{tmp_path}/*.parquet,{pattern}", batch_size=2)
    assert info.value.path == pattern
    assert "no file matches" in str(info.value)
    with pytest.raises(UnreadableFileError, match="no such file"):
        ParquetReader(f"{tmp_path}/missing.parquet", batch_size=2)


def test_missing_column_names_the_file_and_suggests(tmp_path: Path) -> None:
    paths = _write_files(tmp_path, [2, 2])
    pq.write_table(pa.table({"id": [9], "value": [1]}), paths[1])
    reader = ParquetReader(str(tmp_path / "*.parquet"), batch_size=2, selected_cols=["id", "v"])
    with pytest.raises(MissingColumnError) as info:
        reader.schema()
    assert info.value.path == str(paths[1])
    assert info.value.column == "v"
    assert "did you mean 'value'" in str(info.value)


def test_truncated_file_is_unreadable(tmp_path: Path) -> None:
    paths = _write_files(tmp_path, [20, 20])
    data = paths[1].read_bytes()
    paths[1].write_bytes(data[: len(data) // 2])
    reader = ParquetReader(str(tmp_path / "*.parquet"), batch_size=2)
    with pytest.raises(UnreadableFileError) as info:
        reader.schema()
    assert info.value.path == str(paths[1])
    assert "not a readable Parquet file" in str(info.value)


def test_type_change_between_files(tmp_path: Path) -> None:
    paths = _write_files(tmp_path, [2, 2])
    pq.write_table(pa.table({"id": pa.array(["2", "3"]), "v": [20, 30]}), paths[1])
    reader = ParquetReader(str(tmp_path / "*.parquet"), batch_size=2)
    with pytest.raises(ColumnTypeError) as info:
        list(reader.to_batches())
    error = info.value
    assert (error.path, error.column, error.actual) == (str(paths[1]), "id", "string")
    assert error.expected.startswith("int64")
    assert "expected type int64" in str(error) and "found string" in str(error)


def test_bad_shard_arguments(tmp_path: Path) -> None:
    _write_files(tmp_path, [2])
    reader = ParquetReader(str(tmp_path / "*.parquet"), batch_size=2)
    with pytest.raises(ValueError, match="shard_index"):
        list(reader.to_batches(3, 3))
    with pytest.raises(ValueError, match="skip_rows"):
        list(reader.to_batches(0, 1, skip_rows=-1))


def test_created_through_the_plugin_registry(tmp_path: Path) -> None:
    _write_files(tmp_path, [3])
    config = data_pb2.DataConfig(dataset_type=data_pb2.ParquetDataset)
    reader = create_reader(config, str(tmp_path / "*.parquet"), 2, selected_cols=["id"])
    assert isinstance(reader, ParquetReader)
    assert [b.num_rows for b in reader.to_batches()] == [2, 1]


def test_locate_names_the_file_and_row_of_a_shard_row(tmp_path: Path) -> None:
    files = _write_files(tmp_path, [5, 3, 6])  # 14 rows: shards of 4 get 3, 4, 3, 4
    reader = ParquetReader(str(tmp_path / "*.parquet"), batch_size=4)
    assert reader.locate(0, 1, 0) == f"{files[0]}, row 0"
    assert reader.locate(0, 1, 6) == f"{files[1]}, row 1"
    assert reader.locate(2, 4, 0) == f"{files[1]}, row 2"  # shard 2 starts at global row 7
    assert reader.locate(3, 4, 3) == f"{files[2]}, row 5"
    assert reader.locate(0, 4, 3) is None  # shard 0 has rows 0..2 only


def test_empty_files_and_files_without_row_groups_hold_no_rows(tmp_path: Path) -> None:
    schema = pa.schema([("id", pa.int64()), ("v", pa.int64())])
    pq.write_table(schema.empty_table(), tmp_path / "a-empty.parquet")  # one empty group
    pq.ParquetWriter(tmp_path / "b-no-groups.parquet", schema).close()  # no row group
    _write_files(tmp_path, [3, 2])
    reader = ParquetReader(str(tmp_path / "*.parquet"), batch_size=2)
    assert reader.num_rows() == 5
    for num_shards in (1, 2, 3, 7):
        ids = [_ids(reader.to_batches(k, num_shards)) for k in range(num_shards)]
        assert sorted(i for shard in ids for i in shard) == [0, 1, 2, 3, 4]
    assert _ids(reader.to_batches(1, 2, skip_rows=10)) == []  # skipping past the shard


def test_files_with_other_column_orders(tmp_path: Path) -> None:
    pq.write_table(pa.table({"id": [0, 1], "v": [0, 10]}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"v": [20], "id": [2]}), tmp_path / "b.parquet")
    reader = ParquetReader(str(tmp_path / "*.parquet"), batch_size=10)
    table = pa.Table.from_batches(list(reader.to_batches()))
    assert table.to_pydict() == {"id": [0, 1, 2], "v": [0, 10, 20]}


def test_dictionary_encoded_in_some_files_only_is_read_decoded(tmp_path: Path) -> None:
    # pandas categoricals: dictionary<int8> in one file, dictionary<int32> or plain
    # strings in others (also as list elements); the values are the same type.
    words = pa.dictionary(pa.int8(), pa.string())
    pq.write_table(
        pa.table(
            {
                "s": pa.array(["a", None], pa.string()).cast(words),
                "tags": pa.array([["x"], None], pa.list_(words)),
            }
        ),
        tmp_path / "a.parquet",
    )
    pq.write_table(
        pa.table({"s": pa.array(["b"]).dictionary_encode(), "tags": pa.array([["y", "z"]])}),
        tmp_path / "b.parquet",
    )
    pq.write_table(
        pa.table({"s": ["c"], "tags": pa.array([[]], pa.list_(pa.string()))}),
        tmp_path / "c.parquet",
    )
    reader = ParquetReader(str(tmp_path / "*.parquet"), batch_size=10)
    batches = list(reader.to_batches())
    assert all(b.schema.types == [pa.string(), pa.list_(pa.string())] for b in batches)
    assert pa.Table.from_batches(batches).to_pydict() == {
        "s": ["a", None, "b", "c"],
        "tags": [["x"], None, ["y", "z"], []],
    }
    # Files all dictionary-encoded alike keep the encoding (features decode it).
    only_a = ParquetReader(str(tmp_path / "a.parquet"), batch_size=10)
    assert next(iter(only_a.to_batches())).schema.field("s").type == words
