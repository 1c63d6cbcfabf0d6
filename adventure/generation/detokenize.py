"""Incremental detokenizer: turn a growing token stream into stable text increments.

A Hangul syllable is three UTF-8 bytes, and both byte-level BPE (KoGPT) and byte-fallback BPE can spread it
over several tokens, so decoding token by token would show replacement characters. Tokenizers also rewrite
the first token of a decode (a Metaspace decoder strips its leading space), so text is always decoded with
a few tokens of left context and only the part after that context is taken (the offsets scheme used by
text-generation-inference and vLLM).
"""

from __future__ import annotations

from collections.abc import Sequence

REPLACEMENT_CHAR = "\ufffd"
# Tokens of left context kept before the unread part; enough for any decoder to see a word boundary.
_CONTEXT_TOKENS = 6


class IncrementalDetokenizer:
    """Feed token ids one by one; ``add`` returns the newly stable text (never a partial character).

    ``context_ids`` are the tokens before the first generated one (the prompt's tail), so the first token's
    leading space survives. ``text`` is everything emitted so far; ``flush`` ends the stream.
    """

    def __init__(self, tokenizer, context_ids: Sequence[int] = (), skip_special_tokens: bool = True):
        self._decode_fn = self._make_decoder(tokenizer, skip_special_tokens)
        self._ids: list[int] = list(context_ids[-_CONTEXT_TOKENS:])
        self._prefix_offset = 0
        self._read_offset = len(self._ids)
        self._prefix_text = self._decode(self._ids)
        self._parts: list[str] = []
        self._length = 0
        # For each token fed: length of the emitted text after it, and whether no bytes were pending then.
        self.offsets: list[int] = []
        self.clean: list[bool] = []

    @staticmethod
    def _make_decoder(tokenizer, skip_special_tokens: bool):
        backend = getattr(tokenizer, "backend_tokenizer", None) or getattr(tokenizer, "_tokenizer", None)
        if backend is not None and hasattr(backend, "decode"):
            # The Rust tokenizer directly: no Python-side clean-up that could break the prefix property.
            return lambda ids: backend.decode(ids, skip_special_tokens=skip_special_tokens)
        return lambda ids: tokenizer.decode(ids, skip_special_tokens=skip_special_tokens,
                                            clean_up_tokenization_spaces=False)

    def _decode(self, ids: Sequence[int]) -> str:
        return self._decode_fn(list(ids)) if ids else ""

    @property
    def text(self) -> str:
        if len(self._parts) > 1:
            self._parts = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    @property
    def pending(self) -> bool:
        """True while tokens are held back because they end in an unfinished character."""
        return self._read_offset < len(self._ids)

    def add(self, token_id: int) -> str:
        self._ids.append(int(token_id))
        new_text = self._decode(self._ids[self._prefix_offset:])
        delta = ""
        if len(new_text) > len(self._prefix_text) and not new_text.endswith(REPLACEMENT_CHAR):
            if new_text.startswith(self._prefix_text):
                delta = new_text[len(self._prefix_text):]
            else:  # a decoder rewrote the context (rare); take the part after the common prefix
                common = 0
                for a, b in zip(new_text, self._prefix_text):
                    if a != b:
                        break
                    common += 1
                delta = new_text[common:]
            # Bytes that never formed a character (an invalid sequence) are dropped, not shown.
            delta = delta.replace(REPLACEMENT_CHAR, "")
            self._advance()
        if delta:
            self._parts.append(delta)
            self._length += len(delta)
        self.offsets.append(self._length)
        self.clean.append(not self.pending)
        return delta

    def _advance(self) -> None:
        """Move the window: the just-read tokens become the context of the next decode."""
        self._read_offset = len(self._ids)
        self._prefix_offset = max(0, self._read_offset - _CONTEXT_TOKENS)
        if self._prefix_offset > 4 * _CONTEXT_TOKENS:  # keep the id list short
            drop = self._prefix_offset
            self._ids = self._ids[drop:]
            self._read_offset -= drop
            self._prefix_offset = 0
        self._prefix_text = self._decode(self._ids[self._prefix_offset:self._read_offset])

    def flush(self) -> str:
        """End of stream: emit what is decodable of the held tokens, minus any unfinished character."""
        if not self.pending:
            return ""
        new_text = self._decode(self._ids[self._prefix_offset:])
        delta = new_text[len(self._prefix_text):] if new_text.startswith(self._prefix_text) else ""
        delta = delta.replace(REPLACEMENT_CHAR, "")
        self._read_offset = len(self._ids)
        if delta:
            self._parts.append(delta)
            self._length += len(delta)
            if self.offsets:
                self.offsets[-1] = self._length
        return delta
