"""FieldType <-> arrow types, input_fields_str parsing and the declared schema."""

from __future__ import annotations

import pyarrow as pa
import pytest

from tzrec.datasets.schema import (
    DeclaredField,
    InputFieldsError,
    arrow_to_field_type,
    declared_fields,
    field_type_to_arrow,
    parse_input_fields_str,
    parse_type_name,
    schema_from_data_config,
)
from tzrec.protos import data_pb2

SCALARS = {
    "INT32": pa.int32(),
    "INT64": pa.int64(),
    "STRING": pa.string(),
    "FLOAT": pa.float32(),
    "DOUBLE": pa.float64(),
}


def _expected_arrow(name: str) -> pa.DataType:
    """The arrow type of a FieldType name, spelled out independently of the module."""
    if name in SCALARS:
        return SCALARS[name]
    if name.startswith("ARRAY_ARRAY_"):
        return pa.list_(pa.list_(SCALARS[name.removeprefix("ARRAY_ARRAY_")]))
    if name.startswith("ARRAY_"):
        return pa.list_(SCALARS[name.removeprefix("ARRAY_")])
    _, key, value = name.split("_", 2)
    return pa.map_(SCALARS[key], SCALARS[value])


@pytest.mark.parametrize("name", list(data_pb2.FieldType.keys()))
def test_every_field_type_round_trips(name: str) -> None:
    value = data_pb2.FieldType.Value(name)
    arrow_type = field_type_to_arrow(value)
    assert arrow_type == _expected_arrow(name)
    assert arrow_to_field_type(arrow_type) == value
    assert parse_type_name(name) == value


def test_specific_arrow_types() -> None:
    assert field_type_to_arrow(data_pb2.FLOAT) == pa.float32()
    assert field_type_to_arrow(data_pb2.ARRAY_ARRAY_STRING) == pa.list_(pa.list_(pa.string()))
    assert field_type_to_arrow(data_pb2.MAP_INT64_DOUBLE) == pa.map_(pa.int64(), pa.float64())
    assert arrow_to_field_type(pa.large_string()) == data_pb2.STRING
    assert arrow_to_field_type(pa.large_list(pa.int64())) == data_pb2.ARRAY_INT64
    assert arrow_to_field_type(pa.int8()) is None
    assert arrow_to_field_type(pa.map_(pa.float32(), pa.int64())) is None
    assert arrow_to_field_type(pa.list_(pa.bool_())) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("INT", data_pb2.INT32),
        ("BIGINT", data_pb2.INT64),
        ("bigint", data_pb2.INT64),
        ("DOUBLE", data_pb2.DOUBLE),
        ("ARRAY<INT>", data_pb2.ARRAY_INT32),
        ("ARRAY< BIGINT >", data_pb2.ARRAY_INT64),
        ("ARRAY<ARRAY<FLOAT>>", data_pb2.ARRAY_ARRAY_FLOAT),
        ("ARRAY<ARRAY<STRING>>", data_pb2.ARRAY_ARRAY_STRING),
        ("MAP<STRING,BIGINT>", data_pb2.MAP_STRING_INT64),
        ("MAP<STRING, BIGINT>", data_pb2.MAP_STRING_INT64),
        ("MAP<INT , DOUBLE>", data_pb2.MAP_INT32_DOUBLE),
        ("MAP<BIGINT,STRING>", data_pb2.MAP_INT64_STRING),
        ("MAP<INT64,INT32>", data_pb2.MAP_INT64_INT32),
    ],
)
def test_type_names_and_aliases(text: str, expected: int) -> None:
    assert parse_type_name(text) == expected


@pytest.mark.parametrize(
    "text",
    ["TEXT", "ARRAY<>", "ARRAY<MAP<STRING,INT>>", "MAP<FLOAT,INT>", "MAP<STRING>", "ARRAY<INT"],
)
def test_unknown_type_names(text: str) -> None:
    with pytest.raises(ValueError, match="unknown type"):
        parse_type_name(text)


def test_parse_input_fields_str() -> None:
    fields = parse_input_fields_str(
        "user_id:BIGINT; tags:ARRAY<STRING>;m:MAP<STRING, BIGINT>;score:FLOAT;"
    )
    assert fields == [
        DeclaredField("user_id", pa.int64()),
        DeclaredField("tags", pa.list_(pa.string())),
        DeclaredField("m", pa.map_(pa.string(), pa.int64())),
        DeclaredField("score", pa.float32()),
    ]


@pytest.mark.parametrize(
    ("text", "entry", "fragment"),
    [
        ("a:BIGINT;b:ARRAY<STRNG>;", "b:ARRAY<STRNG>", "unknown type 'ARRAY<STRNG>'"),
        ("a:BIGINT;b;", "b", "expected 'name:TYPE'"),
        (":INT;", ":INT", "column name is empty"),
        ("a:INT;a:BIGINT", "a:BIGINT", "declared twice"),
    ],
)
def test_bad_entries_are_named(text: str, entry: str, fragment: str) -> None:
    with pytest.raises(InputFieldsError) as info:
        parse_input_fields_str(text)
    assert info.value.entry == entry
    assert f"'{entry}'" in str(info.value)
    assert fragment in str(info.value)


def test_input_fields_str_wins_over_input_fields() -> None:
    config = data_pb2.DataConfig(
        input_fields=[data_pb2.InputField(input_name="x", input_type=data_pb2.DOUBLE)],
        input_fields_str="a:INT;b:ARRAY<ARRAY<BIGINT>>",
    )
    schema = schema_from_data_config(config)
    assert schema == pa.schema([("a", pa.int32()), ("b", pa.list_(pa.list_(pa.int64())))])


def test_schema_from_input_fields() -> None:
    config = data_pb2.DataConfig(
        input_fields=[
            data_pb2.InputField(input_name="x", input_type=data_pb2.DOUBLE),
            data_pb2.InputField(input_name="m", input_type=data_pb2.MAP_INT32_STRING),
        ]
    )
    assert schema_from_data_config(config) == pa.schema(
        [("x", pa.float64()), ("m", pa.map_(pa.int32(), pa.string()))]
    )
    assert schema_from_data_config(data_pb2.DataConfig()) is None


def test_untyped_input_fields() -> None:
    config = data_pb2.DataConfig(
        input_fields=[
            data_pb2.InputField(input_name="x"),
            data_pb2.InputField(input_name="y", input_type=data_pb2.STRING),
        ]
    )
    assert declared_fields(config) == [
        DeclaredField("x", None),
        DeclaredField("y", pa.string()),
    ]
    with pytest.raises(InputFieldsError, match=r"'x'.*no input_type"):
        schema_from_data_config(config)
    config.input_fields.add(input_name="y")
    with pytest.raises(InputFieldsError, match="declared twice"):
        declared_fields(config)
    config.input_fields[2].input_name = ""
    with pytest.raises(InputFieldsError, match=r"'input_fields\[2\]': the input_name is empty"):
        declared_fields(config)
