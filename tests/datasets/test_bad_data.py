"""Bad input data gives clear errors, end to end: create_dataloader iteration and the CLI.

Each case builds real Parquet / CSV files, reads them the way training does (through
``create_dataloader`` and iteration) and checks that the error names what the user must
fix: the file, the column or feature, the bad value, the expected and the actual type.
"""

from __future__ import annotations

import gc
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
from google.protobuf import text_format
from torch._utils import ExceptionWrapper
from torch.utils.data import DataLoader

from tzrec.datasets.batch import BASE_DATA_GROUP, Batch
from tzrec.datasets.dataloader import create_dataloader
from tzrec.datasets.errors import (
    ColumnTypeError,
    DataReadError,
    MissingColumnError,
    UnreadableFileError,
)
from tzrec.features.errors import FeatureConfigError, InvalidFgInputError
from tzrec.features.factory import context_from_data_config, create_features
from tzrec.protos import pipeline_pb2
from tzrec_cli.app import main as tzrec_main

PARQUET_NONE = 'dataset_type: ParquetDataset fg_mode: FG_NONE label_fields: "y"'
PARQUET_DAG = 'dataset_type: ParquetDataset fg_mode: FG_DAG label_fields: "y"'
CSV_NONE = 'dataset_type: CsvDataset fg_mode: FG_NONE label_fields: "y" with_header: true'
CSV_DAG = 'dataset_type: CsvDataset fg_mode: FG_DAG label_fields: "y" with_header: true'

ID_NONE = 'feature_configs { id_feature { feature_name: "cat" num_buckets: 10 } }'
ID_DAG = (
    'feature_configs { id_feature { feature_name: "cat" expression: "user:cat_raw" '
    "num_buckets: 10 } }"
)
RAW_DAG = 'feature_configs { raw_feature { feature_name: "x" expression: "user:x_raw" } }'
RAW_NONE = 'feature_configs { raw_feature { feature_name: "x" } }'

LABELS = pa.array([0, 1, 0], pa.int64())


def pipeline(data: str, features: str, batch_size: int = 4) -> pipeline_pb2.EasyRecConfig:
    """A pipeline config: data_config fields plus feature_configs, read in this process."""
    text = f"data_config {{ batch_size: {batch_size} num_workers: 0 {data} }}\n{features}"
    return text_format.Parse(text, pipeline_pb2.EasyRecConfig())


def loader(
    config: pipeline_pb2.EasyRecConfig, path: str | Path, num_workers: int | None = None
) -> DataLoader[Batch]:
    """create_dataloader for the config's features over ``path``."""
    features = create_features(config.feature_configs, context_from_data_config(config.data_config))
    return create_dataloader(config.data_config, features, str(path), num_workers=num_workers)


def read_all(config: pipeline_pb2.EasyRecConfig, path: str | Path) -> list[Batch]:
    """Every batch of the input (in this process), as a training loop consumes them."""
    return list(loader(config, path))


def write_parquet(path: Path, **columns: pa.Array) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


def write_text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def sparse(batch: Batch, name: str) -> tuple[list[int], list[int]]:
    jt = batch.sparse_features[BASE_DATA_GROUP][name]
    return jt.values().tolist(), jt.lengths().tolist()


# ------------------------------------------------------------------ 1. missing columns
@pytest.mark.parametrize(
    ("data", "features", "fmt", "present", "missing"),
    [
        (PARQUET_NONE, ID_NONE, "parquet", "cat_id", "cat"),
        (PARQUET_DAG, ID_DAG, "parquet", "cat", "cat_raw"),
        (CSV_NONE, ID_NONE, "csv", "cat_id", "cat"),
        (CSV_DAG, ID_DAG, "csv", "cat", "cat_raw"),
    ],
    ids=["parquet-fg_none", "parquet-fg_dag", "csv-fg_none", "csv-fg_dag"],
)
def test_missing_feature_column_names_column_and_file(
    tmp_path: Path, data: str, features: str, fmt: str, present: str, missing: str
) -> None:
    if fmt == "parquet":
        path = write_parquet(tmp_path / "part-0.parquet", **{present: LABELS, "y": LABELS})
    else:
        path = write_text(tmp_path / "part-0.csv", f"{present},y\n1,0\n2,1\n")
    with pytest.raises(MissingColumnError) as info:
        read_all(pipeline(data, features), path)
    error = info.value
    assert (error.path, error.column) == (str(path), missing)
    assert str(error).startswith(f"{path}, column '{missing}': the input has no column")
    assert f"did you mean '{present}'" in str(error)


