"""CsvReader: options from the data config, exactly-once sharding, resume and errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from tzrec.datasets.errors import (
    ColumnTypeError,
    DataReadError,
    MissingColumnError,
    UnreadableFileError,
)
from tzrec.datasets.reader import create_reader
from tzrec.datasets.schema import InputFieldsError
from tzrec.protos import data_pb2
from tzrec_io.csv_reader import CsvReader

HEADERLESS = data_pb2.DataConfig(
    dataset_type=data_pb2.CsvDataset, input_fields_str="id:BIGINT;v:BIGINT"
)


def _write_files(directory: Path, rows_per_file: list[int]) -> list[Path]:
    """Headerless files part-0.csv... of consecutive ids and id * 10."""
    paths, start = [], 0
    for i, n in enumerate(rows_per_file):
        path = directory / f"part-{i}.csv"
        path.write_text("".join(f"{x},{x * 10}\n" for x in range(start, start + n)))
        paths.append(path)
        start += n
    return paths


def _ids(batches: Any) -> list[int]:
    return [x for batch in batches for x in batch.column("id").to_pylist()]


def _read_all(reader: CsvReader) -> dict[str, list[Any]]:
    table = pa.Table.from_batches(list(reader.to_batches()))
    return table.to_pydict()


def test_headerless_with_declared_types_quotes_and_nulls(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text('1|"x|y"|0.5|7\n|""|| \n3|"say ""hi"""|2|\n')
    config = data_pb2.DataConfig(
        delimiter="|", input_fields_str="id:INT;name:STRING;score:FLOAT;code:STRING"
    )
    reader = CsvReader(str(path), batch_size=10, data_config=config)
    assert reader.schema() == pa.schema(
        [("id", pa.int32()), ("name", pa.string()), ("score", pa.float32()), ("code", pa.string())]
    )
    assert _read_all(reader) == {
        "id": [1, None, 3],
        "name": ["x|y", "", 'say "hi"'],
        "score": [0.5, None, 2.0],
        "code": ["7", " ", ""],
    }


def test_quoted_empty_field_is_null_in_a_numeric_column(tmp_path: Path) -> None:
    # Writers that quote every field (csv.QUOTE_ALL) write a null number as "".
    path = tmp_path / "a.csv"
    path.write_text('"id","name","score","n"\n"1","","","5"\n"2","b","0.5",""\n')
    config = data_pb2.DataConfig(with_header=True, input_fields_str="n:INT64")
    reader = CsvReader(str(path), batch_size=10, data_config=config)
    assert reader.schema().field("score").type == pa.float64()  # inferred, not string
    assert _read_all(reader) == {
        "id": [1, 2],
        "name": ["", "b"],
        "score": [None, 0.5],
        "n": [5, None],
    }


