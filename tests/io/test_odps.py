"""OdpsReader / OdpsWriter logic against an in-memory client, config and pyodps wiring.

No test here touches the network: the reader and writer talk to :class:`FakeOdps`,
which stands in at the :class:`tzrec_io.odps_client.OdpsClient` boundary, and the pyodps
objects built from a config file are only constructed, never used to connect.
"""

from __future__ import annotations

import logging
import pickle
import socket
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from tzrec.datasets.errors import ColumnTypeError, MissingColumnError
from tzrec.datasets.reader import create_reader, create_writer
from tzrec.protos import data_pb2
from tzrec_io.file_writer import WriterSchemaError
from tzrec_io.odps_client import (
    OdpsPathError,
    OdpsTableRef,
    PyOdpsClient,
    import_pyodps,
    parse_odps_path,
    tunnel_compression,
)
from tzrec_io.odps_config import OdpsConfig, OdpsConfigError, load_odps_config
from tzrec_io.odps_reader import OdpsReader
from tzrec_io.odps_writer import OdpsWriter

SECRET = "s3cr3t-Key-Value"
TOKEN = "sts-T0ken-Value"


class FakeReadSession:
    """A snapshot of one in-memory table; logs each range read."""

    def __init__(self, ref: OdpsTableRef, table: pa.Table, log: list[Any]) -> None:
        self._ref, self._table, self._log = ref, table, log

    @property
    def num_rows(self) -> int:
        return int(self._table.num_rows)

    @property
    def schema(self) -> pa.Schema:
        return self._table.schema

    def read(
        self, start: int, count: int, columns: Sequence[str] | None
    ) -> Iterator[pa.RecordBatch]:
        self._log.append((str(self._ref), start, count))
        part = self._table.slice(start, count)
        if columns is not None:
            part = part.select(list(columns))
        yield from part.to_batches(max_chunksize=3)


class FakeWriteSession:
    """Buffers batches; they reach the fake's tables only on commit."""

    def __init__(self, client: FakeOdps, ref: OdpsTableRef) -> None:
        self._client, self._ref = client, ref
        self.batches: list[pa.RecordBatch] = []
        self.state = "open"

    def write(self, batch: pa.RecordBatch) -> None:
        self.batches.append(batch)

    def commit(self) -> None:
        old = self._client.tables.get(self._ref)
        new = pa.Table.from_batches(self.batches)
        self._client.tables[self._ref] = new if old is None else pa.concat_tables([old, new])
        self.state = "committed"

    def abort(self) -> None:
        self.state = "aborted"


class FakeOdps:
    """An in-memory :class:`OdpsClient`: tables by reference."""

    def __init__(self, tables: dict[OdpsTableRef, pa.Table] | None = None) -> None:
        self.tables = dict(tables or {})
        self.reads: list[Any] = []
        self.sessions: list[FakeWriteSession] = []

    def open_read_session(self, table: OdpsTableRef) -> FakeReadSession:
        return FakeReadSession(table, self.tables[table], self.reads)

    def open_write_session(self, table: OdpsTableRef, schema: pa.Schema) -> FakeWriteSession:
        session = FakeWriteSession(self, table)
        self.sessions.append(session)
        return session


def _table(start: int, n: int) -> pa.Table:
    ids = list(range(start, start + n))
    return pa.table(
        {"id": pa.array(ids, pa.int64()), "name": pa.array([f"n{i}" for i in ids], pa.string())}
    )


def _ids(batches: Any) -> list[int]:
    return [x for batch in batches for x in batch.column("id").to_pylist()]


# ---------------------------------------------------------------- paths


def test_parse_paths() -> None:
    refs = parse_odps_path(
        "odps://proj/tables/t1/ds=20240101/hh=01&ds=20240101/hh=02, odps://other/tables/t2"
    )
    assert refs == [
        OdpsTableRef("proj", "t1", "ds=20240101,hh=01"),
        OdpsTableRef("proj", "t1", "ds=20240101,hh=02"),
        OdpsTableRef("other", "t2", None),
    ]
    assert str(refs[1]) == "odps://proj/tables/t1/ds=20240101/hh=02"
    assert str(refs[2]) == "odps://other/tables/t2"
    assert parse_odps_path("odps://p/tables/t/ds=1/") == [OdpsTableRef("p", "t", "ds=1")]


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("/data/x.parquet", "does not start with 'odps://'"),
        ("odps://proj/t1", "is not of the form"),
        ("odps://proj/tables/", "is not of the form"),
        ("odps://proj/tables/t/ds", "partition 'ds' is not 'column=value'"),
        (" , ", "names no table"),
    ],
)
def test_bad_paths(path: str, fragment: str) -> None:
    with pytest.raises(OdpsPathError, match=fragment):
        parse_odps_path(path)


