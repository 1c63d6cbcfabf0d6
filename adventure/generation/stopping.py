"""Stop strings on decoded text, and trimming a narration back to a clean (Korean) sentence end."""

from __future__ import annotations

from collections.abc import Sequence

# SENTENCE_END: . ? ! … (or 。？！), optional closing quotes/brackets, then whitespace or the end of the text
# (so "3.5" is no end). One definition, shared with the context manager's cut points.
from adventure.context.korean import SENTENCE_END

REPLACEMENT_CHAR = "\ufffd"


def find_stop(text: str, stop_strings: Sequence[str], start: int = 0) -> tuple[int, str] | None:
    """Earliest occurrence of any stop string that ends at or after ``start`` (earlier text was checked)."""
    best: tuple[int, str] | None = None
    for stop in stop_strings:
        idx = text.find(stop, max(0, start - len(stop) + 1))
        if idx != -1 and (best is None or idx < best[0]):
            best = (idx, stop)
    return best


def stop_holdback(text: str, stop_strings: Sequence[str]) -> int:
    """How many trailing characters could still grow into a stop string, so must not be streamed yet."""
    longest = 0
    for stop in stop_strings:
        for k in range(min(len(stop) - 1, len(text)), longest, -1):
            if text.endswith(stop[:k]):
                longest = k
                break
    return longest


def strip_partial_char(text: str) -> str:
    """Drop trailing replacement characters: the remains of an unfinished multi-byte character."""
    return text.rstrip(REPLACEMENT_CHAR)


def _quotes_balanced(text: str) -> bool:
    return text.count('"') % 2 == 0 and text.count("“") == text.count("”")


# What may stand just before a closing quote: the end of the quoted sentence (`"가자."`, `"누구냐?"`) or a
# comma (`"글쎄," 그가 말했다`). A quoted word may also close bare when a particle follows (`"둘이다"였다`).
_QUOTE_CLOSE_AFTER = ".?!…~,"


def quotes_well_formed(text: str) -> bool:
    """Whether the straight double quotes of ``text`` (which starts outside any quote) pair up the way
    written Korean dialogue does: a quote opens at the start or after whitespace or "(", is not empty, and
    closes after a sentence mark or comma, or right before a Hangul particle. A small model that loses track
    of whether it is inside a quote writes ``하나뿐이다. "무너진`` (a closing quote after a space) or leaves
    one open; both are refused by this check."""
    inside = False
    for i, ch in enumerate(text):
        if ch != '"':
            continue
        before = text[i - 1] if i else ""
        if not inside:
            if before and not (before.isspace() or before == "("):
                return False
        else:  # closing: not right after the opening quote (empty), and after a sentence mark or before a particle
            after = text[i + 1] if i + 1 < len(text) else ""
            closes_word = not before.isspace() and before != '"' and "가" <= after <= "힣"
            if not (before in _QUOTE_CLOSE_AFTER or closes_word):
                return False
        inside = not inside
    return not inside


def last_sentence_end(text: str) -> int | None:
    """Index just past the last sentence end, preferring one that leaves quotes balanced; None if none."""
    ends = [m.end() for m in SENTENCE_END.finditer(text)]
    if not ends:
        return None
    for end in reversed(ends):
        if _quotes_balanced(text[:end]):
            return end
    return ends[-1]


def first_sentence_break(text: str, start: int = 0) -> int | None:
    """Index just past the first sentence end at or after ``start`` that whitespace already follows and that
    leaves quotes balanced (a quoted line is one unit), or None. The whitespace must be there: at the very
    end of the text a mark may still turn out to be "3." of "3.5"."""
    for m in SENTENCE_END.finditer(text, max(0, start)):
        if m.end() < len(text) and _quotes_balanced(text[:m.end()]):
            return m.end()
    return None


def trim_to_sentence_end(text: str) -> str | None:
    """``text`` cut back to its last sentence end (no trailing partial character), or None if it has none."""
    clean = strip_partial_char(text)
    end = last_sentence_end(clean)
    if end is None:
        return None
    return clean[:end]


def ends_sentence(text: str) -> bool:
    """True when ``text`` (ignoring trailing whitespace) already stops at a sentence end."""
    stripped = text.rstrip()
    return bool(stripped) and last_sentence_end(stripped) == len(stripped)