def test_missing_label_column(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "a.parquet", cat=LABELS, label=LABELS)
    with pytest.raises(MissingColumnError) as info:
        read_all(pipeline(PARQUET_NONE, ID_NONE), path)
    assert info.value.column == "y" and info.value.path == str(path)


def test_column_missing_from_a_later_file_names_that_file(tmp_path: Path) -> None:
    write_parquet(tmp_path / "part-0.parquet", cat=LABELS, y=LABELS)
    second = write_parquet(tmp_path / "part-1.parquet", other=LABELS, y=LABELS)
    with pytest.raises(MissingColumnError) as info:
        read_all(pipeline(PARQUET_NONE, ID_NONE), tmp_path / "*.parquet")
    assert info.value.path == str(second) and info.value.column == "cat"


# ------------------------------------------------------------------ 2. wrong types
def test_float_id_column_is_refused_before_reading(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "a.parquet", cat=pa.array([1.0, 2.0, 3.0]), y=LABELS)
    config = pipeline(PARQUET_NONE, ID_NONE)
    # Up front: building the loader fails, no row is read.
    with pytest.raises(ColumnTypeError) as info:
        loader(config, path)
    error = info.value
    assert (error.path, error.column, error.feature_name) == (str(path), "cat", "cat")
    assert error.actual == "double" and "integer ids" in error.expected
    assert str(error) == (
        f"{path}, column 'cat': feature 'cat' expects type {error.expected}, found double"
    )


def test_float_ids_are_refused_when_parsed_directly_too() -> None:
    config = pipeline(PARQUET_NONE, ID_NONE)
    (feature,) = create_features(
        config.feature_configs, context_from_data_config(config.data_config)
    )
    with pytest.raises(InvalidFgInputError) as info:
        feature.parse({"cat": pa.array([None, 2.0, 3.0])})
    assert info.value.value == 2.0
    assert str(info.value).endswith(
        "expected integer ids (integers, strings of ids or lists of those, "
        "or map<int, float>), found arrow type double"
    )


def test_id_strings_that_are_not_numbers(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "a.parquet", cat=pa.array(["3", "abc", "4"]), y=LABELS)
    with pytest.raises(InvalidFgInputError) as info:
        read_all(pipeline(PARQUET_NONE, ID_NONE), path)
    error = info.value
    where = f"{path}, row 0 (in the 3 rows from there)"
    assert (error.feature_name, error.value, error.source) == ("cat", "abc", where)
    message = str(error)
    assert message.startswith(f"{where}: feature 'cat': input 'cat' has bad value 'abc'")
    assert "expected integers or integer strings, found string values" in message


@pytest.mark.parametrize("mode", [PARQUET_DAG, PARQUET_NONE], ids=["fg_dag", "fg_none"])
def test_raw_feature_non_numeric_string(tmp_path: Path, mode: str) -> None:
    column = "x_raw" if "FG_DAG" in mode else "x"
    path = write_parquet(tmp_path / "a.parquet", **{column: pa.array(["1.5", "n/a"])}, y=LABELS[:2])
    features = RAW_DAG if "FG_DAG" in mode else RAW_NONE
    with pytest.raises(InvalidFgInputError) as info:
        read_all(pipeline(mode, features), path)
    message = str(info.value)
    assert message.startswith(f"{path}, row 0 (in the 2 rows from there): feature 'x': input '")
    assert "bad value 'n/a': not a number" in message
    assert "expected numbers or numeric strings, found string values" in message


