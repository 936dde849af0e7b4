"""Map between positions in a text-proto file and field paths in its message.

protobuf's text parser reports *where* it stopped (line and column) but not *which
field* it was in. This module scans the text once, tolerant of errors, and records for
every field it meets the field path (``feature_configs[3].id_feature.num_buckets``) and
the position of the field's name. That lets an error name the field the user wrote, and
lets a check on a parsed message (a missing required field, an unknown feature name)
point back at a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from google.protobuf import descriptor_pool
from google.protobuf.descriptor import Descriptor, FieldDescriptor

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?)
  | (?P<word>-?[A-Za-z0-9_.+\-]+)
  | (?P<punct>[{}\[\]<>:,;/])
  | (?P<other>.)
    """,
    re.VERBOSE,
)
_OPEN = {"{": "}", "<": ">"}


@dataclass(frozen=True)
class Token:
    """One lexical token with its 1-based line and column."""

    text: str
    kind: str
    line: int
    column: int


@dataclass(frozen=True)
class FieldSite:
    """Where a field's name appears: its path and 1-based position."""

    path: str
    line: int
    column: int


@dataclass
class ScanResult:
    """What one scan found: every field occurrence and any unbalanced bracket."""

    sites: list[FieldSite] = field(default_factory=list)
    unclosed: FieldSite | None = None
    stray_close: Token | None = None

    def position_of(self, path: str) -> FieldSite | None:
        """The first occurrence of ``path`` (or of its longest known prefix)."""
        by_path: dict[str, FieldSite] = {}
        for site in self.sites:
            by_path.setdefault(site.path, site)
        probe = path
        while probe:
            if probe in by_path:
                return by_path[probe]
            probe = re.sub(r"(\[[^\]]*\]|\.?[^.\[]+)$", "", probe)
        return None

    def path_at(self, line: int, column: int) -> str:
        """The path of the last field whose name starts at or before (line, column)."""
        best = ""
        for site in self.sites:
            if (site.line, site.column) <= (line, column):
                best = site.path
            else:
                break
        return best


def tokenize(text: str) -> list[Token]:
    """Split text-proto source into tokens, dropping whitespace and comments."""
    tokens: list[Token] = []
    line, line_start = 1, 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        start = match.start()
        if kind not in ("space", "comment"):
            tokens.append(Token(match.group(), kind, line, start - line_start + 1))
        newlines = match.group().count("\n")
        if newlines:
            line += newlines
            line_start = start + match.group().rindex("\n") + 1
    return tokens


@dataclass
class _Frame:
    """A message (or a list value) being scanned."""

    path: str
    descriptor: Descriptor | None
    is_list: bool = False
    list_field: FieldDescriptor | None = None
    open_site: FieldSite | None = None
    counts: dict[str, int] = field(default_factory=dict)


def _child_path(frame: _Frame, name: str, fd: FieldDescriptor | None) -> str:
    base = f"{frame.path}.{name}" if frame.path else name
    if fd is not None and fd.is_repeated:
        index = frame.counts.get(name, 0)
        frame.counts[name] = index + 1
        return f"{base}[{index}]"
    return base


def _lookup(descriptor: Descriptor | None, name: str) -> FieldDescriptor | None:
    if descriptor is None:
        return None
    return descriptor.fields_by_name.get(name)


def _type_by_url(name: str) -> Descriptor | None:
    """The message descriptor named inside ``[type.googleapis.com/pkg.Msg]``."""
    full_name = name.rsplit("/", 1)[-1]
    try:
        return descriptor_pool.Default().FindMessageTypeByName(full_name)
    except KeyError:
        return None


class _Scanner:
    """A forgiving walk over the tokens that records field sites."""

    def __init__(self, tokens: list[Token], root: Descriptor | None) -> None:
        self.tokens = tokens
        self.pos = 0
        self.result = ScanResult()
        self.stack = [_Frame("", root)]

    def peek(self, offset: int = 0) -> Token | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def run(self) -> ScanResult:
        while self.peek() is not None:
            frame = self.stack[-1]
            if frame.is_list:
                self._step_list(frame)
            else:
                self._step_message(frame)
        open_frames = [f for f in self.stack[1:] if f.open_site is not None]
        if open_frames:
            self.result.unclosed = open_frames[-1].open_site
        return self.result

    def _step_list(self, frame: _Frame) -> None:
        tok = self.tokens[self.pos]
        self.pos += 1
        if tok.text == "]":
            self.stack.pop()
        elif tok.text in _OPEN and frame.list_field is not None:
            path = _child_path(self.stack[-2], frame.list_field.name, frame.list_field)
            site = FieldSite(path, tok.line, tok.column)
            self.stack.append(_Frame(path, frame.list_field.message_type, open_site=site))

    def _step_message(self, frame: _Frame) -> None:
        tok = self.tokens[self.pos]
        self.pos += 1
        if tok.text in ("}", ">"):
            if len(self.stack) == 1:
                self.result.stray_close = self.result.stray_close or tok
            else:
                self.stack.pop()
            return
        if tok.text in (",", ";"):
            return
        name, descriptor = tok.text, None
        if tok.text == "[":
            name = self._bracketed_name()
            descriptor = _type_by_url(name)
            name = f"[{name}]"
        elif tok.kind != "word":
            return
        fd = _lookup(frame.descriptor, name)
        if self._list_value_follows():
            path = f"{frame.path}.{name}" if frame.path else name
        else:
            path = _child_path(frame, name, fd)
        site = FieldSite(path, tok.line, tok.column)
        self.result.sites.append(site)
        if fd is not None and fd.message_type is not None:
            descriptor = fd.message_type
        self._value(path, site, descriptor, fd)

    def _list_value_follows(self) -> bool:
        """Whether the field just read is given a ``[...]`` list value."""
        offset = 1 if (self.peek() is not None and self.tokens[self.pos].text == ":") else 0
        nxt = self.peek(offset)
        return nxt is not None and nxt.text == "["

    def _bracketed_name(self) -> str:
        parts = []
        while self.peek() is not None and self.tokens[self.pos].text != "]":
            parts.append(self.tokens[self.pos].text)
            self.pos += 1
        self.pos += 1
        return "".join(parts)

    def _value(
        self,
        path: str,
        site: FieldSite,
        descriptor: Descriptor | None,
        fd: FieldDescriptor | None,
    ) -> None:
        nxt = self.peek()
        if nxt is not None and nxt.text == ":":
            self.pos += 1
            nxt = self.peek()
        if nxt is None:
            return
        if nxt.text in _OPEN:
            self.pos += 1
            self.stack.append(_Frame(path, descriptor, open_site=site))
        elif nxt.text == "[":
            self.pos += 1
            self.stack.append(_Frame(path, None, is_list=True, list_field=fd))
        else:
            self.pos += 1
            while (
                nxt.kind == "string"
                and self.peek() is not None
                and self.tokens[self.pos].kind == "string"
            ):
                self.pos += 1


def scan(text: str, root: Descriptor | None) -> ScanResult:
    """Scan text-proto ``text`` whose top-level message is described by ``root``."""
    return _Scanner(tokenize(text), root).run()