# ---------------------------------------------------------------- reader

T1A = OdpsTableRef("p", "t1", "ds=1")
T1B = OdpsTableRef("p", "t1", "ds=2")
T2 = OdpsTableRef("p", "t2")
PATH = "odps://p/tables/t1/ds=1&ds=2,odps://p/tables/t2"


def _fake(sizes: tuple[int, int, int]) -> FakeOdps:
    a, b, c = sizes
    return FakeOdps({T1A: _table(0, a), T1B: _table(a, b), T2: _table(a + b, c)})


@pytest.mark.parametrize("sizes", [(10, 4, 7), (0, 3, 1), (2, 2, 2)])
@pytest.mark.parametrize("num_shards", [1, 3, 5, 8])
def test_shards_hold_every_row_once_and_are_balanced(
    sizes: tuple[int, int, int], num_shards: int
) -> None:
    reader = OdpsReader(PATH, batch_size=4, client=_fake(sizes))
    total = sum(sizes)
    assert reader.num_rows() == total
    shards = [_ids(reader.to_batches(k, num_shards)) for k in range(num_shards)]
    assert sorted(x for s in shards for x in s) == list(range(total))
    for k, shard in enumerate(shards):
        assert shard == list(range(k * total // num_shards, (k + 1) * total // num_shards))


def test_only_the_shard_rows_are_requested() -> None:
    client = _fake((10, 4, 7))  # 21 rows; shard 1 of 3 is rows 7..13
    reader = OdpsReader(PATH, batch_size=100, client=client)
    assert _ids(reader.to_batches(1, 3)) == list(range(7, 14))
    assert client.reads == [(str(T1A), 7, 3), (str(T1B), 0, 4)]
    client.reads.clear()
    assert _ids(reader.to_batches(1, 3, skip_rows=5)) == [12, 13]
    assert client.reads == [(str(T1B), 2, 2)]


@pytest.mark.parametrize("skip", [0, 1, 3, 6, 9])
def test_skip_rows_resumes_with_the_tail(skip: int) -> None:
    reader = OdpsReader(PATH, batch_size=2, client=_fake((5, 6, 7)))
    for k in range(2):
        full = _ids(reader.to_batches(k, 2))
        assert _ids(reader.to_batches(k, 2, skip_rows=skip)) == full[skip:]


def test_batches_and_selected_columns() -> None:
    reader = OdpsReader(PATH, batch_size=4, selected_cols=["name", "id"], client=_fake((3, 3, 3)))
    batches = list(reader.to_batches())
    assert [b.num_rows for b in batches] == [4, 4, 1]
    assert batches[0].schema.names == ["name", "id"]
    assert batches[0].column("name").to_pylist() == ["n0", "n1", "n2", "n3"]


def test_missing_column_names_the_table() -> None:
    client = _fake((1, 1, 1))
    client.tables[T2] = pa.table({"id": pa.array([2], pa.int64()), "nam": ["x"]})
    reader = OdpsReader(PATH, batch_size=2, selected_cols=["id", "name"], client=client)
    with pytest.raises(MissingColumnError) as info:
        reader.schema()
    assert (info.value.path, info.value.column) == ("odps://p/tables/t2", "name")
    assert "did you mean 'nam'" in str(info.value)


def test_type_change_between_tables() -> None:
    client = _fake((1, 1, 1))
    client.tables[T1B] = pa.table({"id": pa.array([1], pa.int32()), "name": ["x"]})
    reader = OdpsReader(PATH, batch_size=2, client=client)
    with pytest.raises(ColumnTypeError) as info:
        list(reader.to_batches())
    assert (info.value.path, info.value.column, info.value.actual) == (
        "odps://p/tables/t1/ds=2",
        "id",
        "int32",
    )


def test_reader_pickles_for_workers_without_open_sessions() -> None:
    client = _fake((3, 2, 4))
    reader = OdpsReader(PATH, batch_size=10, client=client)
    assert reader.num_rows() == 9
    copy = pickle.loads(pickle.dumps(reader))
    assert copy._sessions is None
    assert _ids(copy.to_batches(1, 2)) == [4, 5, 6, 7, 8]


def test_reader_through_the_plugin_registry() -> None:
    config = data_pb2.DataConfig(dataset_type=data_pb2.OdpsDataset)
    reader = create_reader(config, PATH, 5, selected_cols=["id"], client=_fake((2, 2, 2)))
    assert isinstance(reader, OdpsReader)
    assert [b.num_rows for b in reader.to_batches()] == [5, 1]


# ---------------------------------------------------------------- writer


def test_writer_commits_on_close_only() -> None:
    client = FakeOdps()
    writer = OdpsWriter("odps://p/tables/out/ds=1", client=client)
    writer.write(_table(0, 2).to_batches()[0])
    writer.write({"id": pa.array([7], pa.int64()), "name": pa.array(["n7"])})
    ref = OdpsTableRef("p", "out", "ds=1")
    assert ref not in client.tables
    writer.close()
    assert client.tables[ref].to_pydict() == {"id": [0, 1, 7], "name": ["n0", "n1", "n7"]}


def test_writer_aborts_on_exception() -> None:
    client = FakeOdps()
    with (
        pytest.raises(RuntimeError, match="boom"),
        create_writer("OdpsWriter", "odps://p/tables/out", client=client) as writer,
    ):
        assert isinstance(writer, OdpsWriter)
        writer.write(_table(0, 2).to_batches()[0])
        raise RuntimeError("boom")
    assert client.tables == {}
    assert [s.state for s in client.sessions] == ["aborted"]


def test_writer_one_schema_and_one_table() -> None:
    writer = OdpsWriter("odps://p/tables/out", client=FakeOdps())
    writer.write(_table(0, 1).to_batches()[0])
    with pytest.raises(WriterSchemaError, match="column 'id' was written as int64, now string"):
        writer.write({"id": pa.array(["x"]), "name": pa.array(["y"])})
    with pytest.raises(OdpsPathError, match="one table"):
        OdpsWriter("odps://p/tables/a,odps://p/tables/b", client=FakeOdps())


# ---------------------------------------------------------------- config


def _config_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "odps_conf"
    path.write_text(text)
    return str(path)


def test_config_from_file(tmp_path: Path) -> None:
    path = _config_file(
        tmp_path,
        f"# odpscmd config\nproject_name=proj\naccess_id=LTAIabcdef\naccess_key={SECRET}\n\n"
        "end_point=http://service.cn.maxcompute.example/api\n",
    )
    env = {"ODPS_CONFIG_FILE_PATH": path, "ODPS_ENDPOINT": "http://ignored/api"}
    config = load_odps_config(env)
    assert config == OdpsConfig(
        endpoint="http://service.cn.maxcompute.example/api",
        project="proj",
        access_id="LTAIabcdef",
        access_key=SECRET,
        source=path,
    )


def test_config_from_environment() -> None:
    env = {
        "ODPS_ENDPOINT": "http://e/api",
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIxyz",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET,
        "ALIBABA_CLOUD_SECURITY_TOKEN": TOKEN,
        "ODPS_PROJECT_NAME": "proj",
    }
    config = load_odps_config(env)
    assert (config.endpoint, config.project, config.access_id, config.access_key) == (
        "http://e/api",
        "proj",
        "LTAIxyz",
        SECRET,
    )
    assert config.security_token == TOKEN
    role = load_odps_config({"ODPS_ENDPOINT": "http://e/api"})
    assert (role.access_id, role.access_key, role.project) == (None, None, None)


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({}, "set ODPS_CONFIG_FILE_PATH"),
        ({"ODPS_ENDPOINT": "http://e", "ODPS_ACCESS_ID": "x"}, "set both"),
        ({"ODPS_CONFIG_FILE_PATH": "/no/such/odps_conf"}, "cannot read the file"),
    ],
)
def test_config_errors(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(OdpsConfigError, match=fragment):
        load_odps_config(env)


def test_config_file_errors_do_not_quote_secrets(tmp_path: Path) -> None:
    path = _config_file(tmp_path, f"project_name=p\n{SECRET}\n")
    with pytest.raises(OdpsConfigError) as info:
        load_odps_config({"ODPS_CONFIG_FILE_PATH": path})
    assert f"{path}:2: expected 'key=value'" in str(info.value)
    assert SECRET not in str(info.value)
    path = _config_file(tmp_path, f"access_id=a\naccess_key={SECRET}\n")
    with pytest.raises(OdpsConfigError, match="no 'end_point'") as info:
        load_odps_config({"ODPS_CONFIG_FILE_PATH": path})
    assert SECRET not in str(info.value)


def test_secrets_are_hidden_in_repr_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    config = OdpsConfig(
        endpoint="http://e/api", access_id="LTAIabcdef", access_key=SECRET, security_token=TOKEN
    )
    client = PyOdpsClient(config)
    logger = logging.getLogger("tzrec.test_odps")
    with caplog.at_level(logging.INFO, logger="tzrec.test_odps"):
        logger.info("config %s client %r", config, client)
    for text in (repr(config), str(config), repr(client), caplog.text):
        assert SECRET not in text and TOKEN not in text and "LTAIabcdef" not in text
        assert "<hidden>" in text and "'LTAI...'" in text and "http://e/api" in text


# ---------------------------------------------------------------- pyodps boundary


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every name lookup or connection attempted (refused); pyodps objects make none."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def test_real_pyodps_objects_from_a_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, connections: list[object]
) -> None:
    """Builds pyodps's ODPS and TableTunnel from a config file (constructed, not used)."""
    from odps import ODPS
    from odps.tunnel import TableTunnel

    path = _config_file(
        tmp_path,
        f"project_name=proj\naccess_id=LTAIabcdef\naccess_key={SECRET}\n"
        "end_point=http://service.cn.maxcompute.example/api\n",
    )
    monkeypatch.setenv("ODPS_CONFIG_FILE_PATH", path)
    config = data_pb2.DataConfig(odps_data_quota_name="my_quota", odps_data_compression="ZSTD")
    reader = OdpsReader("odps://other/tables/t", batch_size=2, data_config=config)
    client = reader.client
    assert isinstance(client, PyOdpsClient)
    assert (client.quota_name, client.compression) == ("my_quota", "zstd")
    odps = client.odps()
    assert isinstance(odps, ODPS)
    assert (odps.project, odps.endpoint) == ("proj", "http://service.cn.maxcompute.example/api")
    assert (odps.account.access_id, odps.account.secret_access_key) == ("LTAIabcdef", SECRET)
    assert client.odps("other").project == "other"
    assert client.odps("other") is client.odps("other")
    tunnel = client.tunnel("other")
    assert isinstance(tunnel, TableTunnel)
    assert tunnel._quota_name == "my_quota"
    assert PyOdpsClient(load_odps_config(), quota_name="pay-as-you-go").quota_name is None
    copy = pickle.loads(pickle.dumps(client))
    assert copy._odps == {} and copy.odps("other").project == "other"
    assert connections == []