@pytest.mark.parametrize("mode", [PARQUET_DAG, PARQUET_NONE], ids=["fg_dag", "fg_none"])
def test_map_column_where_numbers_are_expected(tmp_path: Path, mode: str) -> None:
    column = "x_raw" if "FG_DAG" in mode else "x"
    maps = pa.array([[("a", 1.0)], [], [("b", 2.0)]], pa.map_(pa.string(), pa.float32()))
    path = write_parquet(tmp_path / "a.parquet", **{column: maps}, y=LABELS)
    features = RAW_DAG if "FG_DAG" in mode else RAW_NONE
    with pytest.raises(ColumnTypeError) as info:
        loader(pipeline(mode, features), path)
    error = info.value
    assert (error.path, error.column, error.feature_name) == (str(path), column, "x")
    assert error.actual.startswith("map<string, float")
    assert "feature 'x' expects type numbers" in str(error)


def test_map_column_for_an_unweighted_id_is_fine_but_list_of_floats_is_not(
    tmp_path: Path,
) -> None:
    maps = pa.array([[(1, 1.0)], [(2, 0.5)], []], pa.map_(pa.int64(), pa.float32()))
    path = write_parquet(tmp_path / "a.parquet", cat=maps, y=LABELS)
    (batch,) = read_all(pipeline(PARQUET_NONE, ID_NONE), path)
    assert sparse(batch, "cat") == ([1, 2], [1, 1, 0])
    floats = write_parquet(tmp_path / "b.parquet", cat=pa.array([[1.0], [2.5], []]), y=LABELS)
    with pytest.raises(ColumnTypeError, match=r"expects type integer ids .*found list<.*double>"):
        read_all(pipeline(PARQUET_NONE, ID_NONE), floats)


@pytest.mark.parametrize("field", ["label_fields", "sample_weight_fields"])
def test_label_or_weight_column_of_strings(tmp_path: Path, field: str) -> None:
    data = "dataset_type: ParquetDataset fg_mode: FG_NONE"
    data += ' label_fields: "y"' if field == "label_fields" else ' label_fields: "c" '
    data += ' sample_weight_fields: "y"' if field == "sample_weight_fields" else ""
    path = write_parquet(
        tmp_path / "a.parquet", cat=LABELS, c=LABELS, y=pa.array(["0", "1", "yes"])
    )
    with pytest.raises(ColumnTypeError) as info:
        loader(pipeline(data, ID_NONE), path)
    kind = "label" if field == "label_fields" else "sample weight"
    assert str(info.value) == (
        f"{path}, column 'y': expected type integer, float or boolean (a {kind}), found string"
    )


def test_parquet_file_whose_column_type_differs_from_the_others(tmp_path: Path) -> None:
    first = write_parquet(tmp_path / "part-0.parquet", cat=LABELS, y=LABELS)
    second = write_parquet(tmp_path / "part-1.parquet", cat=pa.array(["1", "2", "3"]), y=LABELS)
    with pytest.raises(ColumnTypeError) as info:
        loader(pipeline(PARQUET_NONE, ID_NONE), tmp_path / "*.parquet")
    error = info.value
    assert (error.path, error.column, error.actual) == (str(second), "cat", "string")
    assert error.expected == f"int64 (as in {first})"


def test_csv_value_that_does_not_parse_as_the_declared_type(tmp_path: Path) -> None:
    data = (
        'dataset_type: CsvDataset fg_mode: FG_NONE label_fields: "y" with_header: true '
        'input_fields { input_name: "cat" input_type: INT64 } '
        'input_fields { input_name: "y" input_type: INT64 }'
    )
    path = write_text(tmp_path / "a.csv", "cat,y\n1,0\nseven,1\n")
    with pytest.raises(ColumnTypeError) as info:
        read_all(pipeline(data, ID_NONE), path)
    error = info.value
    assert (error.path, error.column, error.expected) == (str(path), "cat", "int64")
    assert "'seven'" in error.actual


