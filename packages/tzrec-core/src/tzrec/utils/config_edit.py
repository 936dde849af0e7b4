"""``edit_config``: change a pipeline config with ``--edit_config_json`` style edits.

Each key is a path into the config and each value the new value::

    edit_config(config, {
        "model_dir": "experiments/run2",
        "train_config.num_epochs": 2,
        "feature_configs[0].raw_feature.boundaries": [4, 5, 6, 7],
        "feature_configs[feature_name=cat_0].id_feature.embedding_dim": 32,
        "feature_configs[1:3].id_feature.embedding_dim": "16",
        "feature_configs[:].id_feature.embedding_dim": 8,
        "model_config.feature_groups[group_name=deep].feature_names": [],
    })

Path syntax:

- ``a.b.c``: dot notation through message fields.
- ``field[i]``: the i-th element of a repeated field (negative counts from the end).
- ``field[i:j]``, ``field[:]``: a slice of a repeated message field; the rest of the
  path applies to each element.
- ``field[key=value]`` (also ``!=``, ``>``, ``>=``, ``<``, ``<=``): the elements whose
  ``key`` matches; ``key`` may itself be a path (``input_names[0]``) and is also
  looked up inside the element's chosen oneof member, so ``feature_name`` finds
  ``id_feature.feature_name``. Numeric fields compare as numbers.
- Walking into a oneof member (``feature_configs[:].id_feature.embedding_dim``) skips
  the elements whose oneof holds another member (raw features stay raw features); it
  is an error when no element is left. Set the member as a whole message
  (``"train_config.sparse_optimizer.adam_optimizer": {"lr": 0.01}``) to switch a oneof.

Values are converted to the field's type: numbers from strings, ``"true"``/``"false"``
for booleans, enum names, lists (JSON lists or ``"[1, 2]"`` / ``"1,2"`` strings) for
repeated fields, dicts or text-proto strings for messages, and dicts (or JSON object
text) for maps. An empty list clears a repeated field.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from google.protobuf import json_format, text_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from tzrec.utils.config_errors import ConfigEditError, closest_names
from tzrec.utils.proto_util import descriptor_of

_COMPONENT = re.compile(r"^(?P<name>[A-Za-z_]\w*)(?:\[(?P<selector>.*)\])?$")
_CONDITION = re.compile(r"^(?P<key>[\w.\[\]:-]+?)\s*(?P<op>!=|>=|<=|=|>|<)\s*(?P<value>.*)$")
_SLICE = re.compile(r"^\s*(-?\d*)\s*:\s*(-?\d*)\s*$")
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
_INT_TYPES = {
    FieldDescriptor.CPPTYPE_INT32,
    FieldDescriptor.CPPTYPE_INT64,
    FieldDescriptor.CPPTYPE_UINT32,
    FieldDescriptor.CPPTYPE_UINT64,
}
_INT_RANGES = {
    FieldDescriptor.CPPTYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.CPPTYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.CPPTYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.CPPTYPE_UINT64: (0, 2**64 - 1),
}
_FLOAT_TYPES = {FieldDescriptor.CPPTYPE_FLOAT, FieldDescriptor.CPPTYPE_DOUBLE}


def split_path(path: str) -> list[tuple[str, str | None]]:
    """Split ``a.b[sel].c`` into ``[("a", None), ("b", "sel"), ("c", None)]``.

    Dots inside brackets belong to the selector (``x[a.b=1.5]``).
    """
    parts, depth, current = [], 0, ""
    for char in path:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        if char == "." and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    components = []
    for part in parts:
        match = _COMPONENT.match(part.strip())
        if match is None:
            raise ConfigEditError(f"edit key '{path}': cannot read the part '{part}'")
        components.append((match.group("name"), match.group("selector")))
    return components


def _field(message: Message, name: str, key: str) -> FieldDescriptor:
    fd = descriptor_of(message).fields_by_name.get(name)
    if fd is None:
        valid = [f.name for f in message.DESCRIPTOR.fields]
        hint = closest_names(name, valid)
        extra = f"; did you mean {', '.join(hint)}?" if hint else ""
        raise ConfigEditError(
            f"edit key '{key}': {message.DESCRIPTOR.name} has no field '{name}'{extra}"
        )
    return fd


def _is_repeated(fd: FieldDescriptor) -> bool:
    return fd.is_repeated


def convert_scalar(fd: FieldDescriptor, value: Any, key: str) -> Any:
    """Convert a JSON value or string to the Python type of scalar field ``fd``."""
    try:
        if fd.cpp_type == FieldDescriptor.CPPTYPE_BOOL:
            if isinstance(value, str):
                lowered = value.strip().lower()
                if lowered not in ("true", "false", "1", "0"):
                    raise ValueError(f"'{value}' is not true/false")
                return lowered in ("true", "1")
            return bool(value)
        if fd.cpp_type in _INT_TYPES:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(f"{value} is not a whole number")
            number = int(value)
            low, high = _INT_RANGES[fd.cpp_type]
            if not low <= number <= high:
                raise ValueError(f"{number} is out of range [{low}, {high}]")
            return number
        if fd.cpp_type in _FLOAT_TYPES:
            return float(value)
        if fd.cpp_type == FieldDescriptor.CPPTYPE_ENUM:
            enum_type = fd.enum_type
            assert enum_type is not None  # every enum field has its enum's descriptor
            if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
                number = int(value)
                if number in enum_type.values_by_number:
                    return number
            elif str(value) in enum_type.values_by_name:
                return enum_type.values_by_name[str(value)].number
            names = ", ".join(enum_type.values_by_name)
            raise ValueError(f"'{value}' is not one of {names}")
        if fd.cpp_type == FieldDescriptor.CPPTYPE_STRING:
            return value if isinstance(value, str) else json.dumps(value)
    except (TypeError, ValueError) as e:
        raise ConfigEditError(f"edit key '{key}': bad value for {fd.name}: {e}") from None
    raise ConfigEditError(f"edit key '{key}': cannot set field {fd.name} of this type")


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                parsed = [v.strip() for v in text[1:-1].split(",") if v.strip()]
            return parsed if isinstance(parsed, list) else [parsed]
        return [v.strip() for v in text.split(",") if v.strip()]
    return [value]


def _fill_message(target: Message, value: Any, key: str) -> None:
    target.Clear()
    try:
        if isinstance(value, Mapping):
            json_format.ParseDict(dict(value), target)
        elif isinstance(value, str):
            text = value.strip()
            if text.startswith("{") and text.endswith("}"):
                text = text[1:-1]
            text_format.Parse(text, target)
        else:
            raise ConfigEditError(
                f"edit key '{key}': {target.DESCRIPTOR.name} needs a dict or text proto"
            )
    except (json_format.ParseError, text_format.ParseError) as e:
        raise ConfigEditError(f"edit key '{key}': {e}") from None


def _is_map(fd: FieldDescriptor) -> bool:
    return fd.message_type is not None and fd.message_type.GetOptions().map_entry


def _set_map(message: Message, fd: FieldDescriptor, value: Any, key: str) -> None:
    """Replace map field ``fd`` with ``value``: a dict or its JSON text."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except json.JSONDecodeError as e:
            raise ConfigEditError(f"edit key '{key}': {fd.name} needs a JSON object: {e}") from None
    if not isinstance(value, Mapping):
        raise ConfigEditError(f"edit key '{key}': {fd.name} is a map, it needs a dict")
    entry = fd.message_type
    assert entry is not None  # a map field's type is its generated entry message
    key_fd = entry.fields_by_name["key"]
    value_fd = entry.fields_by_name["value"]
    container = getattr(message, fd.name)
    container.clear()
    for map_key, map_value in value.items():
        converted_key = convert_scalar(key_fd, map_key, key)
        if value_fd.message_type is not None:
            _fill_message(container[converted_key], map_value, key)
        else:
            container[converted_key] = convert_scalar(value_fd, map_value, key)


