"""The boundary between tzrec's ODPS reader / writer and MaxCompute.

:class:`OdpsClient` is all the reader and writer use: open a read session on a table
(partition) that knows its row count and schema and reads any row range as arrow
batches, and open a write session that takes arrow batches and commits them at once.
:class:`PyOdpsClient` implements it with pyodps's table tunnel; tests substitute an
in-memory client at this boundary. pyodps is imported only when a real client is built,
with an error saying ``pip install tzrec-io[odps]`` when it is missing.

Paths: ``odps://{project}/tables/{table}[/{partition}]``, the partition written
``ds=1/hh=2``; several tables are separated by ``,`` and several partitions of one table
by ``&`` (``odps://p/tables/t/ds=1&ds=2``).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pyarrow as pa

from tzrec_io.odps_config import OdpsConfig, load_odps_config

ODPS_SCHEME = "odps://"
# data_config.odps_data_compression -> table tunnel compression algorithm.
_TUNNEL_COMPRESSION: dict[str, str | None] = {
    "LZ4_FRAME": "lz4",
    "ZSTD": "zstd",
    "UNCOMPRESSED": None,
}
PAY_AS_YOU_GO = "pay-as-you-go"
# pyodps's default LogView host (only used to print links to SQL jobs).
_LOGVIEW_HOST = "http://logview.aliyun.com"


class OdpsPathError(ValueError):
    """An input or output path that is not ``odps://project/tables/table[/partition]``."""


@dataclass(frozen=True)
class OdpsTableRef:
    """One table, or one partition of a table.

    Attributes:
        project: the MaxCompute project.
        table: the table name.
        partition: the partition spec in pyodps form (``"ds=1,hh=2"``), or None.
    """

    project: str
    table: str
    partition: str | None = None

    def __str__(self) -> str:
        path = f"{ODPS_SCHEME}{self.project}/tables/{self.table}"
        return path + ("/" + self.partition.replace(",", "/") if self.partition else "")


def _partition_spec(entry: str, text: str) -> str:
    parts = [p.strip() for p in text.strip("/").split("/") if p.strip()]
    for part in parts:
        key, sep, value = part.partition("=")
        if not sep or not key or not value:
            raise OdpsPathError(f"'{entry}': partition '{part}' is not 'column=value'")
    return ",".join(parts)


def parse_odps_path(path: str) -> list[OdpsTableRef]:
    """The tables (partitions) of an ``odps://`` path, in the order given.

    Raises:
        OdpsPathError: an entry that is not ``odps://project/tables/table[/partition]``.
    """
    refs: list[OdpsTableRef] = []
    for raw in path.split(","):
        entry = raw.strip()
        if not entry:
            continue
        if not entry.startswith(ODPS_SCHEME):
            raise OdpsPathError(f"'{entry}' does not start with '{ODPS_SCHEME}'")
        project, sep1, rest = entry[len(ODPS_SCHEME) :].partition("/tables/")
        table, _, partitions = rest.partition("/")
        if not sep1 or not project or "/" in project or not table:
            raise OdpsPathError(
                f"'{entry}' is not of the form odps://project/tables/table[/partition]"
            )
        specs = [_partition_spec(entry, p) for p in partitions.split("&") if p.strip("/ ")]
        if specs:
            refs.extend(OdpsTableRef(project, table, spec) for spec in specs)
        else:
            refs.append(OdpsTableRef(project, table))
    if not refs:
        raise OdpsPathError(f"'{path}' names no table")
    return refs


class OdpsReadSession(Protocol):
    """A consistent view of one table (partition) to read row ranges from."""

    @property
    def num_rows(self) -> int:
        """Rows in the table (partition)."""
        ...

    @property
    def schema(self) -> pa.Schema:
        """Arrow schema of the table's data columns (partition columns excluded)."""
        ...

    def read(
        self, start: int, count: int, columns: Sequence[str] | None
    ) -> Iterator[pa.RecordBatch]:
        """Rows ``[start, start + count)``, the given columns (None: all)."""
        ...


