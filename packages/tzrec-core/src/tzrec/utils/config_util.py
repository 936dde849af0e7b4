"""Load, save, inspect and edit pipeline configs (TorchEasyRec's text-proto format).

The public functions keep TorchEasyRec's names so that user scripts carry over:

- :func:`load_pipeline_config` reads a text-proto or JSON pipeline config, strictly by
  default, and applies the compatibility steps for deprecated fields.
- :func:`save_message` writes any message as text proto.
- :func:`config_to_kwargs` turns a message into keyword arguments for a module.
- :func:`which_msg` names the message chosen in a oneof.
- :func:`edit_config` applies ``--edit_config_json`` edits (see :mod:`config_edit`).

Errors are :class:`~tzrec.utils.config_errors.ConfigError`, naming file, line, column
and field path.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from typing import Any, TypeVar

from google.protobuf import json_format, text_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from tzrec.protos import pipeline_pb2
from tzrec.utils import textproto_locator
from tzrec.utils.config_edit import edit_config
from tzrec.utils.config_errors import ConfigError, closest_names
from tzrec.utils.logging_util import logger
from tzrec.utils.proto_util import descriptor_of

__all__ = [
    "ConfigError",
    "config_to_kwargs",
    "edit_config",
    "load_pipeline_config",
    "parse_pipeline_config",
    "save_message",
    "which_msg",
]

MessageT = TypeVar("MessageT", bound=Message)

_UNKNOWN_FIELD = re.compile(r'Message type "([\w.]+)" has no field named "([^"]+)"')
_UNKNOWN_ENUM = re.compile(r'Enum type "([\w.]+)" has no value named ([\w-]+)')
_ECHOED_LINE = re.compile(r"^'.*?': ")
_MISSING_TYPE = re.compile(r"Type ([\w.]+) not found in descriptor pool")
_JSON_PATH = re.compile(r' at "([^"]+)"')


def _read_text(path: str) -> str:
    """Read a config file as UTF-8 text, refusing missing, binary and empty files."""
    if not os.path.exists(path):
        raise ConfigError("config file does not exist", path=path)
    if os.path.isdir(path):
        raise ConfigError("is a directory, not a config file", path=path)
    with open(path, "rb") as f:
        raw = f.read()
    if b"\x00" in raw[:8192]:
        raise ConfigError("is a binary file, not a text-proto or JSON config", path=path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(
            f"is not UTF-8 text (bad byte at offset {e.start}); "
            "a config must be a text-proto or JSON file",
            path=path,
        ) from None
    if not text.strip() or not re.sub(r"#[^\n]*", "", text).strip():
        raise ConfigError("config file is empty", path=path)
    return text


def _descriptor(full_name: str) -> Descriptor | None:
    from google.protobuf import descriptor_pool

    try:
        return descriptor_pool.Default().FindMessageTypeByName(full_name)
    except KeyError:
        return None


def _valid_names(descriptor: Descriptor | None) -> list[str]:
    return [f.name for f in descriptor.fields] if descriptor is not None else []


def _locate(text: str, needle: str) -> tuple[int, int]:
    """1-based (line, column) of the first ``needle`` in ``text``; (0, 0) if absent."""
    offset = text.find(needle)
    if offset < 0:
        return 0, 0
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


def _ancestor_fields(field_path: str, root: Descriptor) -> set[str]:
    """Field names of the messages enclosing the last component of ``field_path``."""
    names = set(_valid_names(root))
    descriptor: Descriptor | None = root
    for part in field_path.split(".")[:-2]:
        fd = descriptor.fields_by_name.get(re.sub(r"\[.*\]$", "", part)) if descriptor else None
        descriptor = fd.message_type if fd is not None else None
        names |= set(_valid_names(descriptor))
    return names


def _text_parse_error(
    error: text_format.ParseError, text: str, path: str, root: Descriptor
) -> ConfigError:
    """Turn protobuf's ParseError into a ConfigError with field path and hints."""
    line, column = error.GetLine() or 0, error.GetColumn() or 0
    raw = str(error)
    detail = _ECHOED_LINE.sub("", re.sub(r"^\d+:\d+ : ", "", raw).strip())
    scan = textproto_locator.scan(text, root)
    field_path = scan.path_at(line, column) if line else ""
    suggestions: list[str] = []
    unknown = _UNKNOWN_FIELD.search(raw)
    enum = _UNKNOWN_ENUM.search(raw)
    missing_type = _MISSING_TYPE.search(raw)
    if unknown:
        type_name, name = unknown.groups()
        descriptor = _descriptor(type_name)
        suggestions = closest_names(name, _valid_names(descriptor))
        message = f"unknown field '{name}' in {type_name.rsplit('.', 1)[-1]}"
        if scan.unclosed is not None and name in _ancestor_fields(field_path, root):
            opened = scan.unclosed
            message += (
                f"; '{name}' belongs to an enclosing message: is the '{{' opened at "
                f"line {opened.line} for '{opened.path}' missing its '}}'?"
            )
    elif enum:
        type_name, value = enum.groups()
        from google.protobuf import descriptor_pool

        enum_desc = descriptor_pool.Default().FindEnumTypeByName(type_name)
        names = [v.name for v in enum_desc.values]
        suggestions = closest_names(value, names)
        message = (
            f"'{value}' is not a value of {type_name.rsplit('.', 1)[-1]}; "
            f"valid values: {', '.join(names)}"
        )
    elif missing_type:
        type_name = missing_type.group(1)
        line, column = _locate(text, type_name)
        field_path = scan.path_at(line, column) if line else field_path
        message = (
            f"config message type '{type_name}' is not known; is the plugin that "
            "defines it installed? (`tzrec plugins` lists the installed plugins)"
        )
    elif scan.unclosed is not None and ("Expected" in detail or "unexpected end" in detail.lower()):
        opened = scan.unclosed
        message = (
            f"'{{' opened at line {opened.line} for '{opened.path}' is never closed ({detail})"
        )
        field_path = opened.path
    elif scan.stray_close is not None and line == scan.stray_close.line:
        message = f"'}}' without a matching '{{' ({detail})"
    else:
        message = detail
    return ConfigError(message, path, line, column, field_path, suggestions)


