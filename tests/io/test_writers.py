"""ParquetWriter and CsvWriter: part files, atomic commit, abort, one schema, CSV lists."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from tzrec.datasets.reader import create_writer
from tzrec.plugins import get_registries
from tzrec_io.csv_writer import CsvWriter
from tzrec_io.file_writer import AtomicFileWriter, WriterSchemaError
from tzrec_io.parquet_writer import ParquetWriter

WRITERS: list[type[AtomicFileWriter]] = [ParquetWriter, CsvWriter]


def _batch(ids: list[int]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(
        {"id": pa.array(ids, pa.int64()), "p": pa.array([i / 4 for i in ids], pa.float32())}
    )


def _read(path: Path) -> dict[str, list[object]]:
    if path.suffix == ".parquet":
        table = pq.read_table(path)
    else:
        table = pcsv.read_csv(
            path,
            convert_options=pcsv.ConvertOptions(column_types={"id": pa.int64(), "p": pa.float32()}),
        )
    return table.to_pydict()


@pytest.mark.parametrize("writer_cls", WRITERS)
def test_ranks_write_part_files_in_a_directory(
    tmp_path: Path, writer_cls: type[AtomicFileWriter]
) -> None:
    out = tmp_path / "out"
    for rank in range(2):
        with writer_cls(str(out), rank=rank, world_size=2) as writer:
            writer.write(_batch([rank * 10, rank * 10 + 1]))
            writer.write({"id": pa.array([rank * 10 + 2]), "p": pa.array([0.5], pa.float32())})
    suffix = writer_cls.suffix
    assert sorted(os.listdir(out)) == [f"part-00000{suffix}", f"part-00001{suffix}"]
    assert _read(out / f"part-00001{suffix}") == {"id": [10, 11, 12], "p": [2.5, 2.75, 0.5]}


@pytest.mark.parametrize("writer_cls", WRITERS)
def test_single_file_output_for_one_rank(
    tmp_path: Path, writer_cls: type[AtomicFileWriter]
) -> None:
    path = tmp_path / "sub" / f"pred{writer_cls.suffix}"
    with writer_cls(str(path)) as writer:
        writer.write(_batch([1, 2]))
    assert os.listdir(path.parent) == [path.name]
    assert _read(path) == {"id": [1, 2], "p": [0.25, 0.5]}
    with pytest.raises(ValueError, match="each rank writes its own part file"):
        writer_cls(str(path), rank=0, world_size=2)


@pytest.mark.parametrize("writer_cls", WRITERS)
def test_nothing_visible_before_close(tmp_path: Path, writer_cls: type[AtomicFileWriter]) -> None:
    writer = writer_cls(str(tmp_path), rank=3, world_size=4)
    writer.write(_batch([1]))
    assert os.listdir(tmp_path) == [f".part-00003{writer_cls.suffix}.tmp-{os.getpid()}"]
    writer.close()
    assert os.listdir(tmp_path) == [f"part-00003{writer_cls.suffix}"]


@pytest.mark.parametrize("writer_cls", WRITERS)
def test_abort_leaves_nothing(tmp_path: Path, writer_cls: type[AtomicFileWriter]) -> None:
    writer = writer_cls(str(tmp_path))
    writer.write(_batch([1, 2]))
    writer.abort()
    assert os.listdir(tmp_path) == []
    with pytest.raises(RuntimeError, match="after close"):
        writer.write(_batch([3]))


@pytest.mark.parametrize("writer_cls", WRITERS)
def test_exception_in_the_block_aborts(tmp_path: Path, writer_cls: type[AtomicFileWriter]) -> None:
    with pytest.raises(KeyError), writer_cls(str(tmp_path)) as writer:
        writer.write(_batch([1, 2]))
        raise KeyError("boom")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("writer_cls", WRITERS)
def test_failed_commit_keeps_the_old_file(
    tmp_path: Path, writer_cls: type[AtomicFileWriter]
) -> None:
    final = tmp_path / f"part-00000{writer_cls.suffix}"
    with writer_cls(str(tmp_path)) as writer:
        writer.write(_batch([1]))
    before = final.read_bytes()
    with pytest.raises(WriterSchemaError), writer_cls(str(tmp_path)) as writer:
        writer.write(_batch([7, 8]))
        writer.write({"id": pa.array(["x"])})
    assert os.listdir(tmp_path) == [final.name]
    assert final.read_bytes() == before


@pytest.mark.parametrize("writer_cls", WRITERS)
def test_every_write_has_one_schema(tmp_path: Path, writer_cls: type[AtomicFileWriter]) -> None:
    writer = writer_cls(str(tmp_path))
    writer.write(_batch([1]))
    wrong_type = {"id": pa.array([1], pa.int64()), "p": pa.array([0.5], pa.float64())}
    with pytest.raises(WriterSchemaError, match="column 'p' was written as float, now double"):
        writer.write(wrong_type)
    # The rejected batch leaves the writer as it was: close commits the good rows.
    writer.close()
    assert _read(tmp_path / f"part-00000{writer_cls.suffix}") == {"id": [1], "p": [0.25]}
    writer = writer_cls(str(tmp_path))
    writer.write(_batch([1]))
    with pytest.raises(WriterSchemaError, match=r"columns \['id', 'p'\], got \['p', 'id'\]"):
        writer.write(_batch([2]).select(["p", "id"]))


@pytest.mark.parametrize("writer_cls", WRITERS)
def test_declared_schema_with_not_null_fields_and_metadata(
    tmp_path: Path, writer_cls: type[AtomicFileWriter]
) -> None:
    schema = pa.schema(
        [pa.field("id", pa.int64(), nullable=False), pa.field("p", pa.float32())],
        metadata={"model": "deepfm"},
    )
    writer = writer_cls(str(tmp_path), schema=schema)
    writer.write(_batch([1, 2]))  # nullable fields, no metadata: same columns and types
    writer.write({"id": pa.array([3]), "p": pa.array([0.75], pa.float32())})
    with pytest.raises(WriterSchemaError, match="column 'id' is declared not null but has 1"):
        writer.write({"id": pa.array([None], pa.int64()), "p": pa.array([1.0], pa.float32())})
    writer.close()
    assert _read(tmp_path / f"part-00000{writer_cls.suffix}") == {
        "id": [1, 2, 3],
        "p": [0.25, 0.5, 0.75],
    }


@pytest.mark.parametrize("writer_cls", WRITERS)
def test_no_rows_with_and_without_a_schema(
    tmp_path: Path, writer_cls: type[AtomicFileWriter]
) -> None:
    with writer_cls(str(tmp_path / "none")):
        pass
    assert os.listdir(tmp_path / "none") == []
    with writer_cls(str(tmp_path / "empty"), schema=_batch([]).schema):
        pass
    assert _read(tmp_path / "empty" / f"part-00000{writer_cls.suffix}") == {"id": [], "p": []}


def test_csv_header_delimiter_and_joined_lists(tmp_path: Path) -> None:
    batch = pa.RecordBatch.from_pydict(
        {
            "id": pa.array([1, 2, 3], pa.int64()),
            "emb": pa.array([[0.5, 1.0], None, [2.0, None]], pa.list_(pa.float32())),
            "tags": pa.array([["a", "b|c"], [], ["d"]], pa.list_(pa.string())),
            "name": pa.array(['x "q"', None, "z"]),
        }
    )
    path = tmp_path / "out.csv"
    with CsvWriter(str(path), delimiter="|", list_separator=";") as writer:
        writer.write(batch.slice(1))  # a sliced batch: offsets must still line up
        writer.write(batch.slice(0, 1))
    assert path.read_text().splitlines() == [
        '"id"|"emb"|"tags"|"name"',
        '2||""|',
        '3|"2;"|"d"|"z"',
        '1|"0.5;1"|"a;b|c"|"x ""q"""',
    ]