# ------------------------------------------------------------------ 3. nulls take defaults
def test_fg_dag_nulls_take_default_value(tmp_path: Path) -> None:
    features = (
        'feature_configs { id_feature { feature_name: "cat" expression: "user:cat_raw" '
        'num_buckets: 10 default_value: "7" } }'
        'feature_configs { id_feature { feature_name: "tag" expression: "item:tag" '
        'vocab_list: ["a", "b", "c"] default_value: "b" } }'
        'feature_configs { raw_feature { feature_name: "x" expression: "user:x_raw" '
        'default_value: "0.5" } }'
    )
    path = write_parquet(
        tmp_path / "a.parquet",
        cat_raw=pa.array([3, None, 9], pa.int64()),
        tag=pa.array(["a", None, "zz"]),
        x_raw=pa.array([1.5, None, 2.0]),
        y=LABELS,
    )
    (batch,) = read_all(pipeline(PARQUET_DAG, features), path)
    assert sparse(batch, "cat") == ([3, 7, 9], [1, 1, 1])
    # vocab ids start at 2 (0 = default, 1 = out of vocabulary); "b" is in the vocab.
    assert sparse(batch, "tag") == ([2, 3, 1], [1, 1, 1])
    assert batch.dense_features[BASE_DATA_GROUP]["x"].tolist() == [[1.5], [0.5], [2.0]]


def test_fg_none_nulls_take_fg_encoded_default_value(tmp_path: Path) -> None:
    features = (
        'feature_configs { id_feature { feature_name: "cat" num_buckets: 10 '
        'fg_encoded_default_value: "4" } }'
        'feature_configs { id_feature { feature_name: "tags" num_buckets: 10 '
        'fg_encoded_default_value: "1\\x032" } }'
        'feature_configs { id_feature { feature_name: "plain" num_buckets: 10 } }'
        'feature_configs { raw_feature { feature_name: "x" fg_encoded_default_value: "0.25" } }'
    )
    path = write_parquet(
        tmp_path / "a.parquet",
        cat=pa.array([3, None, 9], pa.int64()),
        tags=pa.array(["5", None, ""]),
        plain=pa.array([[6], None, []], pa.list_(pa.int64())),
        x=pa.array([1.5, None, 2.0]),
        y=LABELS,
    )
    (batch,) = read_all(pipeline(PARQUET_NONE, features), path)
    assert sparse(batch, "cat") == ([3, 4, 9], [1, 1, 1])
    assert sparse(batch, "tags") == ([5, 1, 2, 1, 2], [1, 2, 2])
    assert sparse(batch, "plain") == ([6], [1, 0, 0])  # no default: empty rows
    assert batch.dense_features[BASE_DATA_GROUP]["x"].tolist() == [[1.5], [0.25], [2.0]]


# ------------------------------------------------------------------ 4. ids out of range
@pytest.mark.parametrize(
    ("column", "bad"),
    [
        (pa.array([1, 10, 3], pa.int64()), 10),  # one int per row: the stacked lane
        (pa.array([1, -1, 3], pa.int32()), -1),
        (pa.array([[1], [2, 12], []]), 12),  # list<int>
        (pa.array(["1", "2\x0310", None]), 10),  # ids joined by the multi-value separator
    ],
    ids=["int", "negative", "list", "joined"],
)
def test_fg_none_id_out_of_range_names_feature_value_bound_and_file(
    tmp_path: Path, column: pa.Array, bad: int
) -> None:
    path = write_parquet(tmp_path / "a.parquet", cat=column, y=LABELS)
    with pytest.raises(InvalidFgInputError) as info:
        read_all(pipeline(PARQUET_NONE, ID_NONE), path)
    error = info.value
    where = f"{path}, row 0 (in the 3 rows from there)"
    assert (error.feature_name, error.value, error.source) == ("cat", bad, where)
    assert str(error) == (
        f"{where}: feature 'cat': input 'cat' has bad value {bad}: "
        f"id {bad} is out of range [0, 10) (num_embeddings is 10)"
    )


