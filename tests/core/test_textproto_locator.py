"""The text-proto locator: field paths and positions, also in broken text."""

from __future__ import annotations

from tzrec.protos import pipeline_pb2
from tzrec.utils.textproto_locator import scan, tokenize

ROOT = pipeline_pb2.EasyRecConfig.DESCRIPTOR

TEXT = """\
# comment with { braces } that must not count
model_dir: "a \\" { quoted"
feature_configs {
    id_feature { feature_name: "a" num_buckets: 3 }
}
feature_configs <
    raw_feature { feature_name: "b" boundaries: [1, 2, 3] }
>
model_config {
    feature_groups { group_name: "g" feature_names: "a" feature_names: "b" }
    feature_groups: [{ group_name: "h" }, { group_name: "i" }]
}
"""


def _paths() -> dict[str, tuple[int, int]]:
    return {site.path: (site.line, site.column) for site in scan(TEXT, ROOT).sites}


def test_paths_index_repeated_fields_and_skip_comments_and_strings() -> None:
    paths = _paths()
    assert paths["model_dir"] == (2, 1)
    assert paths["feature_configs[0].id_feature.num_buckets"] == (4, 36)
    assert paths["feature_configs[1].raw_feature.boundaries"] == (7, 37)
    assert paths["model_config.feature_groups[0].feature_names[1]"] == (10, 57)


def test_list_of_messages_continues_the_index() -> None:
    paths = _paths()
    assert "model_config.feature_groups[1].group_name" in paths
    assert "model_config.feature_groups[2].group_name" in paths


def test_path_at_and_position_of() -> None:
    result = scan(TEXT, ROOT)
    assert result.path_at(4, 40) == "feature_configs[0].id_feature.num_buckets"
    assert result.path_at(1, 1) == ""
    site = result.position_of("feature_configs[1].raw_feature.feature_name")
    assert site is not None and site.line == 7
    # An unknown leaf falls back to its closest known ancestor.
    parent = result.position_of("feature_configs[1].raw_feature.no_such_field")
    assert parent is not None and parent.path == "feature_configs[1].raw_feature"
    assert result.unclosed is None and result.stray_close is None


def test_unclosed_and_stray_braces_are_reported() -> None:
    unclosed = scan("train_config {\n  num_epochs: 1\n", ROOT)
    assert unclosed.unclosed is not None
    assert (unclosed.unclosed.path, unclosed.unclosed.line) == ("train_config", 1)
    stray = scan("model_dir: 'x'\n}\n", ROOT)
    assert stray.stray_close is not None and stray.stray_close.line == 2


def test_any_type_urls_become_path_components() -> None:
    text = "model_config { plugin_model { [type.googleapis.com/acme.Net] { x: 1 } } }"
    paths = {site.path for site in scan(text, ROOT).sites}
    assert "model_config.plugin_model.[type.googleapis.com/acme.Net].x" in paths


def test_tokens_carry_positions() -> None:
    tokens = tokenize('a: "x y"\n  b {')
    assert [(t.text, t.line, t.column) for t in tokens] == [
        ("a", 1, 1),
        (":", 1, 2),
        ('"x y"', 1, 4),
        ("b", 2, 3),
        ("{", 2, 5),
    ]
