"""Known-word decoding: the narrator writes only Korean words it has seen, in its corpus or in the context.

Why: a small model trained on a few MB of Korean spells most words right but, sampling syllable-level pieces,
now and then glues them into a word that does not exist ("뜨자리에서", "좋아까"). Korean builds words
(eojeol) from a stem and particles/endings, so a non-word reads as broken grammar. A model folder can ship
``lexicon.txt`` (one word per line: every Hangul run of its training text); with it, each candidate token is
checked before sampling: the Hangul run it completes must be a known word, the run it leaves open must be the
start of one. Words of the prompt (names, the player's own words) count as known for that narration.

Only the sampled candidates (the top-k) are checked, a few microseconds each, so the cost per token is small;
when no candidate fits, the check widens to the whole vocabulary, and when nothing fits at all the token is
sampled unconstrained (the narrator never gets stuck).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

LEXICON_FILE = "lexicon.txt"
# A word, for this check: a maximal run of Hangul syllables (particles and endings included: 숲으로, 들었다).
HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+")
_TRAILING_RUN = re.compile(r"[\uac00-\ud7a3]+$")
REPLACEMENT_CHAR = "\ufffd"


def _is_hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


def words_of(text: str) -> list[str]:
    """The Hangul runs of ``text``, in order."""
    return HANGUL_RUN.findall(text)


def trailing_run(text: str) -> str:
    """The Hangul run ``text`` ends with ('' when it ends with a space, punctuation or nothing)."""
    m = _TRAILING_RUN.search(text)
    return m.group(0) if m else ""


def prefixes_of(words: Iterable[str]) -> frozenset[str]:
    """Every non-empty prefix of every word, the words included ("can this open run still become a word?")."""
    return frozenset(w[:i] for w in words for i in range(1, len(w) + 1))


class Lexicon:
    """A set of known words and of all their prefixes."""

    def __init__(self, words: Iterable[str]):
        self.words: frozenset[str] = frozenset(w for w in words if w)
        self.prefixes: frozenset[str] = prefixes_of(self.words)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.words

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> "Lexicon":
        return cls(w for t in texts for w in words_of(t))

    @classmethod
    def load(cls, path: str | Path) -> "Lexicon":
        """Read ``lexicon.txt`` (UTF-8, one word per line; blank lines and non-Hangul lines are ignored)."""
        text = Path(path).read_text(encoding="utf-8")
        return cls(w for w in (line.strip() for line in text.splitlines()) if w and HANGUL_RUN.fullmatch(w))

    def save(self, path: str | Path) -> None:
        Path(path).write_text("".join(w + "\n" for w in sorted(self.words)), encoding="utf-8")


class KnownWordFilter:
    """Checks candidate tokens against a lexicon plus the words of one prompt (one narration's worth).

    ``pieces[i]`` is the text token ``i`` adds when it follows other text (None for a token with no text of
    its own: special tokens and byte pieces, which are refused while the filter is on).
    """

    def __init__(self, lexicon: Lexicon, pieces: Sequence[str | None], eos_ids: Iterable[int], prompt_text: str):
        self.lexicon = lexicon
        self.pieces = pieces
        self.eos = frozenset(eos_ids)
        self.extra_words = frozenset(w for w in words_of(prompt_text) if w not in lexicon.words)
        self.extra_prefixes = prefixes_of(self.extra_words)
        self.prompt_run = trailing_run(prompt_text)  # a prompt that ends mid-word continues that word

    def is_word(self, run: str) -> bool:
        return run in self.lexicon.words or run in self.extra_words

    def is_prefix(self, run: str) -> bool:
        return run in self.lexicon.prefixes or run in self.extra_prefixes

    def allows(self, open_run: str, token: int) -> bool:
        """Whether ``token`` after a text ending in ``open_run`` keeps every word known."""
        if token in self.eos:
            return not open_run or self.is_word(open_run)
        piece = self.pieces[token] if 0 <= token < len(self.pieces) else None
        if piece is None:
            return False
        runs = words_of(piece)
        if not runs:
            # Space or punctuation only: it ends the open word.
            return not open_run or self.is_word(open_run)
        continues = _is_hangul(piece[0])  # the piece extends the open word rather than ending it
        if not continues and open_run and not self.is_word(open_run):
            return False
        first = open_run + runs[0] if continues else runs[0]
        ends_open = _is_hangul(piece[-1])
        complete = [first] + runs[1:]
        last = complete.pop() if ends_open else None
        if any(not self.is_word(w) for w in complete):
            return False
        return last is None or self.is_prefix(last)


def token_pieces(tokenizer, vocab_size: int) -> list[str | None]:
    """The text each token id adds after other text, found by decoding it behind an anchor character.

    Decoding a single id is unreliable (a Metaspace decoder strips a leading space, a byte piece is half a
    character), so each id is decoded after a fixed anchor and the anchor's own text is cut off. Special tokens
    and pieces that are not whole characters map to None.
    """
    special = set(getattr(tokenizer, "all_special_ids", []) or [])
    anchor = tokenizer.encode("가", add_special_tokens=False)
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None and hasattr(backend, "decode_batch"):
        batch = [anchor + [i] for i in range(vocab_size)]
        texts = backend.decode_batch(batch, skip_special_tokens=False)
        base = backend.decode(anchor, skip_special_tokens=False)
    else:
        texts = [tokenizer.decode(anchor + [i], clean_up_tokenization_spaces=False) for i in range(vocab_size)]
        base = tokenizer.decode(anchor, clean_up_tokenization_spaces=False)
    pieces: list[str | None] = []
    for i, t in enumerate(texts):
        piece = t[len(base):] if t.startswith(base) else None
        if i in special or not piece or REPLACEMENT_CHAR in piece:
            piece = None
        pieces.append(piece)
    return pieces
