"""Bags of words over a tokenizer, with multi-token Korean words and attached particles handled.

Upstream PPLM keeps only the words that are one token and silently drops the rest. In Korean most words
are several tokens, and a stem is usually followed by a particle or an ending that BPE may merge into the
same token (``▁비명을``). Here a bag is matched at the byte level:

- every token's text is known as bytes (Metaspace ``▁`` = a space, ``<0xNN>`` byte-fallback pieces, or
  byte-level BPE), and the *tail* of the context (the bytes since the last word boundary) is tracked;
- at each step the bag's token set is every token that can start a bag word (after a space, quote or
  newline) or, when the tail is a proper prefix of a bag word, every token that continues it: so a
  multi-token word is scored by its first token, then by its continuation conditioned on that start;
- a token that completes a word and goes on (``비명`` + ``을``) counts, so particles stay attached;
- the tokenizer's own encoding of each word is always a valid path (also when it needs byte-fallback
  pieces); a word that cannot be encoded at all (an unknown token) is reported in ``skipped``.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import torch

# Word boundaries: ASCII whitespace/punctuation/digits-excluded, curly quotes, ellipsis, middle dot, CJK brackets.
_BOUNDARY = rb"(?:[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]|\xe2\x80[\x98\x99\x9c\x9d\xa6]|\xc2\xb7|\xe3\x80[\x8c-\x8f])"
_LEAD = re.compile(rb"^" + _BOUNDARY + rb"+")
_ANY_BOUNDARY = re.compile(_BOUNDARY)
_BYTE_PIECE = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")
MAX_TAIL = 64


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte <-> printable character map (the alphabet of byte-level BPE)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


@dataclass
class TokenTable:
    """The bytes each token id stands for (None for special tokens and ids without a piece)."""

    data: list[bytes | None]
    byte_fallback: set[int] = field(default_factory=set)   # ``<0xNN>`` pieces of a Metaspace tokenizer
    byte_level: bool = False

    @classmethod
    def from_tokenizer(cls, tokenizer, n_rows: int | None = None) -> "TokenTable":
        n = int(n_rows if n_rows is not None else len(tokenizer))
        size = min(n, len(tokenizer))
        pieces = tokenizer.convert_ids_to_tokens(list(range(size)))
        special = set(int(i) for i in getattr(tokenizer, "all_special_ids", []) or [])
        byte_level = False
        try:
            spec = json.loads(tokenizer.backend_tokenizer.to_str())
            byte_level = "ByteLevel" in json.dumps(spec.get("decoder")) or "ByteLevel" in json.dumps(
                spec.get("pre_tokenizer"))
        except Exception:  # a slow tokenizer: fall back to looking at the pieces
            byte_level = any(isinstance(p, str) and p.startswith("Ġ") for p in pieces[:5000])
        decoder = {c: b for b, c in _bytes_to_unicode().items()} if byte_level else {}
        data: list[bytes | None] = [None] * n
        fallback: set[int] = set()
        for i, piece in enumerate(pieces):
            if i in special or not isinstance(piece, str) or not piece:
                continue
            m = _BYTE_PIECE.match(piece)
            if m and not byte_level:
                data[i] = bytes([int(m.group(1), 16)])
                fallback.add(i)
            elif byte_level:
                try:
                    data[i] = bytes(decoder[c] for c in piece)
                except KeyError:
                    data[i] = piece.encode("utf-8")
            else:
                data[i] = piece.replace("▁", " ").encode("utf-8")
        return cls(data=data, byte_fallback=fallback, byte_level=byte_level)

    def __len__(self) -> int:
        return len(self.data)

    def text_bytes(self, ids: Iterable[int]) -> bytes:
        return b"".join(self.data[i] or b"" for i in ids if 0 <= i < len(self.data))


def next_tail(tail: bytes, token: bytes | None) -> bytes:
    """The bytes since the last word boundary after appending ``token`` (bounded in length)."""
    if not token:
        return tail
    s = tail + token
    last = None
    for last in _ANY_BOUNDARY.finditer(s):
        pass
    if last is not None:
        s = s[last.end():]
    return s[-MAX_TAIL:]


def tail_of(table: TokenTable, ids: Sequence[int], look_back: int = 24) -> bytes:
    return next_tail(b"", table.text_bytes(ids[-look_back:]))


class BagIndex:
    """The token ids that advance some bag word, for any context tail (see the module docstring)."""

    def __init__(self, words: Iterable[str], table: TokenTable, encode=None, vocab_rows: int | None = None):
        self.table = table
        self.vocab_rows = int(vocab_rows if vocab_rows is not None else len(table))
        self.words: list[str] = list(dict.fromkeys(w for w in words if w))
        self.word_bytes = [w.encode("utf-8") for w in self.words]
        self.prefixes: set[bytes] = {wb[:k] for wb in self.word_bytes for k in range(0, len(wb))}
        lead: dict[bytes, list[int]] = {}
        plain: dict[bytes, list[int]] = {}
        for i, b in enumerate(table.data):
            if not b or i in table.byte_fallback:
                continue
            m = _LEAD.match(b)
            if m:
                content = b[m.end():]
                if content:
                    lead.setdefault(content, []).append(i)
            else:
                plain.setdefault(b, []).append(i)
        self._lead = lead
        self._lead_keys = sorted(lead)
        self._plain = plain
        self._plain_keys = sorted(plain)
        # Canonical paths: the tokenizer's own encoding of " word" (always valid, byte-fallback included).
        self.skipped: list[str] = []
        self.multi_token: list[str] = []
        self.single_token: list[str] = []
        self._canonical: dict[bytes, set[int]] = {}
        self._canonical_lead: set[int] = set()
        if encode is not None:
            for w in self.words:
                ids = [int(x) for x in encode(" " + w)]
                while ids and table.data[ids[0]] is not None and _LEAD.fullmatch(table.data[ids[0]]):
                    ids = ids[1:]  # a lone "▁" / space token
                if not ids or any(i >= len(table.data) or table.data[i] is None for i in ids):
                    self.skipped.append(w)
                    continue
                (self.single_token if len(ids) == 1 else self.multi_token).append(w)
                first = table.data[ids[0]]
                m = _LEAD.match(first)
                if m:
                    self._canonical_lead.add(ids[0])
                else:
                    self._canonical.setdefault(b"", set()).add(ids[0])
                done = first[m.end():] if m else first
                for nxt in ids[1:]:
                    self._canonical.setdefault(done, set()).add(nxt)
                    done += table.data[nxt]
        self._start = self._consistent(self._lead, self._lead_keys, b"") | self._canonical_lead
        self._memo: dict[bytes, torch.Tensor] = {}
        self._empty = torch.zeros(0, dtype=torch.long)

    # ------------------------------------------------------------------------------------------ matching
    def _consistent(self, table: dict[bytes, list[int]], keys: list[bytes], partial: bytes) -> set[int]:
        """Ids whose content continues ``partial`` along some word: a prefix of the rest of the word, or the
        whole rest followed by anything (a particle or ending)."""
        out: set[int] = set()
        for wb in self.word_bytes:
            if len(wb) <= len(partial) or not wb.startswith(partial):
                continue
            rest = wb[len(partial):]
            for k in range(1, len(rest)):
                out.update(table.get(rest[:k], ()))
            lo = bisect.bisect_left(keys, rest)
            while lo < len(keys) and keys[lo].startswith(rest):
                out.update(table[keys[lo]])
                lo += 1
        return out

    def ids_for_tail(self, tail: bytes) -> torch.Tensor:
        """Token ids that start or continue a bag word after a context ending in ``tail``."""
        key = tail if tail in self.prefixes else None
        cached = self._memo.get(key)
        if cached is not None:
            return cached
        ids = set(self._start)
        if key is not None:
            ids |= self._consistent(self._plain, self._plain_keys, key)
            ids |= self._canonical.get(key, set())
        ids = {i for i in ids if i < self.vocab_rows}
        tensor = torch.tensor(sorted(ids), dtype=torch.long) if ids else self._empty
        self._memo[key] = tensor
        return tensor

    def continuation_ids(self, tail: bytes) -> torch.Tensor:
        """Only the ids that continue a started bag word (empty when ``tail`` starts none)."""
        if not self.continuing(tail):
            return self._empty
        cache = self.__dict__.setdefault("_cont_memo", {})
        cached = cache.get(tail)
        if cached is None:
            ids = self._consistent(self._plain, self._plain_keys, tail) | self._canonical.get(tail, set())
            ids = {i for i in ids if i < self.vocab_rows}
            cached = torch.tensor(sorted(ids), dtype=torch.long) if ids else self._empty
            cache[tail] = cached
        return cached

    def continuing(self, tail: bytes) -> bool:
        """True when ``tail`` is a started (not yet finished) bag word."""
        return bool(tail) and tail in self.prefixes

    def describe(self) -> str:
        return (f"{len(self.words)} words: {len(self.single_token)} one token, {len(self.multi_token)} several, "
                f"{len(self.skipped)} skipped")
