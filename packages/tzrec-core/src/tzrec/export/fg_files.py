"""What serving needs to turn raw inputs into model inputs: FG config and resource files.

The export directory gets ``fg.config`` (the data config and the feature configs, a
pipeline config without model or training parts), ``fg.json`` (each feature's FG
description as JSON, for FG outside tzrec) and ``assets/``: every file a feature names
(``vocab_file``, ``text_normalizer.stop_char_file``, ``operator_lib_file``), copied in,
with the configs rewritten to point at the copies (relative to the export directory,
which serving uses as the features' resource directory).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from tzrec.features.factory import context_from_data_config, create_features
from tzrec.features.feature import BaseFeature
from tzrec.protos import pipeline_pb2
from tzrec.serving.manifest import ASSETS_DIR, FG_CONFIG, FG_JSON
from tzrec.utils.config_util import save_message

#: Operator libraries shipped with pyfg, named by this prefix, are not files to copy.
_PYFG_LIB_PREFIX = "pyfg/lib/"


def _file_fields(message: Message, path: str) -> Iterator[tuple[Message, str, str]]:
    """(message, field name, dotted path) of every set ``*_file`` string field, recursively."""
    for fd, value in message.ListFields():
        field_path = f"{path}.{fd.name}"
        if fd.type == FieldDescriptor.TYPE_MESSAGE:
            if fd.is_repeated:
                if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
                    continue
                for i, item in enumerate(value):
                    yield from _file_fields(item, f"{field_path}[{i}]")
            else:
                yield from _file_fields(value, field_path)
        elif fd.type == FieldDescriptor.TYPE_STRING and fd.name.endswith("_file") and value:
            if not fd.is_repeated:
                yield message, fd.name, field_path


def copy_assets(
    config: pipeline_pb2.EasyRecConfig, export_dir: str, resource_dir: str | None = None
) -> list[str]:
    """Copy the files the feature configs name into ``export_dir/assets``; rewrite paths.

    Args:
        config: the pipeline config (its feature configs are edited in place).
        export_dir: the export directory being written.
        resource_dir: where relative paths resolve (default: the working directory,
            as in training).

    Returns:
        the copied files, relative to ``export_dir``.

    Raises:
        FileNotFoundError: a referenced file is missing (naming the config field).
    """
    copied: dict[str, str] = {}  # source path -> path in the export
    for index, feature_config in enumerate(config.feature_configs):
        for message, name, field_path in _file_fields(feature_config, f"feature_configs[{index}]"):
            value = str(getattr(message, name))
            if name == "operator_lib_file" and value.startswith(_PYFG_LIB_PREFIX):
                continue
            source = value
            if not os.path.isabs(source) and resource_dir:
                source = os.path.join(resource_dir, source)
            source = os.path.abspath(source)
            if source not in copied:
                if not os.path.isfile(source):
                    raise FileNotFoundError(
                        f"{field_path}: file {value!r} does not exist (resolved to {source})"
                    )
                base = os.path.basename(source)
                target = os.path.join(ASSETS_DIR, base)
                number = 1
                while target in copied.values():
                    stem, ext = os.path.splitext(base)
                    target = os.path.join(ASSETS_DIR, f"{stem}_{number}{ext}")
                    number += 1
                os.makedirs(os.path.join(export_dir, ASSETS_DIR), exist_ok=True)
                shutil.copy2(source, os.path.join(export_dir, target))
                copied[source] = target
            setattr(message, name, copied[source])
    return sorted(copied.values())


def fg_config(config: pipeline_pb2.EasyRecConfig) -> pipeline_pb2.EasyRecConfig:
    """The part of a pipeline config FG needs: data_config and feature_configs."""
    out = pipeline_pb2.EasyRecConfig()
    out.data_config.CopyFrom(config.data_config)
    out.feature_configs.extend(config.feature_configs)
    return out


def write_fg_files(config: pipeline_pb2.EasyRecConfig, export_dir: str) -> list[BaseFeature]:
    """Write ``fg.config`` and ``fg.json`` of ``config`` (asset paths already rewritten).

    Returns:
        the features as serving will build them (resource dir = ``export_dir``).
    """
    fg = fg_config(config)
    save_message(fg, os.path.join(export_dir, FG_CONFIG))
    context = context_from_data_config(fg.data_config, resource_dir=export_dir)
    features = create_features(list(fg.feature_configs), context)
    with open(os.path.join(export_dir, FG_JSON), "w", encoding="utf-8") as f:
        json.dump({"features": [feature.fg_config() for feature in features]}, f, indent=2)
        f.write("\n")
    return features