class OdpsWriteSession(Protocol):
    """An upload to one table (partition) that becomes visible only on commit."""

    def write(self, batch: pa.RecordBatch) -> None:
        """Upload rows."""
        ...

    def commit(self) -> None:
        """Make every uploaded row visible."""
        ...

    def abort(self) -> None:
        """Drop the upload; nothing becomes visible."""
        ...


class OdpsClient(Protocol):
    """What the ODPS reader and writer need from MaxCompute."""

    def open_read_session(self, table: OdpsTableRef) -> OdpsReadSession:
        """Start reading a table (partition)."""
        ...

    def open_write_session(self, table: OdpsTableRef, schema: pa.Schema) -> OdpsWriteSession:
        """Start writing rows of ``schema``; creates the table (partition) when missing."""
        ...


def import_pyodps(submodule: str = "") -> Any:
    """pyodps's ``odps`` module (or ``odps.<submodule>``), imported on first use.

    Imported by name so that neither tzrec-io nor its type check needs pyodps unless
    MaxCompute is used.

    Raises:
        ImportError: pyodps is not installed; the message says how to install it.
    """
    name = f"odps.{submodule}" if submodule else "odps"
    try:
        return importlib.import_module(name)
    except ImportError as e:
        raise ImportError(
            f"reading or writing MaxCompute (odps://) needs pyodps ({e}): "
            "pip install 'tzrec-io[odps]'"
        ) from e


def tunnel_compression(name: str) -> str | None:
    """The tunnel compression algorithm for ``data_config.odps_data_compression``."""
    try:
        return _TUNNEL_COMPRESSION[name.upper()]
    except KeyError:
        raise ValueError(
            f"odps_data_compression '{name}' is not one of {', '.join(_TUNNEL_COMPRESSION)}"
        ) from None


class _TunnelReadSession:
    """A table-tunnel download session (pyodps)."""

    def __init__(self, session: Any, schema: pa.Schema) -> None:
        self._session = session
        self._schema = schema

    @property
    def num_rows(self) -> int:
        return int(self._session.count)

    @property
    def schema(self) -> pa.Schema:
        return self._schema

    def read(
        self, start: int, count: int, columns: Sequence[str] | None
    ) -> Iterator[pa.RecordBatch]:
        reader = self._session.open_arrow_reader(
            start, count, columns=list(columns) if columns is not None else None
        )
        with reader:
            while True:
                batch = reader.read_next_batch()
                if batch is None:
                    return
                yield batch


class _TunnelWriteSession:
    """A table-tunnel upload session (pyodps) writing one block."""

    def __init__(self, session: Any) -> None:
        self._session = session
        self._writer = session.open_arrow_writer(0)

    def write(self, batch: pa.RecordBatch) -> None:
        self._writer.write(batch)

    def commit(self) -> None:
        self._writer.close()
        self._session.commit([0])

    def abort(self) -> None:
        # An upload session that is never committed expires on the server, unseen.
        self._writer.close()