@pytest.mark.parametrize(
    "column",
    [
        pa.array([[[1]]], pa.list_(pa.list_(pa.int64()))),
        pa.array([[("a", 1)]], pa.map_(pa.string(), pa.int64())),
    ],
)
def test_csv_rejects_nested_columns(tmp_path: Path, column: pa.Array) -> None:
    writer = CsvWriter(str(tmp_path))
    with pytest.raises(WriterSchemaError, match=r"cannot write column 'x'.*write Parquet"):
        writer.write({"x": column})
    assert os.listdir(tmp_path) == []
    with pytest.raises(WriterSchemaError, match="cannot write column 'x'"):
        CsvWriter(str(tmp_path), schema=pa.schema([("x", column.type)]))


def test_parquet_keeps_nested_columns(tmp_path: Path) -> None:
    column = pa.array([[("a", 1)], []], pa.map_(pa.string(), pa.int64()))
    with ParquetWriter(str(tmp_path)) as writer:
        writer.write({"m": column})
    assert pq.read_table(tmp_path / "part-00000.parquet").column("m").to_pylist() == [
        [("a", 1)],
        [],
    ]


def test_writers_through_the_plugin_registry(tmp_path: Path) -> None:
    with create_writer("CsvWriter", str(tmp_path / "c"), delimiter="\t") as writer:
        assert isinstance(writer, CsvWriter)
        writer.write(_batch([5]))
    assert (tmp_path / "c" / "part-00000.csv").read_text() == '"id"\t"p"\n5\t1.25\n'
    with create_writer("ParquetWriter", str(tmp_path / "p"), rank=1, world_size=2) as writer:
        assert isinstance(writer, ParquetWriter)
        writer.write(_batch([5]))
    assert _read(tmp_path / "p" / "part-00001.parquet") == {"id": [5], "p": [1.25]}


def test_io_plugin_registers_readers_and_writers_lazily() -> None:
    registries = get_registries()
    for name in ("ParquetDataset", "CsvDataset", "OdpsDataset"):
        assert registries.readers.entries[name].plugin == "io"
    for name in ("ParquetWriter", "CsvWriter", "OdpsWriter"):
        assert registries.writers.entries[name].plugin == "io"
    probe = (
        "import sys, tzrec_io.plugin\n"
        "print(sorted(m for m in ('pyarrow', 'torch', 'odps') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
