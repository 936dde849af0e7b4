"""The schema a multi-source reader reads: selected columns, checked in every source.

A Parquet input is many files and an ODPS input many tables or partitions; each column
read must exist in every source with one type. The first source fixes the types, except
that sources may differ in dictionary encoding alone (pandas writes categoricals as
dictionaries with index widths that depend on the number of categories): such a column
is read decoded from every source.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from tzrec.datasets.errors import ColumnTypeError, MissingColumnError


def decoded_type(t: pa.DataType) -> pa.DataType:
    """``t`` without dictionary encoding, also inside list elements."""
    if pa.types.is_dictionary(t):
        return decoded_type(t.value_type)
    if pa.types.is_list(t):
        return pa.list_(t.value_field.with_type(decoded_type(t.value_type)))
    if pa.types.is_large_list(t):
        return pa.large_list(t.value_field.with_type(decoded_type(t.value_type)))
    return t


def read_schema(sources: Sequence[tuple[str, pa.Schema]], names: Sequence[str] | None) -> pa.Schema:
    """The schema of the columns ``names`` (all of the first source's when None).

    Args:
        sources: (name for errors, schema) of every file or table, in input order.
        names: the selected columns.

    Raises:
        MissingColumnError: a column missing from some source (naming that source).
        ColumnTypeError: a column whose type differs between sources beyond encoding.
    """
    first_name, first = sources[0]
    wanted = list(names) if names is not None else first.names
    for source, schema in sources:
        for name in wanted:
            if schema.get_field_index(name) < 0:
                raise MissingColumnError(source, name, schema.names)
    fields = [first.field(name) for name in wanted]
    for source, schema in sources[1:]:
        for i, expected in enumerate(fields):
            actual = schema.field(expected.name).type
            if actual.equals(expected.type):
                continue
            if decoded_type(actual).equals(decoded_type(expected.type)):
                fields[i] = expected.with_type(decoded_type(expected.type))
                continue
            raise ColumnTypeError(
                source,
                expected.name,
                expected=f"{expected.type} (as in {first_name})",
                actual=str(actual),
            )
    return pa.schema(fields)
