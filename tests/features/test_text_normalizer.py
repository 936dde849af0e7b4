"""Text normalization options, each on hand-written strings, and their fixed order."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from tzrec.features.errors import FeatureConfigError
from tzrec.features.text_normalizer import (
    CHT2CHS,
    CHT2CHS_TABLE,
    FILTER,
    LOWER2UPPER,
    REMOVE_SPACE,
    SBC2DBC,
    SPLITCHRS,
    UPPER2LOWER,
    TextNormalizer,
)
from tzrec.protos import feature_pb2

TEXTS = pa.array(["Hello, Ｗｏｒｌｄ！", None, "我愛NLP 模型", "", "繁體中文。", "a\u3000b\tc"])


def run(options: list[int], texts: pa.Array = TEXTS, **kw: object) -> list[str | None]:
    return TextNormalizer(options, **kw)(texts).to_pylist()  # type: ignore[arg-type]


def test_case_options() -> None:
    assert run([LOWER2UPPER])[0] == "HELLO, ＷＯＲＬＤ！"
    assert run([UPPER2LOWER])[0] == "hello, ｗｏｒｌｄ！"
    with pytest.raises(FeatureConfigError, match="both TEXT_LOWER2UPPER and TEXT_UPPER2LOWER"):
        TextNormalizer([LOWER2UPPER, UPPER2LOWER], feature_name="f")


def test_full_width_to_half_width() -> None:
    out = run([SBC2DBC])
    assert out[0] == "Hello, World!"
    assert out[5] == "a b\tc"  # ideographic space -> space
    assert out[2] == "我愛NLP 模型"  # CJK untouched


def test_traditional_to_simplified_uses_the_limited_table() -> None:
    assert run([CHT2CHS]) == [
        "Hello, Ｗｏｒｌｄ！",
        None,
        "我爱NLP 模型",
        "",
        "繁体中文。",
        "a\u3000b\tc",
    ]
    assert CHT2CHS_TABLE[ord("國")] == ord("国")
    assert ord("国") not in CHT2CHS_TABLE


def test_filter_removes_punctuation_symbols_and_controls_but_not_spaces() -> None:
    texts = pa.array(["a,b.c!d?e", "价格：¥100元（含税）", "x+y=z \u200b❤"])
    assert run([FILTER], texts) == ["abcde", "价格100元含税", "xyz "]


def test_filter_with_stop_char_file(tmp_path: Path) -> None:
    path = tmp_path / "stop_char"
    path.write_text("a\nb\n，\n", encoding="utf-8")
    config = feature_pb2.TextNormalizer(stop_char_file="stop_char", norm_options=[FILTER])
    norm = TextNormalizer.from_config(config, "f", str(tmp_path))
    assert norm(pa.array(["abc，d,e"])).to_pylist() == ["cd,e"]
    missing = feature_pb2.TextNormalizer(stop_char_file="nope")
    with pytest.raises(FeatureConfigError, match=r"cannot read text_normalizer\.stop_char_file"):
        TextNormalizer.from_config(missing, "f", str(tmp_path))


def test_remove_space() -> None:
    assert run([REMOVE_SPACE])[2] == "我愛NLP模型"
    assert run([REMOVE_SPACE])[5] == "abc"


def test_split_chinese_characters() -> None:
    texts = pa.array(["我爱NLP模型", "abc def", "中 文", "x中", "中"])
    assert run([SPLITCHRS], texts) == ["我 爱 NLP 模 型", "abc def", "中 文", "x 中", "中"]


def test_split_after_remove_space() -> None:
    # REMOVE_SPACE runs before SPLITCHRS, whatever the listed order.
    texts = pa.array(["我 爱 NLP  x"])
    assert run([SPLITCHRS, REMOVE_SPACE], texts) == ["我 爱 NLPx"]


def test_defaults_when_no_option_is_listed() -> None:
    norm = TextNormalizer.from_config(feature_pb2.TextNormalizer(), "f")
    out = norm(TEXTS).to_pylist()
    assert out == ["HELLO WORLD", None, "我爱NLP 模型", "", "繁体中文", "A B\tC"]


def test_sliced_and_large_string_inputs() -> None:
    sliced = TEXTS.slice(2, 3)
    assert run([SBC2DBC, REMOVE_SPACE], sliced) == ["我愛NLP模型", "", "繁體中文。"]
    large = pa.array(["Ａ b"], pa.large_string())
    assert run([SBC2DBC], large) == ["A b"]


def test_four_byte_characters_round_trip() -> None:
    texts = pa.array(["𠀀x😀", "é"])
    assert run([SBC2DBC], texts) == ["𠀀x😀", "é"]
    assert run([FILTER], texts) == ["𠀀x", "é"]
    assert run([SPLITCHRS], texts) == ["𠀀 x😀", "é"]