def _set_field(message: Message, fd: FieldDescriptor, value: Any, key: str) -> None:
    """Replace field ``fd`` of ``message`` with ``value``."""
    if _is_map(fd):
        _set_map(message, fd, value, key)
    elif _is_repeated(fd):
        container = getattr(message, fd.name)
        items = _as_list(value)
        del container[:]
        if fd.message_type is not None:
            for item in items:
                _fill_message(container.add(), item, key)
        else:
            container.extend(convert_scalar(fd, item, key) for item in items)
    elif fd.message_type is not None:
        _fill_message(getattr(message, fd.name), value, key)
    else:
        setattr(message, fd.name, convert_scalar(fd, value, key))


def _lookup_key(element: Message, key_path: str) -> tuple[bool, Any, FieldDescriptor | None]:
    """Resolve a condition key on ``element``; also search its chosen oneof members."""
    candidates = [element]
    for oneof in element.DESCRIPTOR.oneofs:
        chosen = element.WhichOneof(oneof.name)
        if chosen is not None and isinstance(getattr(element, chosen), Message):
            candidates.append(getattr(element, chosen))
    for candidate in candidates:
        current: Any = candidate
        fd: FieldDescriptor | None = None
        try:
            for name, selector in split_path(key_path):
                fd = current.DESCRIPTOR.fields_by_name.get(name)
                if fd is None:
                    raise LookupError(name)
                current = getattr(current, name)
                if selector is not None:
                    current = current[int(selector)]
        except (LookupError, ValueError, AttributeError, ConfigEditError):
            continue
        return True, current, fd
    return False, None, None


