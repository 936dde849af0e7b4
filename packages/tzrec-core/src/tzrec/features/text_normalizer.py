"""Text normalization before tokenization (TokenizeFeature's ``text_normalizer``).

The options of ``TextNormalizer.norm_options`` are applied in this fixed order,
whatever order the config lists them in:

1. ``TEXT_LOWER2UPPER`` / ``TEXT_UPPER2LOWER``: Unicode case mapping (Arrow's
   ``utf8_upper`` / ``utf8_lower``). Setting both is a config error.
2. ``TEXT_SBC2DBC``: full-width (SBC) forms U+FF01..U+FF5E become their ASCII
   counterparts U+0021..U+007E, and the ideographic space U+3000 a space.
3. ``TEXT_CHT2CHS``: traditional Chinese characters become simplified ones through
   :data:`CHT2CHS_TABLE`. **This table is limited**: it holds a few hundred of the most
   common one-to-one character pairs, not a full OpenCC conversion; characters outside
   it (and phrase-level conversions) are left as they are.
4. ``TEXT_FILTER``: removes stop characters. With ``stop_char_file`` set, every
   non-whitespace character in that file (UTF-8; one or more per line) is a stop
   character. Without it, the built-in rule removes every character of Unicode
   category punctuation (P*), symbol (S*) and other (C*: control, format, private use,
   unassigned), except whitespace.
5. ``TEXT_REMOVE_SPACE``: removes every whitespace character.
6. ``TEXT_SPLITCHRS``: separates CJK ideographs by spaces: a space is inserted between
   two neighbouring characters when either is a CJK ideograph and neither is
   whitespace (``"我爱NLP"`` -> ``"我 爱 NLP"``).

With the ``text_normalizer`` message present but no options, the defaults are
``TEXT_LOWER2UPPER, TEXT_SBC2DBC, TEXT_CHT2CHS, TEXT_FILTER``.

Everything runs a column at a time: the strings are decoded to one numpy array of code
points, changed with array operations (character classes are looked up once per
distinct code point), and encoded back.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from tzrec.features.errors import FeatureConfigError
from tzrec.features.ragged import combine_chunks
from tzrec.protos import feature_pb2

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]

LOWER2UPPER = feature_pb2.TEXT_LOWER2UPPER
UPPER2LOWER = feature_pb2.TEXT_UPPER2LOWER
SBC2DBC = feature_pb2.TEXT_SBC2DBC
CHT2CHS = feature_pb2.TEXT_CHT2CHS
FILTER = feature_pb2.TEXT_FILTER
SPLITCHRS = feature_pb2.TEXT_SPLITCHRS
REMOVE_SPACE = feature_pb2.TEXT_REMOVE_SPACE

DEFAULT_OPTIONS = (LOWER2UPPER, SBC2DBC, CHT2CHS, FILTER)

# Traditional -> simplified pairs, two characters per entry (limited; see module doc).
_CHT2CHS_PAIRS = (
    "國国 學学 說说 語语 們们 個个 來来 時时 會会 為为 這这 對对 愛爱 電电 話话 車车 書书 "
    "長长 門门 開开 關关 東东 馬马 鳥鸟 魚鱼 龍龙 風风 飛飞 見见 貝贝 頁页 發发 髮发 麼么 "
    "後后 裡里 裏里 點点 無无 從从 應应 當当 還还 進进 過过 動动 種种 樣样 與与 經经 聽听 "
    "讀读 寫写 買买 賣卖 錢钱 銀银 鐵铁 萬万 億亿 廣广 場场 業业 產产 務务 價价 標标 號号 "
    "機机 氣气 體体 實实 現现 總总 義义 頭头 問问 題题 區区 華华 漢汉 灣湾 臺台 歲岁 歷历 "
    "曆历 夢梦 聲声 遠远 運运 達达 連连 選选 邊边 網网 線线 紅红 綠绿 藍蓝 黃黄 報报 紙纸 "
    "筆笔 詞词 認认 識识 變变 計计 訊讯 設设 請请 謝谢 讓让 議议 論论 證证 貨货 費费 資资 "
    "質质 購购 戲戏 護护 幾几 條条 樂乐 歡欢 親亲 視视 覺觉 觀观 員员 師师 帶带 幣币 廳厅 "
    "張张 強强 彈弹 態态 戰战 擊击 據据 擇择 換换 數数 斷断 舊旧 極极 樹树 橋桥 檢检 權权 "
    "歸归 殺杀 決决 況况 淨净 溫温 滿满 漁渔 濟济 燈灯 爭争 獎奖 環环 療疗 盡尽 監监 碼码 "
    "禮礼 積积 穩稳 競竞 築筑 節节 簡简 類类 級级 細细 組组 結结 給给 統统 絲丝 維维 練练 "
    "縣县 繼继 續续 聯联 職职 腦脑 興兴 舉举 藝艺 蘋苹 處处 蟲虫 衛卫 補补 裝装 複复 觸触 "
    "許许 診诊 試试 詩诗 誠诚 調调 談谈 貓猫 負负 責责 財财 貴贵 賽赛 趕赶 軍军 輕轻 輸输 "
    "轉转 辦办 農农 遊游 遲迟 郵邮 鄉乡 醫医 針针 鍵键 鏡镜 閱阅 隊队 陽阳 陰阴 際际 隨随 "
    "險险 雙双 雞鸡 離离 難难 雲云 雜杂 靜静 響响 順顺 須须 預预 領领 顏颜 願愿 顯显 飯饭 "
    "飲饮 館馆 驗验 鬥斗 麵面 齊齐 齒齿 傳传 億亿 優优 兒儿 內内 兩两 冊册 劃划 劇剧 勞劳 "
    "勢势 勵励 單单 嚴严 圖图 團团 執执 壓压 壞坏 夠够 奪夺 媽妈 孫孙 寶宝 寧宁 將将 專专 "
    "屬属 島岛 幫帮 廠厂 彎弯 徵征 憶忆 戶户 拋抛 掃扫 掛挂 損损 搶抢 擁拥 擔担 擴扩 攝摄 "
    "敗败 敵敌 於于 暫暂 曉晓 書书 條条 棄弃 楊杨 榮荣 構构 歐欧 氣气 沒没 湯汤 滅灭 漲涨 "
    "熱热 爺爷 牽牵 狀状 獨独 獲获 瑪玛 畫画 異异 瘋疯 發发 盤盘 眾众 確确 礙碍 種种 稱称 "
    "窮穷 筆笔 箭箭 紀纪 約约 紐纽 純纯 紹绍 終终 經经 綜综 緊紧 緒绪 編编 緣缘 縮缩 績绩 "
    "織织 罰罚 習习 聖圣 聞闻 膚肤 與与 艦舰 莊庄 葉叶 蓋盖 薦荐 藥药 虧亏 號号 術术 衝冲 "
    "規规 親亲 訂订 記记 訪访 評评 識识 誤误 課课 調调 諾诺 講讲 謠谣 讚赞 豐丰 貿贸 費费 "
    "賓宾 賞赏 賴赖 贊赞 趨趋 跡迹 踐践 車车 軟软 較较 載载 輛辆 輪轮 辭辞 邊边 釋释 鋼钢 "
    "錄录 錯错 鍋锅 鎮镇 長长 閃闪 閉闭 間间 閣阁 陸陆 階阶 雖虽 雞鸡 電电 霧雾 靈灵 韓韩 "
    "頻频 顧顾 飄飘 餘余 驚惊 體体 鬧闹 鳳凤 麗丽 黨党 龜龟"
)

#: Traditional -> simplified code points of ``TEXT_CHT2CHS`` (a limited table).
CHT2CHS_TABLE: dict[int, int] = {
    ord(pair[0]): ord(pair[1]) for pair in _CHT2CHS_PAIRS.split() if pair[0] != pair[1]
}

_CJK_RANGES = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2FA1F),
    (0x30000, 0x3134F),
)


@dataclass
class _Codes:
    """The characters of a string column: code points and their row."""

    cps: U32
    rows: I64
    num_rows: int


def _to_codes(arr: pa.Array) -> _Codes:
    """Decode a string column (nulls as empty) into code points, one pass."""
    filled = pc.fill_null(arr, "")
    if pa.types.is_large_string(filled.type):
        filled = filled.cast(pa.string())
    counts = pc.utf8_length(filled).to_numpy(zero_copy_only=False).astype(np.int64)
    offsets = np.frombuffer(filled.buffers()[1], dtype=np.int32)
    offsets = offsets[filled.offset : filled.offset + len(filled) + 1]
    data = filled.buffers()[2]
    raw = b"" if data is None else data.to_pybytes()[int(offsets[0]) : int(offsets[-1])]
    cps = np.frombuffer(raw.decode("utf-8").encode("utf-32-le"), dtype=np.uint32)
    rows = np.repeat(np.arange(len(filled), dtype=np.int64), counts)
    return _Codes(cps.copy(), rows, len(filled))


def _from_codes(codes: _Codes, like: pa.Array) -> pa.Array:
    """Encode code points back into a string column (null where ``like`` is null)."""
    cps = codes.cps.astype("<u4")
    text = cps.tobytes().decode("utf-32-le")
    data = text.encode("utf-8")
    nbytes = np.where(cps < 0x80, 1, np.where(cps < 0x800, 2, np.where(cps < 0x10000, 3, 4)))
    row_bytes = np.bincount(codes.rows, weights=nbytes, minlength=codes.num_rows)
    offsets = np.zeros(codes.num_rows + 1, dtype=np.int64)
    np.cumsum(row_bytes.astype(np.int64), out=offsets[1:])
    if offsets[-1] < 2**31:
        out = pa.Array.from_buffers(
            pa.string(),
            codes.num_rows,
            [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)],
        )
    else:
        out = pa.Array.from_buffers(
            pa.large_string(), codes.num_rows, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
        )
    if like.null_count:
        out = pc.if_else(pc.is_valid(like), out, pa.scalar(None, out.type))
    return out


def _classify(cps: U32, predicate: _Predicate) -> npt.NDArray[np.bool_]:
    """``predicate(chr(cp))`` for every code point, evaluated once per distinct one."""
    if len(cps) == 0:
        return np.zeros(0, dtype=bool)
    uniq, inverse = np.unique(cps, return_inverse=True)
    flags = np.fromiter((predicate(chr(int(c))) for c in uniq), dtype=bool, count=len(uniq))
    return flags[inverse]


class _Predicate:
    def __call__(self, ch: str) -> bool:  # pragma: no cover - interface
        raise NotImplementedError


class _IsStopChar(_Predicate):
    """Built-in stop characters: punctuation, symbols and other, except whitespace."""

    def __call__(self, ch: str) -> bool:
        return unicodedata.category(ch)[0] in "PSC" and not ch.isspace()


class _InSet(_Predicate):
    def __init__(self, chars: Iterable[str]) -> None:
        self.chars = frozenset(chars)

    def __call__(self, ch: str) -> bool:
        return ch in self.chars


class _IsSpace(_Predicate):
    def __call__(self, ch: str) -> bool:
        return ch.isspace()


def _map_table(cps: U32, table: dict[int, int]) -> U32:
    keys = np.fromiter(table.keys(), dtype=np.uint32, count=len(table))
    order = np.argsort(keys)
    keys = keys[order]
    vals = np.fromiter(table.values(), dtype=np.uint32, count=len(table))[order]
    pos = np.clip(np.searchsorted(keys, cps), 0, len(keys) - 1)
    hit = keys[pos] == cps
    return np.where(hit, vals[pos], cps).astype(np.uint32)


def _is_cjk(cps: U32) -> npt.NDArray[np.bool_]:
    out = np.zeros(len(cps), dtype=bool)
    for lo, hi in _CJK_RANGES:
        out |= (cps >= lo) & (cps <= hi)
    return out


def _split_cjk(codes: _Codes) -> _Codes:
    """Insert a space between neighbours when one is CJK and neither is whitespace."""
    cps, rows = codes.cps, codes.rows
    if len(cps) < 2:
        return codes
    cjk = _is_cjk(cps)
    space = _classify(cps, _IsSpace())
    same_row = rows[1:] == rows[:-1]
    gap = same_row & (cjk[1:] | cjk[:-1]) & ~space[1:] & ~space[:-1]
    before = np.concatenate([[False], gap])  # a space goes before character i
    out_len = len(cps) + int(before.sum())
    pos = np.arange(len(cps), dtype=np.int64) + np.cumsum(before)
    new_cps = np.full(out_len, ord(" "), dtype=np.uint32)
    new_rows = np.empty(out_len, dtype=np.int64)
    new_cps[pos] = cps
    new_rows[pos] = rows
    new_rows[pos[before] - 1] = rows[before]
    return _Codes(new_cps, new_rows, codes.num_rows)


class TextNormalizer:
    """Normalizes a string column with a fixed set of options (see module doc).

    Args:
        options: ``feature_pb2.TextNormalizeOption`` values.
        stop_chars: the stop characters of ``TEXT_FILTER``; None for the built-in rule.
        feature_name: named in config errors.
    """

    def __init__(
        self,
        options: Iterable[int],
        stop_chars: Iterable[str] | None = None,
        feature_name: str = "",
    ) -> None:
        self.options = frozenset(int(o) for o in options)
        if LOWER2UPPER in self.options and UPPER2LOWER in self.options:
            raise FeatureConfigError(
                feature_name, "text_normalizer sets both TEXT_LOWER2UPPER and TEXT_UPPER2LOWER"
            )
        self._stop: _Predicate = _IsStopChar() if stop_chars is None else _InSet(stop_chars)

    @classmethod
    def from_config(
        cls,
        config: feature_pb2.TextNormalizer,
        feature_name: str,
        resource_dir: str | None = None,
    ) -> TextNormalizer:
        """The normalizer of a ``text_normalizer`` message.

        Raises:
            FeatureConfigError: for a stop_char_file that cannot be read, or both case
                options.
        """
        options = list(config.norm_options) or list(DEFAULT_OPTIONS)
        stop_chars = None
        if config.HasField("stop_char_file"):
            path = config.stop_char_file
            if resource_dir and not os.path.isabs(path):
                path = os.path.join(resource_dir, path)
            try:
                with open(path, encoding="utf-8") as f:
                    stop_chars = {ch for ch in f.read() if not ch.isspace()}
            except (OSError, UnicodeDecodeError) as e:
                raise FeatureConfigError(
                    feature_name, f"cannot read text_normalizer.stop_char_file '{path}': {e}"
                ) from e
        return cls(options, stop_chars, feature_name)

    def __call__(self, column: pa.Array | pa.ChunkedArray) -> pa.Array:
        """The normalized strings (nulls stay null)."""
        arr = combine_chunks(column)
        if pa.types.is_dictionary(arr.type):
            arr = arr.cast(arr.type.value_type)
        if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            arr = arr.cast(pa.string())
        if LOWER2UPPER in self.options:
            arr = pc.utf8_upper(arr)
        elif UPPER2LOWER in self.options:
            arr = pc.utf8_lower(arr)
        char_options = {SBC2DBC, CHT2CHS, FILTER, REMOVE_SPACE, SPLITCHRS}
        if not (self.options & char_options) or len(arr) == 0:
            return arr
        codes = _to_codes(arr)
        cps = codes.cps
        if SBC2DBC in self.options:
            full = (cps >= 0xFF01) & (cps <= 0xFF5E)
            cps = np.where(full, cps - 0xFEE0, cps).astype(np.uint32)
            cps[cps == 0x3000] = ord(" ")
        if CHT2CHS in self.options:
            cps = _map_table(cps, CHT2CHS_TABLE)
        codes = _Codes(cps, codes.rows, codes.num_rows)
        drop = np.zeros(len(cps), dtype=bool)
        if FILTER in self.options:
            drop |= _classify(cps, self._stop)
        if REMOVE_SPACE in self.options:
            drop |= _classify(cps, _IsSpace())
        if drop.any():
            codes = _Codes(cps[~drop], codes.rows[~drop], codes.num_rows)
        if SPLITCHRS in self.options:
            codes = _split_cjk(codes)
        return _from_codes(codes, arr)
