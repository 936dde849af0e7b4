"""Load an exported model directory and score raw record batches with it.

The serving process needs torch, fbgemm_gpu (whose operators the TorchScript program
calls) and tzrec's feature and parsing code: the model's Python code, the training
engine and the checkpoint are not needed. Raw inputs go through the same
:class:`~tzrec.datasets.data_parser.DataParser` as in training (feature generation for
the data config's ``fg_mode``), so a row is scored from exactly the model inputs it
was trained on.
"""

from __future__ import annotations

import base64
import os
from typing import Any

import fbgemm_gpu  # noqa: F401  (registers the fbgemm operators the program calls)
import pyarrow as pa
import torch
from google.protobuf import text_format

from tzrec.datasets.data_parser import DataParser
from tzrec.datasets.errors import ColumnTypeError, MissingColumnError
from tzrec.features.encoded import column_type_problem
from tzrec.features.factory import context_from_data_config, create_features
from tzrec.features.feature import BaseFeature
from tzrec.protos import data_pb2, pipeline_pb2
from tzrec.serving.manifest import AOT_MODEL, ExportFormatError, read_manifest


def read_fg_config(path: str) -> pipeline_pb2.EasyRecConfig:
    """The ``fg.config`` of an export: a pipeline config with data and feature configs only.

    Raises:
        FileNotFoundError: the file is missing.
        ExportFormatError: the file does not parse.
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} is missing from the export directory")
    config = pipeline_pb2.EasyRecConfig()
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        text_format.Parse(text, config)
    except text_format.ParseError as e:
        raise ExportFormatError(f"{path}: {e}") from e
    return config


def _load_program(path: str, output_format: str, device: torch.device) -> Any:
    """The exported program: a TorchScript module, or an AOTInductor package."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} is missing from the export directory")
    if output_format == "torchscript":
        module = torch.jit.load(path, map_location=device)
        module.eval()
        return module
    if output_format == "aot":
        from torch._inductor import aoti_load_package

        return aoti_load_package(path)
    raise ExportFormatError(f"unknown output_format {output_format!r} in the manifest")


class ExportedModel:
    """An exported model, ready to score record batches.

    Attributes:
        export_dir: the directory it was loaded from.
        manifest: the parsed ``manifest.json``.
        data_config: the data config of training (FG mode, separators).
        features: the features, whose FG turns raw columns into model inputs.
        input_columns: the columns a record batch must have.
        input_schema: their arrow types at export (None when unknown).
        output_names: the names of the predictions.
        device: where the program runs.
    """

    def __init__(self, export_dir: str, device: str | torch.device = "cpu") -> None:
        self.export_dir = export_dir
        self.manifest = read_manifest(export_dir)
        self.device = torch.device(device)
        config = read_fg_config(os.path.join(export_dir, self.manifest["fg_config"]))
        self.data_config: data_pb2.DataConfig = config.data_config
        context = context_from_data_config(config.data_config, resource_dir=export_dir)
        self.features: list[BaseFeature] = create_features(list(config.feature_configs), context)
        self._parser = DataParser(self.features)
        self.input_columns: list[str] = [str(c["name"]) for c in self.manifest["input_columns"]]
        self.input_schema: pa.Schema | None = input_schema(self.manifest)
        self.output_names: list[str] = [str(n) for n in self.manifest["output_names"]]
        output_format = str(self.manifest["output_format"])
        model_file = os.path.join(export_dir, str(self.manifest["model_file"]))
        if output_format == "aot" and not model_file.endswith(AOT_MODEL):
            raise ExportFormatError(f"manifest: an aot export's model_file is {AOT_MODEL}")
        self._program = _load_program(model_file, output_format, self.device)
        self._checked_schemas: set[pa.Schema] = set()

    # ------------------------------------------------------------------ scoring
    def check_schema(self, schema: pa.Schema, source: str = "<input>") -> None:
        """Fail on a missing input column or one whose type FG cannot read.

        Raises:
            MissingColumnError: an input column is absent.
            ColumnTypeError: a feature input column has a type its feature cannot use.
        """
        names = schema.names
        for column in self._parser.input_columns:
            if column not in names:
                raise MissingColumnError(source, column, names)
        generator = self._parser.generator
        dag = generator.fg_mode in (data_pb2.FG_DAG, data_pb2.FG_NORMAL)
        for feature in generator.features if dag else generator.output_features:
            for column in feature.input_columns:
                problem = column_type_problem(feature, column, schema.field(column).type)
                if problem is not None:
                    raise ColumnTypeError(
                        source, column, problem, str(schema.field(column).type), feature.name
                    )

    def parse(self, record_batch: pa.RecordBatch) -> dict[str, torch.Tensor]:
        """The model inputs of raw rows: FG and parsing as in training, then a flat dict.

        Args:
            record_batch: rows with (at least) :attr:`input_columns`.

        Returns:
            the :meth:`~tzrec.datasets.batch.Batch.to_dict` tensors the program takes.
        """
        if record_batch.schema not in self._checked_schemas:
            self.check_schema(record_batch.schema)
            self._checked_schemas.add(record_batch.schema)
        return self._parser.parse(record_batch).to_dict()

    def run(self, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The program's predictions for parsed inputs (output name -> tensor).

        On CPU the program runs without TorchScript's profiling graph optimizations: they
        made the first two calls of a DeepFM take 0.1-1.7 s each (profiling, then
        optimizing) and gained nothing afterwards (0.9 ms per 8192 rows either way).
        """
        if self.device.type != "cpu":
            inputs = {k: v.to(self.device, non_blocking=True) for k, v in inputs.items()}
        with torch.inference_mode(), torch.jit.optimized_execution(self.device.type != "cpu"):
            out = self._program(inputs)
        return dict(out)

    def predict(self, record_batch: pa.RecordBatch) -> dict[str, torch.Tensor]:
        """Predictions of raw rows: :meth:`parse` then :meth:`run`."""
        return self.run(self.parse(record_batch))

    def predict_table(self, table: pa.Table, batch_size: int = 4096) -> dict[str, torch.Tensor]:
        """Predictions of a whole table, scored ``batch_size`` rows at a time."""
        parts: dict[str, list[torch.Tensor]] = {name: [] for name in self.output_names}
        for rb in table.to_batches(max_chunksize=batch_size):
            if rb.num_rows == 0:
                continue
            for name, value in self.predict(rb).items():
                parts.setdefault(name, []).append(value)
        return {name: torch.cat(values) for name, values in parts.items() if values}

    def __repr__(self) -> str:
        return (
            f"ExportedModel({self.export_dir!r}, model={self.manifest['model']!r}, "
            f"outputs={self.output_names})"
        )


def load_exported(export_dir: str, device: str | torch.device = "cpu") -> ExportedModel:
    """Load an export directory written by :func:`tzrec.export.export`.

    Args:
        export_dir: the directory.
        device: where to run the program (CPU by default).

    Raises:
        FileNotFoundError: the directory, its manifest, program or FG config is missing.
        ExportFormatError: the manifest is of another format version or malformed.
    """
    return ExportedModel(export_dir, device)


def input_schema(manifest: dict[str, Any]) -> pa.Schema | None:
    """The arrow schema of the exported input columns, when the exporter knew it.

    The exporter records the schema of the training input (or the data config's
    declared ``input_fields``) restricted to the columns serving reads.
    """
    encoded = manifest.get("input_schema")
    if not encoded:
        return None
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(encoded)))