def test_fg_dag_num_buckets_out_of_range_does_not_wrap(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "a.parquet", cat_raw=pa.array([2, 11, 3]), y=LABELS)
    with pytest.raises(InvalidFgInputError) as info:
        read_all(pipeline(PARQUET_DAG, ID_DAG), path)
    assert str(info.value) == (
        f"{path}, row 0 (in the 3 rows from there): feature 'cat': input 'user:cat_raw' "
        "has bad value 11: "
        "id 11 is out of range [0, 10) (num_embeddings is 10)"
    )


def test_error_in_a_later_batch_after_good_batches(tmp_path: Path) -> None:
    ids = np.arange(40, dtype=np.int64) % 10
    ids[33] = 99
    path = write_parquet(tmp_path / "a.parquet", cat=pa.array(ids), y=pa.array(ids))
    seen: list[Batch] = []
    with pytest.raises(InvalidFgInputError, match=r"bad value 99: id 99 is out of range") as info:
        for batch in loader(pipeline(PARQUET_NONE, ID_NONE, batch_size=8), path):
            seen.append(batch)
    assert info.value.source == f"{path}, row 32 (in the 8 rows from there)"
    assert [b.batch_size for b in seen] == [8, 8, 8, 8]  # rows 0..31; row 33 fails


# ------------------------------------------------------------------ worker processes
def worker_error(
    config: pipeline_pb2.EasyRecConfig, path: str | Path, monkeypatch: pytest.MonkeyPatch
) -> BaseException:
    """The error a 2-worker loader raises in the main process while iterating.

    After a worker's error torch joins each worker with a timeout of
    MP_STATUS_CHECK_INTERVAL (5 s) before killing it; a short one keeps the test fast.
    """
    monkeypatch.setattr(torch.utils.data._utils, "MP_STATUS_CHECK_INTERVAL", 0.2)
    iterator = iter(loader(config, path, num_workers=2))
    error: BaseException | None = None
    try:
        for _ in iterator:
            pass
    except Exception as e:
        error = e.with_traceback(None)
    del iterator
    gc.collect()  # shut the workers down now, with the short timeout
    assert error is not None, "reading the input did not fail"
    return error


def test_worker_error_reaches_the_main_process_with_its_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(2):
        ids = np.arange(12, dtype=np.int64) % 10
        if i == 1:
            ids[5] = 10
        write_parquet(tmp_path / f"part-{i}.parquet", cat=pa.array(ids), y=pa.array(ids))
    pattern = str(tmp_path / "*.parquet")
    error = worker_error(pipeline(PARQUET_NONE, ID_NONE), pattern, monkeypatch)
    assert type(error) is InvalidFgInputError
    message = str(error)
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(
        f"{tmp_path / 'part-1.parquet'}, row 4 (in the 4 rows from there): feature 'cat': "
        "input 'cat' has bad value 10: id 10 is out of range [0, 10)"
    )
    assert message.endswith("(in DataLoader worker process 1)")


def test_worker_read_error_reaches_the_main_process_with_its_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = corrupt_third_row_group(tmp_path)
    error = worker_error(pipeline(PARQUET_NONE, ID_NONE, batch_size=1000), path, monkeypatch)
    assert type(error) is UnreadableFileError
    message = str(error)
    assert message.startswith(f"{path}: cannot be read: reading row groups")
    assert "DataLoader worker process" in message and "\n" not in message


