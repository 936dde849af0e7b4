"""Every text-proto config snippet in TorchEasyRec's docs parses strictly into the schema.

The docs (``compat_root() / "docs"``) show configs as fenced code blocks: whole pipeline
configs, but also fragments such as a bare ``deepfm { ... }`` or ``sparse_optimizer { ...
}``. Each fragment is wrapped in the message that owns its top-level fields, found by
walking the descriptors under ``EasyRecConfig`` (shortest path first), then parsed with
``text_format.Parse`` (strict: an unknown field or enum value is an error) and
round-tripped. A schema change that breaks a documented config fails here.

Snippets that do not parse because the *docs* are wrong are listed in
``KNOWN_DOC_ERRORS``, each with the smallest edit that makes it parse
(``DOC_ERROR_FIXES``): the test asserts the snippet as written still fails (else the
entry is stale) and that the fixed snippet parses (so a doc error cannot hide a schema
gap elsewhere in the same snippet). A snippet that fails because the schema lacks a
documented field must not go in that list: fix the schema.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from google.protobuf import text_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from tests.conftest import compat_root
from tzrec.protos import pipeline_pb2
from tzrec.utils.textproto_locator import tokenize

DOCS = compat_root() / "docs"

# Languages a text-proto block is tagged with in the docs (most are untagged; the
# `protobuf` ones are either text proto or `message X {` definitions, told apart below).
_PROTO_LANGS = {"", "protobuf", "proto", "prototxt", "textproto", "pbtxt", "config"}
_FENCE = re.compile(r"^\s*```\s*([\w+-]*)\s*$")
_FENCE_END = re.compile(r"^\s*```\s*$")
# A text-proto block starts (after blank and `#` comment lines) with a snake_case field
# name followed by `{` or `:`. This leaves out shell, python, SQL, JSON, tracebacks
# (`RuntimeError: ...`, CamelCase), and proto definitions (`message X {`, `syntax =`).
_FIRST_FIELD = re.compile(r"^\s*[a-z_][a-z0-9_]*\s*[{:]")
_FIELD_VALUE_LINE = re.compile(r"^\s*[a-z_][a-z0-9_]*\s*:\s*\S")
# Placeholders meaning "more of the same": lines that are only `...` / `....` / `…`,
# and an elided body `{ ... }`. They are dropped before parsing; they are prose, not
# config, and every doc uses them.
_PLACEHOLDER_LINE = re.compile(r"^[ \t]*(?:\.{2,}|…+)[ \t]*$", re.MULTILINE)
_PLACEHOLDER_BODY = re.compile(r"\{\s*(?:\.{2,}|…+)\s*\}")
_IDENT = re.compile(r"[A-Za-z_]")

# Fewer parsed snippets than this means the extraction broke (99 were found, 91 parse,
# when this test was written).
MIN_SNIPPETS = 95
MIN_PARSED = 85

# (doc file relative to docs/, block index in the file or a substring unique to the
# block) -> why the doc, not the schema, is wrong.
KNOWN_DOC_ERRORS: dict[tuple[str, int | str], str] = {
    ("faq.md", 'vocab_list: ["cat", "dog", "bird"]'): (
        "top-level field is spelled `feature_config`; EasyRecConfig's repeated field is "
        "`feature_configs` (as in every other doc and example config)"
    ),
    ("faq.md", 'vocab_list: ["", "<OOV>", "cat", "dog", "bird"]'): (
        "top-level field is spelled `feature_config`; EasyRecConfig's repeated field is "
        "`feature_configs`"
    ),
    ("feature/feature.md", "vocab_dict: [{key:"): (
        "the vocab_dict example's `feature_configs {` is never closed (one `}` missing "
        "before the next `feature_configs {`)"
    ),
    ("feature/feature.md", 'key: "formula"\n                    string_value:'): (
        "the SeqExpr custom_feature writes `operator_params { key: ... string_value: ... "
        "}`, which is not google.protobuf.Struct text; the same doc's other examples "
        'use `operator_params { fields { key: "formula" value { string_value: ... } } }`'
    ),
    ("models/dcn.md", "grouped_auc"): (
        "`auc {}` and `grouped_auc {}` share one `metrics {}`; MetricConfig.metric is a "
        "oneof, so each metric needs its own `metrics {}` block"
    ),
    ("models/loss.md", "jrc_loss"): (
        "`session_name: session_id` is unquoted; session_name is a string field, and text "
        'format requires `session_name: "session_id"`'
    ),
    ("models/loss.md", "${model_name}"): (
        "a template, not a config: `${model_name} {` and `${loss_name} {}` are "
        "placeholders for a multi-task model and a loss"
    ),
    ("models/user_define.md", "custom_rank_model"): (
        "`custom_rank_model` is the user's own model, added to ModelConfig by the "
        "tutorial's own proto edit; it is not a built-in model"
    ),
}

# The smallest edits (old, new) that make each known-bad snippet parse.
DOC_ERROR_FIXES: dict[tuple[str, int | str], tuple[tuple[str, str], ...]] = {
    ("faq.md", 'vocab_list: ["cat", "dog", "bird"]'): (("feature_config {", "feature_configs {"),),
    ("faq.md", 'vocab_list: ["", "<OOV>", "cat", "dog", "bird"]'): (
        ("feature_config {", "feature_configs {"),
    ),
    ("feature/feature.md", "vocab_dict: [{key:"): (
        ('{key:"c" value:2}]\n    }\n', '{key:"c" value:2}]\n    }\n}\n'),
    ),
    ("feature/feature.md", 'key: "formula"\n                    string_value:'): (
        (
            'key: "formula"\n                    string_value: "spherical_distance"',
            'fields { key: "formula" value { string_value: "spherical_distance" } }',
        ),
    ),
    ("models/dcn.md", "grouped_auc"): (("auc {}\n", "auc {}\n    }\n    metrics {\n"),),
    ("models/loss.md", "jrc_loss"): (("session_name: session_id", 'session_name: "session_id"'),),
    ("models/loss.md", "${model_name}"): (
        ("${model_name}", "dbmtl"),
        ("${loss_name}", "binary_cross_entropy"),
    ),
    ("models/user_define.md", "custom_rank_model"): (
        ("custom_rank_model {\n        mlp {", "deepfm {\n        deep {"),
    ),
}


@dataclass(frozen=True)
class Snippet:
    """One fenced text-proto code block of a doc."""

    doc: str  # path relative to docs/, e.g. "models/dcn.md"
    index: int  # index among all fenced blocks of the doc (0-based)
    line: int  # 1-based line of the block's first content line
    text: str

    @property
    def id(self) -> str:
        """Readable test id: ``doc-file:block-number``."""
        return f"{self.doc}:{self.index}"


def _fenced_blocks(path: Path) -> Iterator[tuple[int, int, str, str]]:
    """Yield (index, first line, language tag, body) for each fenced code block."""
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        end = i + 1
        while end < len(lines) and not _FENCE_END.match(lines[end]):
            end += 1
        yield index, i + 2, match.group(1).lower(), "\n".join(lines[i + 1 : end])
        index += 1
        i = end + 1


def _is_text_proto(lang: str, body: str) -> bool:
    """Whether a code block is a text-proto config (vs shell, SQL, a proto file...)."""
    if lang not in _PROTO_LANGS:
        return False
    lines = [ln for ln in body.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines or _FIRST_FIELD.match(lines[0]) is None:
        return False
    # Blocks without a message are kept only when every line is `field: value`
    # (e.g. data.md's `label_fields: "click"` pair), which leaves out ASCII art.
    return "{" in body or all(_FIELD_VALUE_LINE.match(ln) for ln in lines)


def doc_snippets() -> list[Snippet]:
    """Every text-proto code block of every doc, in file order."""
    snippets = []
    for path in sorted(DOCS.rglob("*.md")):
        doc = path.relative_to(DOCS).as_posix()
        for index, line, lang, body in _fenced_blocks(path):
            if _is_text_proto(lang, body):
                snippets.append(Snippet(doc, index, line, body))
    return snippets


def drop_placeholders(text: str) -> str:
    """Remove `...` placeholder lines and `{ ... }` elided bodies."""
    return _PLACEHOLDER_BODY.sub("{ }", _PLACEHOLDER_LINE.sub("", text))


def top_level_fields(text: str) -> list[str]:
    """Field names at nesting depth 0 of a text-proto snippet, in order."""
    tokens = [t.text for t in tokenize(text)]
    names = []
    depth = 0
    for i, token in enumerate(tokens):
        if token in "{<[":
            depth += 1
        elif token in "}>]":
            depth -= 1
        elif (
            depth == 0
            and _IDENT.match(token) is not None
            and i + 1 < len(tokens)
            and tokens[i + 1] in (":", "{", "<")
        ):
            names.append(token)
    return names


def _message_paths() -> list[tuple[tuple[str, ...], Descriptor]]:
    """Each message type reachable from EasyRecConfig, with its shortest field path."""
    root = pipeline_pb2.EasyRecConfig.DESCRIPTOR
    seen: set[str] = set()
    out: list[tuple[tuple[str, ...], Descriptor]] = []
    queue: deque[tuple[tuple[str, ...], Descriptor]] = deque([((), root)])
    while queue:
        path, desc = queue.popleft()
        if desc.full_name in seen:
            continue
        seen.add(desc.full_name)
        out.append((path, desc))
        for field in desc.fields:
            if field.type == FieldDescriptor.TYPE_MESSAGE:
                if not field.message_type.GetOptions().map_entry:
                    queue.append(((*path, field.name), field.message_type))
    return out


MESSAGE_PATHS = _message_paths()


def wrappings(text: str) -> list[tuple[str, ...]]:
    """Field paths from EasyRecConfig to each message owning all the snippet's top fields.

    Shortest first; ``()`` (parse as-is) when EasyRecConfig owns them itself.
    """
    names = set(top_level_fields(text))
    return [
        path
        for path, desc in MESSAGE_PATHS
        if names and all(name in desc.fields_by_name for name in names)
    ]


def wrap(text: str, path: tuple[str, ...]) -> str:
    """Nest a snippet in ``a { b { ... } }`` along a field path."""
    for field in reversed(path):
        text = f"{field} {{\n{text}\n}}"
    return text


def parse_snippet(text: str) -> tuple[pipeline_pb2.EasyRecConfig, tuple[str, ...]]:
    """Parse a snippet strictly into EasyRecConfig, in the first wrapping that works.

    Raises:
        text_format.ParseError: no wrapping parses; the message lists each try's error.
    """
    text = drop_placeholders(text)
    paths = wrappings(text)
    errors = []
    for path in paths:
        config = pipeline_pb2.EasyRecConfig()
        try:
            text_format.Parse(wrap(text, path), config)
        except text_format.ParseError as err:
            errors.append(f"  as {'.'.join(path) or 'EasyRecConfig'}: {err}")
            continue
        return config, path
    if not paths:
        fields = ", ".join(top_level_fields(text)) or "none found"
        errors.append(f"  no message under EasyRecConfig has all its top fields ({fields})")
    raise text_format.ParseError("\n".join(errors))


SNIPPETS = doc_snippets()


def _names(key: tuple[str, int | str], snippet: Snippet) -> bool:
    """Whether a KNOWN_DOC_ERRORS key (doc, block index or substring) names a snippet."""
    doc, which = key
    if doc != snippet.doc:
        return False
    return snippet.index == which if isinstance(which, int) else which in snippet.text


def _resolve(key: tuple[str, int | str]) -> list[Snippet]:
    """The snippets a KNOWN_DOC_ERRORS key names (exactly one, checked below)."""
    return [s for s in SNIPPETS if _names(key, s)]


GOOD = [s for s in SNIPPETS if not any(_names(key, s) for key in KNOWN_DOC_ERRORS)]


def test_extraction_is_not_vacuous() -> None:
    """Enough snippets are found and expected to parse; an extraction bug shows here."""
    assert len(SNIPPETS) >= MIN_SNIPPETS, [s.id for s in SNIPPETS]
    assert len(GOOD) >= MIN_PARSED
    docs = {s.doc for s in SNIPPETS}
    for doc in ("models/deepfm.md", "feature/feature.md", "usage/train.md", "feature/zch.md"):
        assert doc in docs


def test_wrapping_comes_from_descriptors() -> None:
    """Bare fragments land in the message that owns them."""
    assert wrappings("deepfm { deep { hidden_units: 8 } }")[0] == ("model_config",)
    assert wrappings("sparse_optimizer { }")[0] == ("train_config",)
    assert wrappings("id_feature { }")[0] == ("feature_configs",)
    assert wrappings("auc {}")[0] == ("model_config", "metrics")
    assert wrappings("feature_groups { }")[0] == ("model_config",)
    assert wrappings("model_config { }")[0] == ()
    assert top_level_fields('a { b: "{" } c: 1 # d {\n e: [1, 2] f: X') == ["a", "c", "e", "f"]


@pytest.mark.parametrize("snippet", GOOD, ids=lambda s: s.id)
def test_snippet_parses_strictly_and_round_trips(snippet: Snippet) -> None:
    """The snippet parses (no unknown field or enum value) and survives print -> parse."""
    try:
        config, _ = parse_snippet(snippet.text)
    except text_format.ParseError as err:
        pytest.fail(
            f"{snippet.doc} block {snippet.index} (line {snippet.line}) does not parse:\n"
            f"{err}\nIf the schema lacks a documented field, fix the schema; add the "
            "snippet to KNOWN_DOC_ERRORS only when the doc itself is wrong."
        )
    printed = text_format.MessageToString(config)
    again = text_format.Parse(printed, pipeline_pb2.EasyRecConfig())
    assert again == config


def test_known_doc_errors_are_listed_consistently() -> None:
    """Every known error has a fix, and names exactly one snippet."""
    assert set(DOC_ERROR_FIXES) == set(KNOWN_DOC_ERRORS)
    for key in KNOWN_DOC_ERRORS:
        matches = [s.id for s in _resolve(key)]
        assert len(matches) == 1, f"KNOWN_DOC_ERRORS key {key} names {matches}, not one snippet"


def _key_id(key: tuple[str, int | str]) -> str:
    """Test id of a KNOWN_DOC_ERRORS entry: the id of the snippet it names."""
    matches = _resolve(key)
    return matches[0].id if len(matches) == 1 else f"{key[0]}:{key[1]!s:.30}"


@pytest.mark.parametrize("key", list(KNOWN_DOC_ERRORS), ids=_key_id)
def test_known_doc_error_still_fails_and_fix_parses(key: tuple[str, int | str]) -> None:
    """A listed doc error still fails as written, and parses once the doc is fixed."""
    (snippet,) = _resolve(key)
    with pytest.raises(text_format.ParseError):
        parse_snippet(snippet.text)
        pytest.fail(
            f"{snippet.id} (line {snippet.line}) parses now: remove {key} from "
            "KNOWN_DOC_ERRORS and DOC_ERROR_FIXES"
        )
    fixed = snippet.text
    for old, new in DOC_ERROR_FIXES[key]:
        assert old in fixed, f"fix {old!r} no longer applies to {snippet.id}"
        fixed = fixed.replace(old, new)
    try:
        config, _ = parse_snippet(fixed)
    except text_format.ParseError as err:
        pytest.fail(
            f"{snippet.id} (line {snippet.line}) still fails once its doc error is fixed, "
            f"so the rest of it meets a schema gap (fix the schema):\n{err}"
        )
    assert text_format.Parse(text_format.MessageToString(config), type(config)()) == config