def _parse_text(text: str, message: MessageT, path: str, allow_unknown_field: bool) -> MessageT:
    try:
        text_format.Parse(
            text,
            message,
            allow_unknown_field=allow_unknown_field,
            allow_unknown_extension=allow_unknown_field,
        )
    except text_format.ParseError as e:
        raise _text_parse_error(e, text, path, descriptor_of(message)) from None
    return message


def _parse_json(text: str, message: MessageT, path: str, allow_unknown_field: bool) -> MessageT:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError(f"invalid JSON: {e.msg}", path, e.lineno, e.colno) from None
    try:
        json_format.ParseDict(data, message, ignore_unknown_fields=allow_unknown_field)
    except json_format.ParseError as e:
        raw = str(e)
        unknown = _UNKNOWN_FIELD.search(raw)
        at = _JSON_PATH.search(raw)
        field_path = at.group(1).split(".", 1)[1] if at and "." in at.group(1) else ""
        if unknown:
            type_name, name = unknown.groups()
            line, column = _locate(text, f'"{name}"')
            suggestions = closest_names(name, _valid_names(_descriptor(type_name)))
            raise ConfigError(
                f"unknown field '{name}' in {type_name.rsplit('.', 1)[-1]}",
                path,
                line,
                column,
                field_path,
                suggestions,
            ) from None
        first_line = raw.splitlines()[0]
        key = re.findall(r'"?(\w+)"? field', first_line)
        line, column = _locate(text, f'"{key[-1]}"') if key else (0, 0)
        raise ConfigError(first_line, path, line, column, field_path) from None
    return message


def _check_required(message: Message, text: str, path: str, is_json: bool) -> None:
    """Fail on the first unset ``required`` field, pointing at its parent message."""
    # Both message backends define it; types-protobuf's Message stub does not declare it.
    missing = message.FindInitializationErrors()  # type: ignore[attr-defined]
    if not missing:
        return
    field_path = missing[0]
    line = column = 0
    if not is_json:
        parent = field_path.rsplit(".", 1)[0] if "." in field_path else ""
        site = textproto_locator.scan(text, descriptor_of(message)).position_of(parent)
        if site is not None:
            line, column = site.line, site.column
    raise ConfigError("required field is not set", path, line, column, field_path)


def _apply_compat(config: pipeline_pb2.EasyRecConfig, path: str) -> None:
    """Map deprecated fields to their replacements, warning once for each."""
    data = config.data_config
    if config.HasField("data_config") and data.HasField("fg_encoded"):
        from tzrec.protos import data_pb2

        wanted = data_pb2.FG_NONE if data.fg_encoded else data_pb2.FG_NORMAL
        # fg_encoded only says whether the input is already FG-encoded, so an explicit
        # fg_mode agreeing with it wins (fg_encoded: false with fg_mode: FG_DAG).
        encoded_modes = (data_pb2.FG_NONE, data_pb2.FG_BUCKETIZE)
        if data.HasField("fg_mode"):
            wanted = data.fg_mode
        if (wanted in encoded_modes) != data.fg_encoded:
            raise ConfigError(
                f"data_config.fg_encoded={str(data.fg_encoded).lower()} contradicts "
                f"fg_mode={data_pb2.FgMode.Name(data.fg_mode)}; drop the deprecated "
                "fg_encoded",
                path=path,
                field_path="data_config.fg_encoded",
            )
        warnings.warn(
            f"{path}: data_config.fg_encoded is deprecated; use "
            f"fg_mode: {data_pb2.FgMode.Name(wanted)} instead",
            DeprecationWarning,
            stacklevel=3,
        )
        logger.warning(
            "data_config.fg_encoded is deprecated, mapped to fg_mode=%s",
            data_pb2.FgMode.Name(wanted),
        )
        data.fg_mode = wanted
        data.ClearField("fg_encoded")


