"""Input column types: ``data.proto`` FieldType <-> arrow types, and the declared schema.

A data config may declare the input columns (needed for headerless CSV, all-empty CSV
columns and schema-less streams) either as repeated ``input_fields`` or as the short
``input_fields_str``::

    input_fields_str: "user_id:BIGINT;tags:ARRAY<STRING>;m:MAP<STRING, BIGINT>;"

Type names of ``input_fields_str`` (case-insensitive): INT / INT32, BIGINT / INT64,
STRING, FLOAT, DOUBLE, ``ARRAY<T>``, ``ARRAY<ARRAY<T>>`` and ``MAP<K, V>`` with K one of
STRING, INT, BIGINT (aliases work everywhere; spaces are allowed around ``<``, ``>``
and the comma). FieldType enum names (``ARRAY_INT64``) are accepted too. When both forms
are set, ``input_fields_str`` wins.

Arrow types: INT32 -> int32, INT64 -> int64, STRING -> string, FLOAT -> float32,
DOUBLE -> float64, ARRAY_T -> list<T>, ARRAY_ARRAY_T -> list<list<T>>,
MAP_K_V -> map<K, V>.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from tzrec.protos import data_pb2

# Scalar FieldType names and their arrow types; the composite types are built from them.
_SCALARS: dict[str, pa.DataType] = {
    "INT32": pa.int32(),
    "INT64": pa.int64(),
    "STRING": pa.string(),
    "FLOAT": pa.float32(),
    "DOUBLE": pa.float64(),
}
# Type names of input_fields_str that stand for a scalar FieldType name.
_ALIASES: dict[str, str] = {"INT": "INT32", "BIGINT": "INT64"}
# Map key spellings: FieldType names use INT32 / INT64 / STRING.
_MAP_KEYS = ("STRING", "INT32", "INT64")


class InputFieldsError(ValueError):
    """A declared input column (``input_fields`` / ``input_fields_str``) that is invalid.

    Attributes:
        entry: the offending entry as written (``"tags:ARRAY<STRNG>"``) or field name.
    """

    def __init__(self, entry: str, message: str) -> None:
        self.entry = entry
        super().__init__(f"input field '{entry}': {message}")


@dataclass(frozen=True)
class DeclaredField:
    """One declared input column.

    Attributes:
        name: the column name.
        type: its arrow type, or None when the config leaves the type to inference.
    """

    name: str
    type: pa.DataType | None


def _field_type_name(field_type: int) -> str:
    try:
        return str(data_pb2.FieldType.Name(field_type))
    except ValueError:
        raise ValueError(f"{field_type} is not a FieldType") from None


def field_type_to_arrow(field_type: int) -> pa.DataType:
    """The arrow type of a ``data.proto`` FieldType value.

    Args:
        field_type: a ``data_pb2.FieldType`` value (``data_pb2.ARRAY_INT64``).

    Returns:
        int32 / int64 / string / float32 / float64, lists of them, lists of lists, or
        a map from string / int32 / int64 keys.
    """
    name = _field_type_name(field_type)
    if name in _SCALARS:
        return _SCALARS[name]
    if name.startswith("ARRAY_ARRAY_"):
        return pa.list_(pa.list_(_SCALARS[name[len("ARRAY_ARRAY_") :]]))
    if name.startswith("ARRAY_"):
        return pa.list_(_SCALARS[name[len("ARRAY_") :]])
    # MAP_<KEY>_<VALUE>, the key one word (STRING, INT32, INT64).
    _, key, value = name.split("_", 2)
    return pa.map_(_SCALARS[key], _SCALARS[value])


def _scalar_name(data_type: pa.DataType) -> str | None:
    if pa.types.is_large_string(data_type):
        return "STRING"
    for name, scalar in _SCALARS.items():
        if data_type == scalar:
            return name
    return None


def arrow_to_field_type(data_type: pa.DataType) -> int | None:
    """The FieldType of an arrow type, or None when no FieldType describes it.

    The inverse of :func:`field_type_to_arrow`; large strings / large lists count as
    their plain forms.
    """
    if pa.types.is_map(data_type):
        key, value = _scalar_name(data_type.key_type), _scalar_name(data_type.item_type)
        if key not in _MAP_KEYS or value is None:
            return None
        return int(data_pb2.FieldType.Value(f"MAP_{key}_{value}"))
    if pa.types.is_list(data_type) or pa.types.is_large_list(data_type):
        inner = data_type.value_type
        if pa.types.is_list(inner) or pa.types.is_large_list(inner):
            scalar = _scalar_name(inner.value_type)
            prefix = "ARRAY_ARRAY_"
        else:
            scalar = _scalar_name(inner)
            prefix = "ARRAY_"
        return None if scalar is None else int(data_pb2.FieldType.Value(prefix + scalar))
    scalar = _scalar_name(data_type)
    return None if scalar is None else int(data_pb2.FieldType.Value(scalar))


def is_scalar_type(data_type: pa.DataType) -> bool:
    """Whether ``data_type`` is one of the scalar FieldTypes (what CSV can hold)."""
    return _scalar_name(data_type) is not None


def _parse_scalar(text: str) -> str | None:
    name = _ALIASES.get(text, text)
    return name if name in _SCALARS else None


def _split_generic(text: str, prefix: str) -> str | None:
    """The ``T`` of ``PREFIX<T>`` (already upper-cased, spaces removed), or None."""
    if text.startswith(prefix + "<") and text.endswith(">"):
        return text[len(prefix) + 1 : -1]
    return None


def parse_type_name(text: str) -> int:
    """The FieldType of an ``input_fields_str`` type name.

    Args:
        text: ``"BIGINT"``, ``"ARRAY<ARRAY<FLOAT>>"``, ``"MAP<STRING, INT>"``... or a
            FieldType enum name.

    Returns:
        The ``data_pb2.FieldType`` value.

    Raises:
        ValueError: the name describes no FieldType (the message says what is allowed).
    """
    spelled = "".join(text.split()).upper()
    if spelled in data_pb2.FieldType.keys():
        return int(data_pb2.FieldType.Value(spelled))
    scalar = _parse_scalar(spelled)
    if scalar is not None:
        return int(data_pb2.FieldType.Value(scalar))
    inner = _split_generic(spelled, "ARRAY")
    if inner is not None:
        nested = _split_generic(inner, "ARRAY")
        element = _parse_scalar(nested if nested is not None else inner)
        if element is not None:
            prefix = "ARRAY_ARRAY_" if nested is not None else "ARRAY_"
            return int(data_pb2.FieldType.Value(prefix + element))
    inner = _split_generic(spelled, "MAP")
    if inner is not None and inner.count(",") == 1:
        key_text, value_text = inner.split(",")
        key, value = _parse_scalar(key_text), _parse_scalar(value_text)
        if key in _MAP_KEYS and value is not None:
            return int(data_pb2.FieldType.Value(f"MAP_{key}_{value}"))
    raise ValueError(
        f"unknown type '{text.strip()}'; use INT, INT32, BIGINT, INT64, STRING, FLOAT, "
        "DOUBLE, ARRAY<T>, ARRAY<ARRAY<T>> or MAP<K, V> with K one of STRING, INT, BIGINT"
    )


def parse_input_fields_str(text: str) -> list[DeclaredField]:
    """The columns of an ``input_fields_str`` (``"a:BIGINT;b:ARRAY<STRING>;"``).

    Entries are separated by ``;`` (a trailing one is fine); each is ``name:TYPE``.

    Raises:
        InputFieldsError: an entry without ``:``, with an empty name, an unknown type,
            or a name declared twice; the error names the entry.
    """
    fields: list[DeclaredField] = []
    seen: set[str] = set()
    for raw in text.split(";"):
        entry = raw.strip()
        if not entry:
            continue
        name, sep, type_text = entry.partition(":")
        name = name.strip()
        if not sep:
            raise InputFieldsError(entry, "expected 'name:TYPE'")
        if not name:
            raise InputFieldsError(entry, "the column name is empty")
        if name in seen:
            raise InputFieldsError(entry, f"column '{name}' is declared twice")
        try:
            field_type = parse_type_name(type_text)
        except ValueError as e:
            raise InputFieldsError(entry, str(e)) from None
        seen.add(name)
        fields.append(DeclaredField(name, field_type_to_arrow(field_type)))
    return fields


def declared_fields(data_config: data_pb2.DataConfig) -> list[DeclaredField]:
    """The input columns a data config declares, in order; empty when it declares none.

    ``input_fields_str`` (when non-empty) wins over ``input_fields``. An
    ``input_fields`` entry without ``input_type`` has type None (inferred).

    Raises:
        InputFieldsError: a malformed entry or a column declared twice.
    """
    if data_config.input_fields_str.strip():
        return parse_input_fields_str(data_config.input_fields_str)
    fields: list[DeclaredField] = []
    seen: set[str] = set()
    for index, field in enumerate(data_config.input_fields):
        if not field.input_name:
            raise InputFieldsError(f"input_fields[{index}]", "the input_name is empty")
        if field.input_name in seen:
            raise InputFieldsError(field.input_name, "declared twice in input_fields")
        seen.add(field.input_name)
        data_type = field_type_to_arrow(field.input_type) if field.HasField("input_type") else None
        fields.append(DeclaredField(field.input_name, data_type))
    return fields


def schema_from_data_config(data_config: data_pb2.DataConfig) -> pa.Schema | None:
    """The arrow schema a data config declares, or None when it declares no columns.

    Raises:
        InputFieldsError: a malformed entry, or an ``input_fields`` entry without
            ``input_type`` (a schema needs every type; use :func:`declared_fields`
            where some types may be inferred).
    """
    fields = declared_fields(data_config)
    if not fields:
        return None
    untyped = [f.name for f in fields if f.type is None]
    if untyped:
        raise InputFieldsError(
            untyped[0], "has no input_type, which this input needs for every column"
        )
    return pa.schema([pa.field(f.name, f.type) for f in fields])
