"""Every config field TorchEasyRec's docs describe in prose exists in the schema.

test_doc_snippets.py parses the docs' text-proto code blocks. Many fields, though, are
documented only in prose: field-description lists under a snippet (``- **pooling**: ...``,
``  - hidden_units: mlp每一层...``), parameter tables (``| thresholds | uint32 | ... |``)
and sections titled by a field (``### fg_mode``). This test extracts those names (outside
code blocks) and asserts each is a field, oneof or enum value name of a message reachable
from EasyRecConfig. The check is by name, not by owning message: the docs' nesting is too
loose (skipped levels, wrong indentation) to resolve owners reliably.

Extracted, from the Markdown docs (``compat_root() / "docs"``):

* a list item (``-``/``*``/``+``/``1.``) that starts with a name, optionally ``**bold**`` or
  `` `code` ``, possibly several joined by ``/``, optionally followed by a short
  parenthetical such as ``(可选)``, then ``:`` (not ``://``) or a full-width ``：``. A name
  is snake_case (``hidden_units``) or an upper-case enum-style name (``FG_DAG``);
* a list item that is only a snake_case name (``- extraction_networks``), or a snake_case
  name followed by a space and a Chinese description (``- share_num 共享任务的专家数``);
* the first cell of each row of a table whose header's first cell says it lists
  parameters or fields (参数, 参数名, 字段, 字段名);
* a heading that is a single snake_case name (``### fg_mode``, ``## jrc_loss``).

Names the docs describe in the same way but that are not config fields (environment
variables, flags and parameters of other tools, table columns, feature group names the
models expect ...) are listed in ``NOT_CONFIG_FIELDS`` by reason; names the docs' prose
misspells (while their snippets use the real field) are in ``DOC_MISNAMES``. A documented
name missing from the schema that is a real config field must be added to the schema.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

import pytest
from google.protobuf.descriptor import Descriptor, EnumDescriptor

from tests.conftest import compat_root
from tzrec.protos import pipeline_pb2

DOCS = compat_root() / "docs"

# Fewer names than this means the extraction broke (658 occurrences of 415 distinct names
# in 35 docs were found when this test was written).
MIN_OCCURRENCES = 600
MIN_DISTINCT = 380
MIN_DOCS = 32

# A field-style name (snake_case) or an enum-style name (UPPER_CASE). CamelCase words
# (`Embedding`), dotted paths (`metadata.resource`) and URLs are not names.
_NAME = r"[a-z][a-z0-9_]*|[A-Z][A-Z0-9_]*"
_MARKED = rf"\*\*(?:{_NAME})\*\*|`(?:{_NAME})`|(?:{_NAME})"
_ITEM = r"^\s*(?:[-*+]|\d+\.)\s+"
_FENCE = re.compile(r"^\s*(?:```|~~~)")
# `- **name**: ...`, `- name / other: ...`, `- name(可选): ...`, `- name：...`
_ITEM_WITH_COLON = re.compile(
    rf"{_ITEM}((?:{_MARKED})(?:\s*/\s*(?:{_MARKED}))*)\s*(?:[(（][^)）]{{0,12}}[)）])?\s*"
    r"(?::(?!//)|：)"
)
# `- name` alone, or `- name 中文说明` (lower-case only: `- JAR 下载地址` is prose).
_ITEM_WITHOUT_COLON = re.compile(
    rf"{_ITEM}(?:\*\*|`)?([a-z][a-z0-9_]*)(?:\*\*|`)?(?:\s*$|\s+[\u4e00-\u9fff])"
)
_HEADING = re.compile(r"^#+\s+`?([a-z][a-z0-9_]*)`?\s*$")
_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_TABLE_RULE = re.compile(r"^[\s|:-]+$")
# First header cells of tables that describe parameters / fields. (Tables of columns,
# 列名, operators, functions ... are left out.)
_PARAMETER_TABLE_HEADERS = {"参数", "参数名", "字段", "字段名"}

# Documented names that are not config fields, by reason. Each must still be extracted
# from some doc, and must not be a schema name (else the entry is stale).
NOT_CONFIG_FIELDS: dict[str, tuple[str, ...]] = {
    "environment variable read by the tzrec commands or the serving processor": (
        "CUDA_HOME",
        "DIST_QUANT",
        "ENABLE_AOT",
        "INPUT_TILE",
        "INPUT_TILE_3_ONLINE",
        "NO_GRAD_GUARD",
        "ODPS_CONFIG_FILE_PATH",
        "ODPS_ENDPOINT",
        "ODPS_TABLE_LIFECYCLE",
        "ONLINE_DENSE_EXPORT",
        "ONLINE_DENSE_EXPORT_DIR",
        "ONLINE_DENSE_EXPORT_INTERVAL",
        "ONLINE_DENSE_EXPORT_KEEP_VERSIONS",
        "ONLINE_DENSE_EXPORT_QUORUM",
        "ONLINE_DENSE_EXPORT_STEPS",
        "ONLINE_DENSE_EXPORT_TIMEOUT",
        "QUANT_EC_EMB",
        "QUANT_EMB",
        "TZREC_KAFKA_OFFSETS_FOR_TIMES_BATCH_SIZE",
        "TZREC_KAFKA_OFFSETS_FOR_TIMES_RETRIES",
        "TZREC_KAFKA_OFFSETS_FOR_TIMES_TIMEOUT",
        "USE_DISTRIBUTED_EMBEDDING",
    ),
    "parameter of the EAS model service (usage/serving.md), not of the pipeline config": (
        "access_key_id",
        "access_key_secret",
        "background_feature_thread_num",
        "faiss_neigh_num",
        "faiss_nprobe",
        "featuredb_passwd",
        "featuredb_username",
        "fs_entity",
        "fs_model",
        "fs_project",
        "item_empty_score",
        "load_feature_from_offlinestore",
        "long_request_threshold",
        "outputs",
        "path",
        "region",
        "request_log_path",
        "save_long_request",
        "tdm_retrieval_num",
        "warmup_cnt_per_file",
        "warmup_data_path",
        "warmup_pb_files_count",
    ),
    "key of the EAS job spec that runs an AOT export (usage/export.md)": ("storage",),
    "parameter of the PyODPS job that runs FG on a MaxCompute table (feature/data.md)": (
        "fg_json_file",
        "force_delete_output_table",
        "force_update_resource",
        "input_table",
        "output_table",
        "partition_value",
        "set_sql",
    ),
    "command-line flag of tzrec.tools.hitrate (models/mind.md)": (
        "num_interests",
        "request_id_field",
        "topk_across_interests",
    ),
    "feature group name (group_name value) a model expects, not a field": (
        "candidate",
        "candidate_timestamp",
        "contextual",
        "pair",
        "pair_flag",
        "query_time",
        "uih",
        "uih_action",
        "uih_timestamp",
        "uih_watchtime",
    ),
    "feature name (feature_name value) of a doc's example config": (
        "emb",
        "is_pair",
        "pair_emb",
    ),
    "column of an input or prediction output table": (
        "codes",
        "item_id",
        "tag",
    ),
    "input side of an `expression` (`side:name`), not a field": (
        "const",
        "context",
        "item",
        "user",
    ),
    "value of a string field (score_strategy, normalizer, exporter_type)": (
        "LFU",
        "NO_EVICTION",
        "STEP",
        "TIMESTAMP",
        "best",
        "latest",
        "log10",
        "minmax",
        "zscore",
    ),
    "prose: a note label, a step title, a technique named in a heading": (
        "NOTE",  # `- NOTE: hash_bucket_size, num_buckets, vocab_list, 只能指定其中之一`
        "local",  # mind.md `2. local`: the local variant of a command
        "pe_mtl_loss",  # loss.md heading; configured by use_pareto_loss_weight
    ),
}

# Names the docs' prose misspells -> the schema field their own snippets and example
# configs use.
DOC_MISNAMES: dict[str, str] = {
    # mmoe.md / dbmtl.md list `expert_num`; their snippets write `num_expert: 3`.
    "expert_num": "num_expert",
}

_NOT_CONFIG_NAMES = {name for names in NOT_CONFIG_FIELDS.values() for name in names}


@dataclass(frozen=True)
class DocName:
    """One documented name."""

    name: str
    line: int  # 1-based
    kind: str  # "item", "table" or "heading"


def _cells(row: str) -> list[str]:
    """Cells of a table row, stripped of spaces and bold / code markup."""
    return [cell.strip().strip("*`").strip() for cell in row.split("|")]


def documented_names(text: str) -> list[DocName]:
    """The field-description names of a Markdown doc, in order (code blocks skipped)."""
    found: list[DocName] = []
    in_code = False
    in_table = False  # inside a table (after its header row)
    in_parameter_table = False
    for number, line in enumerate(text.splitlines(), 1):
        if _FENCE.match(line):
            in_code = not in_code
            continue
        if in_code:
            continue
        row = _TABLE_ROW.match(line)
        if row is not None:
            first = _cells(row.group(1))[0]
            if not in_table:  # the header row
                in_table = True
                in_parameter_table = first in _PARAMETER_TABLE_HEADERS
            elif (
                in_parameter_table
                and not _TABLE_RULE.match(line)
                and re.fullmatch(_NAME, first) is not None
            ):
                found.append(DocName(first, number, "table"))
            continue
        in_table = False
        match = _ITEM_WITH_COLON.match(line)
        if match is not None:
            for token in match.group(1).split("/"):
                found.append(DocName(token.strip().strip("*`"), number, "item"))
            continue
        match = _ITEM_WITHOUT_COLON.match(line) or _HEADING.match(line)
        if match is not None:
            kind = "heading" if line.lstrip().startswith("#") else "item"
            found.append(DocName(match.group(1), number, kind))
    return found


def schema_names() -> set[str]:
    """Field, oneof and enum value names of every message reachable from EasyRecConfig.

    Oneof names count: the docs name a oneof as the slot to fill (`optimizer`,
    `learning_rate`, `eviction_policy`, ...). Map entries and well-known types
    (google.protobuf.Struct / Value) are walked too; the docs describe their fields.
    """
    names: set[str] = set()

    def add_enum(enum: EnumDescriptor) -> None:
        names.update(value.name for value in enum.values)

    seen: set[str] = set()
    queue: deque[Descriptor] = deque([pipeline_pb2.EasyRecConfig.DESCRIPTOR])
    while queue:
        desc = queue.popleft()
        if desc.full_name in seen:
            continue
        seen.add(desc.full_name)
        names.update(oneof.name for oneof in desc.oneofs)
        for enum in desc.enum_types:
            add_enum(enum)
        queue.extend(desc.nested_types)
        for field in desc.fields:
            names.add(field.name)
            if field.message_type is not None:
                queue.append(field.message_type)
            if field.enum_type is not None:
                add_enum(field.enum_type)
    return names


SCHEMA_NAMES = schema_names()
DOC_NAMES: dict[str, list[DocName]] = {
    path.relative_to(DOCS).as_posix(): names
    for path in sorted(DOCS.rglob("*.md"))
    if (names := documented_names(path.read_text(encoding="utf-8")))
}
ALL_NAMES = {n.name for names in DOC_NAMES.values() for n in names}


def test_extraction_is_not_vacuous() -> None:
    """Enough names are found, from every kind of source; an extraction bug shows here."""
    occurrences = sum(len(names) for names in DOC_NAMES.values())
    assert occurrences >= MIN_OCCURRENCES
    assert len(ALL_NAMES) >= MIN_DISTINCT
    assert len(DOC_NAMES) >= MIN_DOCS
    expected = {
        ("feature/feature.md", "fg_encoded_default_value", "item"),  # **bold**:
        ("models/wide_and_deep.md", "wide_embedding_dim", "item"),  # nested item
        ("models/deepfm.md", "hidden_units", "item"),
        ("models/dssm.md", "negative_sampler", "item"),  # full-width colon
        ("models/mind.md", "max_k", "item"),  # `max_k(可选):`
        ("models/sid_rqkmeans.md", "save_checkpoints_epochs", "item"),  # `a / b:`
        ("models/ple.md", "share_num", "item"),  # `- share_num 共享任务的专家数`
        ("models/ple.md", "extraction_networks", "item"),  # bare name
        ("models/dlrm_hstu.md", "TRITON", "item"),  # enum value
        ("models/evaluation_metrics.md", "max_pairs_per_group", "table"),
        ("usage/serving.md", "fg_threads", "table"),  # `| **fg_threads** |`
        ("feature/data.md", "shuffle_buffer_size", "heading"),
    }
    found = {(doc, n.name, n.kind) for doc, names in DOC_NAMES.items() for n in names}
    assert expected <= found, expected - found


def test_extraction_rules() -> None:
    """What is and is not taken as a documented name."""
    doc = "\n".join(
        [
            "- **pooling**: 池化方式",  # 1 yes
            "  - `value_dim`：默认值是0",  # 2 yes, full-width colon
            "- user_tower/item_tower:",  # 3 both
            "- hist_seq_mlp(可选): mlp",  # 4 yes
            "- `kafka://broker:9092/topic`",  # 5 no: a URL
            "- Embedding: 向量",  # 6 no: CamelCase
            "- `metadata.resource`: 资源组",  # 7 no: dotted
            "- FG_DAG: 模式",  # 8 yes, enum-style
            "- JAR 下载地址",  # 9 no
            "```",
            "- in_code: 1",  # 11 no: code block
            "```",
            "| 字段名 | 类型 |",
            "| ------ | ---- |",
            "| top_k  | uint32 |",  # 15 yes
            "",
            "| 列名 | 类型 |",
            "| ---- | ---- |",
            "| item_id | string |",  # 19 no: a column table
            "### fg_mode",  # 20 yes
            "## 简介",  # no
            "    - share_num 共享任务的专家数",  # 22 yes
        ]
    )
    got = [(n.name, n.line) for n in documented_names(doc)]
    assert got == [
        ("pooling", 1),
        ("value_dim", 2),
        ("user_tower", 3),
        ("item_tower", 3),
        ("hist_seq_mlp", 4),
        ("FG_DAG", 8),
        ("top_k", 15),
        ("fg_mode", 20),
        ("share_num", 22),
    ]


@pytest.mark.parametrize("doc", list(DOC_NAMES))
def test_documented_names_are_schema_names(doc: str) -> None:
    """Each name the doc describes is a schema field / oneof / enum value, or allow-listed."""
    missing = [
        n
        for n in DOC_NAMES[doc]
        if n.name not in SCHEMA_NAMES
        and n.name not in _NOT_CONFIG_NAMES
        and n.name not in DOC_MISNAMES
    ]
    assert not missing, (
        f"{doc} documents names that no message under EasyRecConfig has:\n"
        + "\n".join(f"  {n.name} (line {n.line}, {n.kind})" for n in missing)
        + "\nIf it is a config field, add it to the schema; if it is not (an environment "
        "variable, a tool's flag, a column ...), add it to NOT_CONFIG_FIELDS with a reason."
    )


def test_allow_lists_are_live() -> None:
    """Every allow-listed name is still documented and still absent from the schema."""
    listed = [name for names in NOT_CONFIG_FIELDS.values() for name in names]
    assert len(listed) == len(set(listed)), "a name is listed under two reasons"
    stale = sorted(_NOT_CONFIG_NAMES - ALL_NAMES) + sorted(set(DOC_MISNAMES) - ALL_NAMES)
    assert not stale, f"allow-listed but no longer in the docs: {stale}"
    in_schema = sorted((_NOT_CONFIG_NAMES | set(DOC_MISNAMES)) & SCHEMA_NAMES)
    assert not in_schema, f"allow-listed but a schema name (remove the entry): {in_schema}"
    for misname, field in DOC_MISNAMES.items():
        assert field in SCHEMA_NAMES, f"{misname} -> {field}: {field} is not a schema field"