def _import_plugin_messages() -> None:
    """Make the installed plugins' config messages parseable inside Any fields."""
    from tzrec.plugins import import_config_messages

    import_config_messages()


def parse_pipeline_config(
    text: str,
    path: str = "<string>",
    allow_unknown_field: bool = False,
    is_json: bool | None = None,
) -> pipeline_pb2.EasyRecConfig:
    """Parse pipeline config ``text`` (text proto, or JSON when ``is_json``).

    Args:
        text: the config source.
        path: the file name used in error messages.
        allow_unknown_field: skip fields the schema does not know (with a warning)
            instead of failing; for configs written for a newer TorchEasyRec.
        is_json: force JSON (True) or text proto (False); by default JSON is assumed
            when ``path`` ends with ``.json``.

    Returns:
        the parsed EasyRecConfig, with deprecated fields mapped to their successors.

    Raises:
        ConfigError: naming file, line, column and field of the first problem.
    """
    if is_json is None:
        is_json = path.endswith(".json")
    _import_plugin_messages()
    config = pipeline_pb2.EasyRecConfig()
    if is_json:
        _parse_json(text, config, path, allow_unknown_field)
    else:
        _parse_text(text, config, path, allow_unknown_field)
    _check_required(config, text, path, is_json)
    _apply_compat(config, path)
    return config


def load_pipeline_config(
    pipeline_config_path: str, allow_unknown_field: bool = False
) -> pipeline_pb2.EasyRecConfig:
    """Load a pipeline config file: text proto, or JSON for a ``.json`` file.

    Example::

        config = load_pipeline_config("examples/deepfm_criteo.config")
        config.model_config.WhichOneof("model")  # 'deepfm'
    """
    text = _read_text(pipeline_config_path)
    if allow_unknown_field:
        logger.warning(
            "%s: parsing with allow_unknown_field: fields the schema does not know are dropped",
            pipeline_config_path,
        )
    return parse_pipeline_config(text, pipeline_config_path, allow_unknown_field)


def save_message(message: Message, filepath: str) -> None:
    """Write ``message`` as UTF-8 text proto to ``filepath``, creating parent folders."""
    parent = os.path.dirname(filepath)
    if parent:
        os.makedirs(parent, exist_ok=True)
    with open(filepath, "w", encoding="utf-8") as f:
        f.write(text_format.MessageToString(message, as_utf8=True))


def _field_value(message: Message, fd: FieldDescriptor) -> Any:
    value = getattr(message, fd.name)
    if fd.is_repeated:
        if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            value_fd = fd.message_type.fields_by_name["value"]
            if value_fd.message_type is not None:
                return {k: config_to_kwargs(v) for k, v in value.items()}
            return dict(value)
        if fd.message_type is not None:
            return [config_to_kwargs(v) for v in value]
        if fd.enum_type is not None:
            return [fd.enum_type.values_by_number[v].name for v in value]
        return list(value)
    if fd.message_type is not None:
        return config_to_kwargs(value)
    if fd.enum_type is not None:
        return fd.enum_type.values_by_number[value].name
    return value


def config_to_kwargs(config: Message) -> dict[str, Any]:
    """A message as a dict of keyword arguments, defaults included.

    Scalar fields always appear (their default when unset), so a module built with
    ``MLP(**config_to_kwargs(mlp_config))`` sees the schema's defaults. Message
    fields appear only when set (recursively converted), repeated fields as lists,
    maps as dicts, enums by name; of a oneof, only the chosen member appears.

    Example::

        config_to_kwargs(MLP(hidden_units=[8, 4]))
        # {'hidden_units': [8, 4], 'activation': 'nn.ReLU', 'use_bn': False, ...}
    """
    kwargs: dict[str, Any] = {}
    for fd in descriptor_of(config).fields:
        repeated = fd.is_repeated
        in_oneof = fd.containing_oneof is not None
        if in_oneof and not config.HasField(fd.name):
            continue
        if fd.message_type is not None and not repeated and not config.HasField(fd.name):
            continue
        kwargs[fd.name] = _field_value(config, fd)
    return kwargs


def which_msg(config: Message, oneof_group: str) -> str:
    """The message type name of the member chosen in ``oneof_group``.

    Example::

        which_msg(pipeline_config.model_config, "model")  # 'DeepFM'

    Raises:
        ValueError: when the oneof does not exist or nothing in it is set.
    """
    oneofs = config.DESCRIPTOR.oneofs_by_name
    if oneof_group not in oneofs:
        raise ValueError(
            f"{config.DESCRIPTOR.name} has no oneof '{oneof_group}'; "
            f"it has: {', '.join(oneofs) or 'none'}"
        )
    chosen = config.WhichOneof(oneof_group)
    if chosen is None:
        choices = ", ".join(f.name for f in oneofs[oneof_group].fields)
        raise ValueError(
            f"{config.DESCRIPTOR.name}.{oneof_group} is not set; choose one of: {choices}"
        )
    value = getattr(config, chosen)
    if isinstance(value, Message):
        return value.DESCRIPTOR.name
    return chosen
