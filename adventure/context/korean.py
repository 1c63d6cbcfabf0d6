"""Korean text helpers for the context manager: keyword matching with particles, and safe cut points.

Keyword matching
----------------
Korean attaches particles (josa) and the copula to the word they follow, with no space: ``철수는``,
``철수를``, ``철수의``, ``철수에게서는``, ``철수였다``. A world-info key written in its bare form must match
those, but must not fire inside an unrelated word: ``왕`` (king) must not match ``왕관`` (crown), ``용``
(dragon) must not match ``용기`` (courage).

A key therefore matches when it starts a word (nothing word-like right before it) and the rest of the word
is empty or a chain of up to three particles/endings from :data:`PARTICLES` (``에게`` + ``서`` + ``는``).
Both allomorphs are accepted after any key (``이``/``가``, ``은``/``는``, ``을``/``를``, ``과``/``와``,
``으로``/``로``): authors write keys in the bare form and cannot know which one the story will use.
With ``substring`` the key matches anywhere, inside longer words too (``등불`` in ``종이등불``).
Spaces inside a key match any run of whitespace (``박 노인`` matches ``박  노인``); Latin letters match
case-insensitively.

Cut points
----------
Trimming never cuts inside a syllable or a token sequence: it cuts *text* at a boundary and the cut text is
tokenized again. Boundaries, in order of preference: sentence ends (``다.`` ``요?`` ``!"``), then whitespace
between words (eojeol), then any character boundary that does not separate a base character from the
combining marks or conjoining jamo that follow it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache

# Particles, the copula and a few noun suffixes that may follow a name inside one eojeol. Chains of up to
# three are accepted (에게 + 서 + 는, 들 + 에게 + 도), so combined forms need not be listed.
PARTICLES: tuple[str, ...] = (
    # case particles
    "이", "가", "께서", "은", "는", "을", "를", "의", "에", "에게", "에게서", "한테", "한테서", "께",
    "더러", "에서", "로", "으로", "로서", "으로서", "로써", "으로써", "와", "과", "랑", "이랑", "하고",
    # auxiliary particles
    "도", "만", "까지", "부터", "조차", "마저", "밖에", "처럼", "같이", "보다", "마다", "나", "이나", "든지",
    "이든지", "라도", "이라도", "야", "아", "여", "이여", "요", "이란", "라는", "이라는", "라고", "이라고",
    "이며", "이고",
    # the copula and its common forms (single-syllable ones such as 고 지 면 서 인 are left out: after a
    # short key they make real words, 용서 용인)
    "다", "이다", "였다", "이었다", "였고", "이었고", "입니다", "이에요", "예요", "이야", "인데", "이지",
    "이라", "이면", "였던", "이던",
    # noun suffixes that keep the name a name
    "들", "님", "씨", "네",
)

_SUFFIX = "(?:" + "|".join(sorted(map(re.escape, PARTICLES), key=len, reverse=True)) + "){0,3}"

# Sentence end: . ? ! … (and full-width forms), optional closing quotes/brackets, then whitespace or the end.
_CLOSERS = "\"'”’」』)）]》〉"
SENTENCE_END = re.compile(r"[.?!…。？！]+[" + re.escape(_CLOSERS) + r"]*(?=\s|$)")


def _key_body(key: str) -> str:
    parts = [re.escape(p) for p in key.split()]
    return r"\s+".join(parts)


@lru_cache(maxsize=4096)
def key_pattern(keys: tuple[str, ...], substring: bool = False) -> re.Pattern[str] | None:
    """One compiled pattern that finds any of ``keys`` (see the module docstring); None for no usable key."""
    bodies = [_key_body(k) for k in keys if k and k.strip()]
    if not bodies:
        return None
    alt = "(?:" + "|".join(sorted(bodies, key=len, reverse=True)) + ")"
    if substring:
        return re.compile(alt, re.IGNORECASE)
    # Start of a word, the key, particles, end of the word. \w covers Hangul syllables, jamo, letters, digits.
    return re.compile(r"(?<!\w)" + alt + _SUFFIX + r"(?!\w)", re.IGNORECASE)


def matches_any(keys: Sequence[str], text: str, substring: bool = False, lowered: str | None = None) -> bool:
    """True when one of ``keys`` occurs in ``text`` (particles allowed, no firing inside other words).

    ``lowered`` is ``text.lower()`` when the caller has it: a plain substring test on it rules out most keys
    before any regular expression runs.
    """
    low = text.lower() if lowered is None else lowered
    if not any(k.split() and k.split()[0].lower() in low for k in keys):
        return False
    pattern = key_pattern(tuple(keys), bool(substring))
    return bool(pattern and pattern.search(text))


# ------------------------------------------------------------------------------------------ boundaries

def _is_attached(ch: str) -> bool:
    """Characters that belong to the character before them: combining marks, medial/final conjoining jamo,
    variation selectors and zero-width joiners."""
    cp = ord(ch)
    return (unicodedata.combining(ch) != 0 or 0x1160 <= cp <= 0x11FF or 0xD7B0 <= cp <= 0xD7FF
            or 0xFE00 <= cp <= 0xFE0F or cp == 0x200D or unicodedata.category(ch) == "Mn")


def safe_char_boundary(text: str, i: int) -> bool:
    """Whether cutting ``text`` at index ``i`` keeps every syllable/grapheme whole."""
    if i <= 0 or i >= len(text):
        return True
    if text[i - 1] == "\r" and text[i] == "\n":
        return False
    return not _is_attached(text[i]) and text[i - 1] != "\u200d"


def sentence_starts(text: str) -> list[int]:
    """Indices where a sentence starts after the first one (just past a sentence end and its spaces),
    plus line starts."""
    out: set[int] = set()
    for m in SENTENCE_END.finditer(text):
        j = m.end()
        while j < len(text) and text[j].isspace():
            j += 1
        if 0 < j < len(text):
            out.add(j)
    for m in re.finditer(r"\n+", text):
        if 0 < m.end() < len(text):
            out.add(m.end())
    return sorted(out)


def sentence_ends(text: str) -> list[int]:
    """Indices just past each sentence end (before the spaces after it), and line ends; excludes len(text)."""
    out: set[int] = set()
    for m in SENTENCE_END.finditer(text):
        if 0 < m.end() < len(text.rstrip()):
            out.add(m.end())
    for m in re.finditer(r"\n+", text):
        if 0 < m.start() < len(text):
            out.add(m.start())
    return sorted(out)


def as_sentence(text: str) -> str:
    """``text`` stripped, with a full stop added when it does not already end a sentence ("문을 연다" ->
    "문을 연다."): players type actions without one, but every action line the bundled model was trained on
    ends with one, and its narration after a bare verb is slightly but measurably worse."""
    text = text.strip()
    if text and not any(m.end() == len(text) for m in SENTENCE_END.finditer(text)):
        text += "."
    return text


def word_starts(text: str) -> list[int]:
    return [m.end() for m in re.finditer(r"\s+", text) if 0 < m.end() < len(text)]


def word_ends(text: str) -> list[int]:
    return [m.start() for m in re.finditer(r"\s+", text) if 0 < m.start() < len(text)]


def _search(cands: Sequence[int], ok: Callable[[int], bool], want_first: bool) -> int | None:
    """Binary search over sorted candidate cuts where ``ok`` is monotone; the first (or last) that is ok."""
    lo, hi = 0, len(cands) - 1
    best = None
    while lo <= hi:
        mid = (lo + hi) // 2
        if ok(cands[mid]):
            best = cands[mid]
            if want_first:
                hi = mid - 1
            else:
                lo = mid + 1
        elif want_first:
            lo = mid + 1
        else:
            hi = mid - 1
    return best


def keep_end(text: str, fits: Callable[[str], bool]) -> tuple[str, str]:
    """The longest suffix of ``text`` that ``fits``, cut at the best boundary available.

    Returns (kept text, level) with level ``"whole"``, ``"sentence"``, ``"word"``, ``"char"`` or ``"none"``
    (nothing fits). ``fits`` must be monotone: a shorter suffix fits if a longer one does.
    """
    if fits(text):
        return text, "whole"
    for level, cands in (("sentence", sentence_starts(text)), ("word", word_starts(text)),
                         ("char", [i for i in range(1, len(text)) if safe_char_boundary(text, i)])):
        best = _search(cands, lambda i: fits(text[i:].lstrip()), want_first=True)
        if best is not None:
            kept = text[best:].lstrip()
            if kept:
                return kept, level
    return "", "none"


def keep_start(text: str, fits: Callable[[str], bool]) -> tuple[str, str]:
    """The longest prefix of ``text`` that ``fits`` (same boundaries and levels as :func:`keep_end`)."""
    if fits(text):
        return text, "whole"
    for level, cands in (("sentence", sentence_ends(text)), ("word", word_ends(text)),
                         ("char", [i for i in range(1, len(text)) if safe_char_boundary(text, i)])):
        best = _search(cands, lambda i: fits(text[:i].rstrip()), want_first=False)
        if best is not None:
            kept = text[:best].rstrip()
            if kept:
                return kept, level
    return "", "none"