def test_sts_token_gives_an_sts_account(connections: list[object]) -> None:
    from odps.accounts import StsAccount

    config = OdpsConfig(
        endpoint="http://e/api",
        project="p",
        access_id="id",
        access_key=SECRET,
        security_token=TOKEN,
    )
    account = PyOdpsClient(config).odps().account
    assert isinstance(account, StsAccount)
    assert account.sts_token == TOKEN
    assert connections == []


def test_compression_names() -> None:
    assert [tunnel_compression(n) for n in ("LZ4_FRAME", "zstd", "UNCOMPRESSED")] == [
        "lz4",
        "zstd",
        None,
    ]
    with pytest.raises(ValueError, match="'SNAPPY' is not one of"):
        tunnel_compression("SNAPPY")


def test_missing_pyodps_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "odps", None)
    with pytest.raises(ImportError, match=r"pip install 'tzrec-io\[odps\]'"):
        import_pyodps()
    config = OdpsConfig(endpoint="http://e/api", project="p", access_id="id", access_key="k")
    with pytest.raises(ImportError, match=r"tzrec-io\[odps\]"):
        PyOdpsClient(config).odps()


class _StubArrowReader:
    """pyodps's tunnel arrow reader: read_next_batch() until None."""

    def __init__(self, batches: list[pa.RecordBatch]) -> None:
        self._batches = list(batches)
        self.closed = False

    def __enter__(self) -> _StubArrowReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed = True

    def read_next_batch(self) -> pa.RecordBatch | None:
        return self._batches.pop(0) if self._batches else None