def test_header_inferred_and_declared_types(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("uid,price,zip\n1,2.5,007\n2,,010\n")
    config = data_pb2.DataConfig(
        with_header=True,
        input_fields=[data_pb2.InputField(input_name="zip", input_type=data_pb2.STRING)],
    )
    reader = CsvReader(str(path), batch_size=10, data_config=config)
    assert reader.schema() == pa.schema(
        [("uid", pa.int64()), ("price", pa.float64()), ("zip", pa.string())]
    )
    assert _read_all(reader) == {"uid": [1, 2], "price": [2.5, None], "zip": ["007", "010"]}


def test_selected_columns_in_their_order(tmp_path: Path) -> None:
    _write_files(tmp_path, [3])
    reader = CsvReader(
        str(tmp_path / "*.csv"), batch_size=10, selected_cols=["v", "id"], data_config=HEADERLESS
    )
    (batch,) = list(reader.to_batches())
    assert batch.schema.names == ["v", "id"]
    assert batch.column("v").to_pylist() == [0, 10, 20]


@pytest.mark.parametrize(
    ("rows_per_file", "num_shards"),
    [
        ([5, 5, 5, 5], 4),  # a file per shard
        ([3, 4, 5, 6, 7], 2),  # more files than shards: round robin
        ([10, 10], 5),  # fewer files than shards: strided rows
        ([7, 0, 3], 4),
        ([2], 3),
        ([4, 4], 1),
    ],
)
def test_shards_hold_every_row_once(
    tmp_path: Path, rows_per_file: list[int], num_shards: int
) -> None:
    _write_files(tmp_path, rows_per_file)
    reader = CsvReader(str(tmp_path / "*.csv"), batch_size=3, data_config=HEADERLESS)
    shards = [_ids(reader.to_batches(k, num_shards)) for k in range(num_shards)]
    total = sum(rows_per_file)
    assert sorted(x for shard in shards for x in shard) == list(range(total))


def test_files_go_round_robin_when_there_are_enough(tmp_path: Path) -> None:
    _write_files(tmp_path, [2, 3, 1])  # ids 0-1 | 2-4 | 5
    reader = CsvReader(str(tmp_path / "*.csv"), batch_size=10, data_config=HEADERLESS)
    assert _ids(reader.to_batches(0, 2)) == [0, 1, 5]
    assert _ids(reader.to_batches(1, 2)) == [2, 3, 4]


def test_rows_are_strided_when_files_are_fewer(tmp_path: Path) -> None:
    _write_files(tmp_path, [4, 3])  # ids 0..6
    reader = CsvReader(str(tmp_path / "*.csv"), batch_size=10, data_config=HEADERLESS)
    assert [_ids(reader.to_batches(k, 3)) for k in range(3)] == [[0, 3, 6], [1, 4], [2, 5]]


@pytest.mark.parametrize("num_shards", [2, 5])
@pytest.mark.parametrize("skip", [0, 1, 3, 7, 50])
def test_skip_rows_resumes_with_the_tail(tmp_path: Path, num_shards: int, skip: int) -> None:
    _write_files(tmp_path, [6, 9, 4])
    reader = CsvReader(str(tmp_path / "*.csv"), batch_size=4, data_config=HEADERLESS, block_size=16)
    for k in range(num_shards):
        full = _ids(reader.to_batches(k, num_shards))
        assert _ids(reader.to_batches(k, num_shards, skip_rows=skip)) == full[skip:]


def test_batches_are_rechunked(tmp_path: Path) -> None:
    _write_files(tmp_path, [5, 6])
    reader = CsvReader(str(tmp_path / "*.csv"), batch_size=4, data_config=HEADERLESS, block_size=16)
    batches = list(reader.to_batches())
    assert [b.num_rows for b in batches] == [4, 4, 3]
    assert _ids(batches) == list(range(11))


def test_headerless_needs_column_names(tmp_path: Path) -> None:
    _write_files(tmp_path, [1])
    with pytest.raises(DataReadError, match="need the column names") as info:
        CsvReader(str(tmp_path / "*.csv"), batch_size=2)
    assert info.value.path == str(tmp_path / "*.csv")


def test_csv_supports_scalar_types_only(tmp_path: Path) -> None:
    _write_files(tmp_path, [1])
    config = data_pb2.DataConfig(input_fields_str="id:BIGINT;v:ARRAY<BIGINT>")
    with pytest.raises(InputFieldsError) as info:
        CsvReader(str(tmp_path / "*.csv"), batch_size=2, data_config=config)
    assert info.value.entry == "v"
    assert "scalar types" in str(info.value)


def test_missing_column_suggests_close_names(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("user_id,price\n1,2\n")
    config = data_pb2.DataConfig(with_header=True)
    reader = CsvReader(str(path), batch_size=2, selected_cols=["userid"], data_config=config)
    with pytest.raises(MissingColumnError) as info:
        reader.schema()
    assert (info.value.path, info.value.column) == (str(path), "userid")
    assert "did you mean 'user_id'" in str(info.value)


def test_missing_column_in_a_later_file(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,v\n1,2\n")
    (tmp_path / "b.csv").write_text("id,w\n3,4\n")
    config = data_pb2.DataConfig(with_header=True)
    reader = CsvReader(str(tmp_path / "*.csv"), batch_size=2, data_config=config)
    with pytest.raises(MissingColumnError) as info:
        list(reader.to_batches())
    assert (info.value.path, info.value.column) == (str(tmp_path / "b.csv"), "v")


@pytest.mark.parametrize("block_size", [1 << 20, 16])
def test_bad_value_names_file_column_and_value(tmp_path: Path, block_size: int) -> None:
    paths = _write_files(tmp_path, [4, 4])
    paths[1].write_text("4,40\n5,50\n6,6x0\n7,70\n")
    reader = CsvReader(
        str(tmp_path / "*.csv"), batch_size=2, data_config=HEADERLESS, block_size=block_size
    )
    with pytest.raises(ColumnTypeError) as info:
        list(reader.to_batches())
    error = info.value
    assert (error.path, error.column, error.expected) == (str(paths[1]), "v", "int64")
    assert "'6x0'" in str(error)


def test_all_empty_column_needs_a_type(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a,b\n1,\n2,\n")
    config = data_pb2.DataConfig(with_header=True)
    with pytest.raises(DataReadError) as info:
        CsvReader(str(path), batch_size=2, data_config=config).schema()
    assert info.value.column == "b"
    assert "declare it" in str(info.value)
    config.input_fields_str = "b:DOUBLE"
    reader = CsvReader(str(path), batch_size=2, data_config=config)
    assert _read_all(reader) == {"a": [1, 2], "b": [None, None]}


def test_wrong_column_count_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("1,2,3\n")
    with pytest.raises(UnreadableFileError) as info:
        list(CsvReader(str(path), batch_size=2, data_config=HEADERLESS).to_batches())
    assert info.value.path == str(path)
    assert "declares 2 columns" in str(info.value)


def test_delimiter_must_be_one_character(tmp_path: Path) -> None:
    _write_files(tmp_path, [1])
    config = data_pb2.DataConfig(delimiter="||", input_fields_str="id:INT")
    with pytest.raises(ValueError, match="one character"):
        CsvReader(str(tmp_path / "*.csv"), batch_size=2, data_config=config)


def test_created_through_the_plugin_registry(tmp_path: Path) -> None:
    _write_files(tmp_path, [3])
    reader = create_reader(HEADERLESS, str(tmp_path / "*.csv"), 2, selected_cols=["id"])
    assert isinstance(reader, CsvReader)
    assert reader.num_rows() is None
    assert _ids(reader.to_batches()) == [0, 1, 2]


def test_empty_files_hold_no_rows(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("")
    (tmp_path / "b.csv").write_text("id,v\n1,2\n")
    config = data_pb2.DataConfig(with_header=True)
    reader = CsvReader(str(tmp_path / "*.csv"), batch_size=2, data_config=config)
    assert reader.schema().names == ["id", "v"]
    assert _read_all(reader) == {"id": [1], "v": [2]}
    (tmp_path / "b.csv").write_text("")
    with pytest.raises(UnreadableFileError, match="every file is empty"):
        CsvReader(str(tmp_path / "*.csv"), batch_size=2, data_config=config).schema()