@pytest.mark.parametrize(
    "error",
    [
        InvalidFgInputError("cat", "user:cat", 12, "id 12 is out of range [0, 10)"),
        FeatureConfigError("cat", "two bucketizers"),
        DataReadError("a.parquet", "label is null in row 3", "y"),
        MissingColumnError("a.parquet", "cat", ["cate"]),
        ColumnTypeError("a.parquet", "cat", "integer ids", "double", "cat"),
        UnreadableFileError("a.parquet", "truncated"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_survive_pickle_and_torch_worker_reraise(error: Exception) -> None:
    if isinstance(error, InvalidFgInputError):
        error.add_source("data/*.parquet")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error) and str(copy) == str(error)
    assert vars(copy) == vars(error)
    try:
        raise error
    except Exception:
        wrapper = ExceptionWrapper(where="in DataLoader worker process 3")
    with pytest.raises(type(error)) as info:
        wrapper.reraise()
    assert str(info.value) == f"{error} (in DataLoader worker process 3)"


# ------------------------------------------------------------------ 5. unreadable files
def corrupt_third_row_group(root: Path) -> Path:
    """A Parquet file of 4 row groups of 1000 rows whose third has a broken page header."""
    ids = np.arange(4000, dtype=np.int64) % 10
    path = root / "corrupt.parquet"
    pq.write_table(
        pa.table({"cat": ids, "y": ids}),
        path,
        row_group_size=1000,
        compression="none",
        use_dictionary=False,
    )
    data = bytearray(path.read_bytes())
    offset = pq.read_metadata(path).row_group(2).column(0).data_page_offset
    data[offset : offset + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))
    return path


def test_nonexistent_path_and_glob(tmp_path: Path) -> None:
    config = pipeline(PARQUET_NONE, ID_NONE)
    with pytest.raises(UnreadableFileError) as info:
        read_all(config, tmp_path / "absent.parquet")
    assert str(info.value) == f"{tmp_path / 'absent.parquet'}: cannot be read: no such file"
    pattern = str(tmp_path / "nowhere" / "*.parquet")
    with pytest.raises(UnreadableFileError, match="no file matches this pattern") as info:
        read_all(config, pattern)
    assert info.value.path == pattern
    with pytest.raises(UnreadableFileError, match="is a directory") as info:
        read_all(config, tmp_path)
    assert info.value.path == str(tmp_path)


def test_directory_of_non_parquet_junk(tmp_path: Path) -> None:
    junk = tmp_path / "junk"
    junk.mkdir()
    write_text(junk / "_SUCCESS", "")
    write_text(junk / "notes.txt", "not parquet at all, just some text\n")
    with pytest.raises(UnreadableFileError) as info:
        read_all(pipeline(PARQUET_NONE, ID_NONE), junk / "*")
    assert info.value.path == str(junk / "_SUCCESS")
    assert "not a readable Parquet file" in str(info.value)


def test_truncated_parquet_fails_before_any_batch(tmp_path: Path) -> None:
    ids = np.arange(1000, dtype=np.int64) % 10
    good = write_parquet(tmp_path / "part-0.parquet", cat=pa.array(ids), y=pa.array(ids))
    data = good.read_bytes()
    truncated = tmp_path / "part-1.parquet"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableFileError) as info:
        loader(pipeline(PARQUET_NONE, ID_NONE), tmp_path / "*.parquet")  # not even built
    assert info.value.path == str(truncated)
    assert "not a readable Parquet file" in str(info.value)


def test_corrupt_page_fails_loudly_after_the_good_row_groups(tmp_path: Path) -> None:
    path = corrupt_third_row_group(tmp_path)
    seen: list[Batch] = []
    with pytest.raises(UnreadableFileError) as info:
        for batch in loader(pipeline(PARQUET_NONE, ID_NONE, batch_size=1000), path):
            seen.append(batch)
    assert info.value.path == str(path)
    assert "reading row groups" in str(info.value)
    assert [b.batch_size for b in seen] == [1000, 1000]
    assert sparse(seen[1], "cat")[0] == [i % 10 for i in range(1000, 2000)]


def test_csv_with_a_bad_row(tmp_path: Path) -> None:
    path = write_text(tmp_path / "a.csv", "cat,y\n1,0\n2,1\n3,0,5\n4,1\n")
    with pytest.raises(UnreadableFileError) as info:
        read_all(pipeline(CSV_NONE, ID_NONE), path)
    assert info.value.path == str(path)
    assert "Row #4: Expected 2 columns, got 3" in str(info.value)