class _StubPyodps:
    """Stands in for pyodps's ODPS and TableTunnel objects, logging the calls made."""

    def __init__(self, table_schema: Any) -> None:
        self.table_schema = table_schema
        self.calls: list[tuple[Any, ...]] = []
        self.written: list[pa.RecordBatch] = []

    # ODPS
    def get_table(self, name: str, project: str) -> Any:
        self.calls.append(("get_table", name, project))
        return self

    def create_table(self, name: str, table_schema: Any, project: str, if_not_exists: bool) -> Any:
        self.calls.append(("create_table", name, project, if_not_exists))
        self.table_schema = table_schema
        return self

    # TableTunnel
    def create_download_session(self, table: Any, partition_spec: Any, compress_algo: Any) -> Any:
        self.calls.append(("download", partition_spec, compress_algo))
        return self

    def create_upload_session(
        self, table: Any, partition_spec: Any, create_partition: bool, compress_algo: Any
    ) -> Any:
        self.calls.append(("upload", partition_spec, create_partition, compress_algo))
        return self

    # download / upload sessions
    count = 5

    def open_arrow_reader(self, start: int, count: int, columns: Any) -> _StubArrowReader:
        self.calls.append(("read", start, count, columns))
        return _StubArrowReader([pa.record_batch({"id": pa.array([1, 2], pa.int64())})])

    def open_arrow_writer(self, block_id: int) -> Any:
        self.calls.append(("writer", block_id))
        return self

    def write(self, batch: pa.RecordBatch) -> None:
        self.written.append(batch)

    def close(self) -> None:
        self.calls.append(("close",))

    def commit(self, blocks: list[int]) -> None:
        self.calls.append(("commit", blocks))