def _matches(element: Message, condition: str, key: str) -> bool:
    match = _CONDITION.match(condition)
    if match is None:
        raise ConfigEditError(f"edit key '{key}': cannot read the selector [{condition}]")
    if not isinstance(element, Message):
        raise ConfigEditError(
            f"edit key '{key}': [{condition}] selects messages by a field, but this "
            "repeated field holds plain values; use an index or a slice"
        )
    found, actual, fd = _lookup_key(element, match.group("key"))
    if not found:
        return False
    if fd is not None and fd.is_repeated and not isinstance(actual, Message):
        if not isinstance(actual, (str, bytes, int, float)):
            raise ConfigEditError(
                f"edit key '{key}': '{match.group('key')}' in [{condition}] is repeated; "
                f"compare one element, e.g. {match.group('key')}[0]"
            )
    wanted: Any = match.group("value").strip().strip("'\"")
    if fd is not None and not isinstance(actual, Message):
        if fd.cpp_type == FieldDescriptor.CPPTYPE_ENUM:
            assert fd.enum_type is not None  # every enum field has its enum's descriptor
            actual = fd.enum_type.values_by_number[actual].name
        elif fd.cpp_type != FieldDescriptor.CPPTYPE_STRING:
            wanted = convert_scalar(fd, wanted, key)
    return _OPERATORS[match.group("op")](actual, wanted)


def _select(items: list[Any], selector: str, key: str) -> list[Any]:
    """The elements of a repeated field picked by ``selector``."""
    text = selector.strip()
    if re.fullmatch(r"-?\d+", text):
        index = int(text)
        if not -len(items) <= index < len(items):
            raise ConfigEditError(
                f"edit key '{key}': index {index} is out of range ({len(items)} elements)"
            )
        return [items[index]]
    slice_match = _SLICE.match(text)
    if slice_match:
        start, stop = (int(v) if v else None for v in slice_match.groups())
        return items[start:stop]
    picked = [item for item in items if _matches(item, text, key)]
    if not picked:
        raise ConfigEditError(f"edit key '{key}': no element matches [{selector}]")
    return picked


def _apply_one(root: Message, key: str, value: Any) -> None:
    components = split_path(key)
    messages = [root]
    for depth, (name, selector) in enumerate(components):
        last = depth == len(components) - 1
        next_messages: list[Message] = []
        other_members: list[str] = []
        for message in messages:
            fd = _field(message, name, key)
            if last and selector is None:
                _set_field(message, fd, value, key)
                continue
            if selector is not None and (not _is_repeated(fd) or _is_map(fd)):
                kind = "a map" if _is_map(fd) else "not repeated"
                raise ConfigEditError(
                    f"edit key '{key}': '{name}' is {kind}, it takes no [{selector}]"
                )
            if fd.message_type is None:
                if not last:
                    raise ConfigEditError(
                        f"edit key '{key}': '{name}' is a scalar, it has no sub-fields"
                    )
                container = getattr(message, fd.name)
                positions = _select(list(range(len(container))), selector or "", key)
                for position in positions:
                    container[position] = convert_scalar(fd, value, key)
                continue
            if _is_repeated(fd):
                if selector is None:
                    raise ConfigEditError(
                        f"edit key '{key}': '{name}' is repeated; pick elements with "
                        f"{name}[0], {name}[:] or {name}[field=value]"
                    )
                chosen = _select(list(getattr(message, fd.name)), selector, key)
                if last:
                    for element in chosen:
                        _fill_message(element, value, key)
                next_messages.extend(chosen)
            else:
                # Walking into a oneof member must not switch a oneof already set to
                # another member (``feature_configs[:].id_feature.x`` would turn raw
                # features into bare id features): such elements are skipped.
                oneof = fd.containing_oneof
                chosen_member = message.WhichOneof(oneof.name) if oneof is not None else None
                if chosen_member not in (None, fd.name):
                    other_members.append(chosen_member)
                    continue
                next_messages.append(getattr(message, fd.name))
        if other_members and not next_messages:
            raise ConfigEditError(
                f"edit key '{key}': the oneof holding '{name}' is set to "
                f"'{other_members[0]}'; set '{name}' as a whole message to switch it"
            )
        messages = next_messages


def edit_config(pipeline_config: Message, edit_config_json: Mapping[str, Any] | str) -> Message:
    """Apply edits to ``pipeline_config`` in place and return it.

    Args:
        pipeline_config: the config message (usually an EasyRecConfig).
        edit_config_json: a dict, or its JSON text, of ``path -> new value`` (see the
            module docstring for the path syntax).

    Raises:
        ConfigEditError: naming the key for an unknown field, a selector matching
            nothing, or a value that does not convert to the field's type.
    """
    if isinstance(edit_config_json, str):
        try:
            edits = json.loads(edit_config_json)
        except json.JSONDecodeError as e:
            raise ConfigEditError(f"edit_config_json is not valid JSON: {e}") from None
    else:
        edits = edit_config_json
    if not isinstance(edits, Mapping):
        raise ConfigEditError("edit_config_json must be a JSON object of path: value")
    for key, value in edits.items():
        _apply_one(pipeline_config, key, value)
    return pipeline_config