def test_csv_bad_row_past_the_first_block_fails_loudly(tmp_path: Path) -> None:
    # 1.6 MB: the reader parses 1 MiB blocks, so the bad row is met mid-stream.
    rows = 400_000
    body = "".join(f"{i % 10},0\n" for i in range(rows))
    path = write_text(tmp_path / "a.csv", "cat,y\n" + body + "1,0,extra\n")
    seen = 0
    with pytest.raises(UnreadableFileError) as info:
        for batch in loader(pipeline(CSV_NONE, ID_NONE, batch_size=100_000), path):
            seen += batch.batch_size
    assert info.value.path == str(path)
    assert "Expected 2 columns, got 3" in str(info.value)
    assert 0 < seen < rows


# ------------------------------------------------------------------ 6. the CLI
FG_CONFIG = """
data_config { batch_size: 4 dataset_type: ParquetDataset fg_mode: FG_DAG label_fields: "y" }
feature_configs { raw_feature { feature_name: "x" expression: "user:x_raw" } }
feature_configs { id_feature { feature_name: "cat" expression: "user:cat_raw" num_buckets: 10 } }
"""


def fg_run(tmp_path: Path, input_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """``tzrec fg run`` in this process; the one stderr line of a failure."""
    config = write_text(tmp_path / "fg.config", FG_CONFIG)
    args = ["fg", "run", "--pipeline_config_path", str(config)]
    args += ["--input_path", str(input_path), "--output_path", str(tmp_path / "out")]
    with pytest.raises(SystemExit) as info:
        tzrec_main(args)
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert not list((tmp_path / "out").glob("*.parquet"))
    return err.rstrip("\n")


def test_cli_fg_run_missing_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_parquet(tmp_path / "raw.parquet", x_raw=pa.array([1.0]), y=LABELS[:1])
    line = fg_run(tmp_path, path, capsys)
    assert line == (
        f"error: {path}, column 'cat_raw': the input has no column 'cat_raw'; did you mean 'x_raw'?"
    )


def test_cli_fg_run_bad_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_parquet(
        tmp_path / "raw.parquet", x_raw=pa.array(["1", "oops"]), cat_raw=LABELS[:2], y=LABELS[:2]
    )
    line = fg_run(tmp_path, path, capsys)
    assert "feature 'x': input 'user:x_raw' has bad value 'oops': not a number" in line


def test_cli_fg_run_out_of_range_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_parquet(
        tmp_path / "raw.parquet",
        x_raw=pa.array([1.0, 2.0]),
        cat_raw=pa.array([1, 10]),
        y=LABELS[:2],
    )
    line = fg_run(tmp_path, path, capsys)
    assert "feature 'cat': input 'user:cat_raw' has bad value 10" in line


def test_cli_fg_run_truncated_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_parquet(
        tmp_path / "raw.parquet",
        x_raw=pa.array([1.0] * 500),
        cat_raw=pa.array([1] * 500),
        y=pa.array([0] * 500),
    )
    data = good.read_bytes()
    good.write_bytes(data[: len(data) // 2])
    line = fg_run(tmp_path, good, capsys)
    assert line.startswith(f"error: {good}: cannot be read: not a readable Parquet file")


def test_cli_data_synth_on_a_broken_config(tmp_path: Path) -> None:
    config = write_text(
        tmp_path / "broken.config",
        'data_config { fg_mode: FG_DAG label_fields: "y" }\n'
        'feature_configs { id_feature { feature_name: "cat" expression: "user:cat" '
        "num_buckets: 4 hash_bucket_size: 5 } }\n",
    )
    exe = shutil.which("tzrec", path=str(Path(sys.executable).parent))
    assert exe, "the tzrec console script is not installed next to this Python"
    result = subprocess.run(
        [
            exe,
            "data",
            "synth",
            "--pipeline_config_path",
            str(config),
            "--output_dir",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: feature 'cat': ")
    assert "hash_bucket_size and num_buckets are set" in result.stderr