def _stubbed_client(monkeypatch: pytest.MonkeyPatch, stub: _StubPyodps) -> PyOdpsClient:
    config = OdpsConfig(endpoint="http://e/api", project="p", access_id="id", access_key="k")
    client = PyOdpsClient(config, compression="ZSTD")
    monkeypatch.setattr(client, "odps", lambda project=None: stub)
    monkeypatch.setattr(client, "tunnel", lambda project: stub)
    return client


def test_pyodps_read_session_wiring(monkeypatch: pytest.MonkeyPatch) -> None:
    from odps.models import TableSchema

    stub = _StubPyodps(
        TableSchema.from_lists(["id", "tags"], ["bigint", "array<string>"], ["ds"], ["string"])
    )
    client = _stubbed_client(monkeypatch, stub)
    session = client.open_read_session(OdpsTableRef("p", "t", "ds=1,hh=2"))
    assert session.schema == pa.schema([("id", pa.int64()), ("tags", pa.list_(pa.string()))])
    assert session.num_rows == 5
    assert _ids(session.read(1, 3, ["id"])) == [1, 2]
    assert stub.calls == [
        ("get_table", "t", "p"),
        ("download", "ds=1,hh=2", "zstd"),
        ("read", 1, 3, ["id"]),
    ]


def test_pyodps_write_session_wiring(monkeypatch: pytest.MonkeyPatch) -> None:
    stub = _StubPyodps(None)
    client = _stubbed_client(monkeypatch, stub)
    schema = pa.schema([("id", pa.int64()), ("probs", pa.list_(pa.float32()))])
    session = client.open_write_session(OdpsTableRef("p", "out", "ds=1,hh=2"), schema)
    created = stub.table_schema
    assert [(c.name, str(c.type).lower()) for c in created.simple_columns] == [
        ("id", "bigint"),
        ("probs", "array<float>"),
    ]
    assert [(c.name, str(c.type).lower()) for c in created.partitions] == [
        ("ds", "string"),
        ("hh", "string"),
    ]
    batch = pa.record_batch({"id": pa.array([1], pa.int64()), "probs": [[0.5]]})
    session.write(batch)
    session.commit()
    assert stub.written == [batch]
    assert stub.calls == [
        ("create_table", "out", "p", True),
        ("upload", "ds=1,hh=2", True, "zstd"),
        ("writer", 0),
        ("close",),
        ("commit", [0]),
    ]