class PyOdpsClient:
    """:class:`OdpsClient` over pyodps's table tunnel.

    Args:
        config: connection settings; None loads them with
            :func:`~tzrec_io.odps_config.load_odps_config`.
        quota_name: data transmission quota (``data_config.odps_data_quota_name``);
            ``"pay-as-you-go"`` means none.
        compression: ``data_config.odps_data_compression`` (LZ4_FRAME, ZSTD,
            UNCOMPRESSED).
    """

    def __init__(
        self,
        config: OdpsConfig | None = None,
        quota_name: str = PAY_AS_YOU_GO,
        compression: str = "LZ4_FRAME",
    ) -> None:
        self.config = config if config is not None else load_odps_config()
        self.quota_name = None if quota_name in ("", PAY_AS_YOU_GO) else quota_name
        self.compression = tunnel_compression(compression)
        self._odps: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"PyOdpsClient({self.config!r}, quota_name={self.quota_name!r})"

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the pyodps objects (rebuilt on use in the new process)."""
        state = self.__dict__.copy()
        state["_odps"] = {}
        return state

    def _credentials(self) -> dict[str, Any]:
        """``ODPS(...)`` keyword arguments for the keys, STS token or credential chain."""
        odps = import_pyodps()
        config = self.config
        if config.access_id and config.access_key:
            if config.security_token:
                account = odps.accounts.StsAccount(
                    config.access_id, config.access_key, config.security_token
                )
                return {"account": account}
            return {"access_id": config.access_id, "secret_access_key": config.access_key}
        try:
            credentials = importlib.import_module("alibabacloud_credentials.client")
        except ImportError as e:
            raise ImportError(
                f"no AccessKey in the MaxCompute settings ({config.source}) and the "
                "Alibaba Cloud credential chain needs alibabacloud-credentials: "
                "pip install alibabacloud-credentials, or set the keys"
            ) from e
        return {"account": odps.accounts.CredentialProviderAccount(credentials.Client())}

    def odps(self, project: str | None = None) -> Any:
        """The pyodps ``ODPS`` entry object for a project (built once; no network)."""
        project = project or self.config.project
        if project is None:
            raise ValueError(f"no MaxCompute project given and none in {self.config.source}")
        if project not in self._odps:
            odps = import_pyodps()
            option_context = import_pyodps("config").option_context

            # pyodps asks the service for its LogView / job-insight hosts when an ODPS
            # object is built; they only serve SQL jobs, which tzrec never runs, so give
            # the host and skip the lookups (no request is sent before a table is used).
            with option_context() as options:
                options.use_legacy_logview = True
                self._odps[project] = odps.ODPS(
                    **self._credentials(),
                    project=project,
                    endpoint=self.config.endpoint,
                    tunnel_endpoint=self.config.tunnel_endpoint,
                    logview_host=_LOGVIEW_HOST,
                )
        return self._odps[project]

    def tunnel(self, project: str) -> Any:
        """A pyodps ``TableTunnel`` of a project, with the quota (no network)."""
        return import_pyodps("tunnel").TableTunnel(
            self.odps(project), project=project, quota_name=self.quota_name
        )

    def open_read_session(self, table: OdpsTableRef) -> OdpsReadSession:
        """A tunnel download session on the table (partition)."""
        odps_schema_to_arrow_schema = import_pyodps("tunnel.io.types").odps_schema_to_arrow_schema
        odps_table = self.odps(table.project).get_table(table.table, project=table.project)
        session = self.tunnel(table.project).create_download_session(
            odps_table, partition_spec=table.partition, compress_algo=self.compression
        )
        return _TunnelReadSession(session, odps_schema_to_arrow_schema(odps_table.table_schema))

    def open_write_session(self, table: OdpsTableRef, schema: pa.Schema) -> OdpsWriteSession:
        """A tunnel upload session, creating the table when it does not exist.

        A created table has the data columns of ``schema`` and string partition columns.
        """
        table_schema_cls = import_pyodps("models").TableSchema
        arrow_schema_to_odps_schema = import_pyodps("tunnel.io.types").arrow_schema_to_odps_schema
        odps = self.odps(table.project)
        partition_names = [p.split("=", 1)[0] for p in (table.partition or "").split(",") if p]
        columns = arrow_schema_to_odps_schema(schema).simple_columns
        table_schema = table_schema_cls.from_lists(
            [c.name for c in columns],
            [str(c.type) for c in columns],
            partition_names or None,
            ["string"] * len(partition_names) or None,
        )
        odps_table = odps.create_table(
            table.table, table_schema, project=table.project, if_not_exists=True
        )
        session = self.tunnel(table.project).create_upload_session(
            odps_table,
            partition_spec=table.partition,
            create_partition=table.partition is not None,
            compress_algo=self.compression,
        )
        return _TunnelWriteSession(session)
