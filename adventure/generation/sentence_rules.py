"""Surface checks a sentence candidate must pass to read as part of the story: same tense, no stutter, and a
first sentence that takes up what came just before it.

Why: a small narrator trained on passages told in the past (했다) and in the present (한다) picks a tense per
sentence by chance, so a story told in the past can slip into the present halfway through a scene; and when
it loses the thread it stutters a word ("늪과 늪과 늪", "주먹밥은 젖었지만 주먹밥은"). Both are plain to see in
the text, so sentence candidates that show them lose to candidates that do not (see ``Generator``). Readers
also found the first sentence the weakest: after "> 모루를 두드려 본다" the narration would open with "나는 보자기를
풀었다", ignoring the action. A first sentence that names something of the line before it (모루, 두드려) is far
more often on topic, so it wins over one that names nothing of it.

Korean marks tense on the sentence's last verb: a past plain-form sentence ends in a syllable with the final
consonant ㅆ before 다 (했다, 보았다, 왔다); a present one in 는다 or a syllable with the final ㄴ before 다
(한다, 본다, 걷는다). Adjectives and 있다/없다 (차갑다, 남아 있다) carry no tense here, and neither does dialogue.
"""

from __future__ import annotations

from typing import Literal

from adventure.context.korean import sentence_ends

from .lexicon import HANGUL_RUN, words_of

Tense = Literal["past", "present"]

_HANGUL_BASE = 0xAC00
_JONG_COUNT = 28
_JONG_N = 4    # ㄴ
_JONG_SS = 20  # ㅆ
# 있다 (is, stays) and -겠다 (will, must) end in ㅆ다 without being past.
_TENSELESS_BEFORE_DA = frozenset("있겠")
# Stutter is counted on words of at least this many syllables, or on a one-syllable word said three times.
STUTTER_MIN_SYLLABLES = 2
# Words too common to count as stutter when they recur in one sentence.
_COMMON_WORDS = frozenset({"나는", "나를", "내가", "그리고", "다시", "조금", "천천히", "하나", "한"})


def _final_consonant(syllable: str) -> int:
    """The index of a Hangul syllable's final consonant (0: none; -1: not a Hangul syllable)."""
    code = ord(syllable) - _HANGUL_BASE
    if not 0 <= code < 11172:
        return -1
    return code % _JONG_COUNT


def sentences_of(text: str) -> list[str]:
    """The sentences of ``text``, stripped, in order (cut where ``korean.sentence_ends`` finds an end)."""
    cuts = [0, *sentence_ends(text), len(text)]
    return [part for a, b in zip(cuts, cuts[1:]) if (part := text[a:b].strip())]


def sentence_tense(sentence: str) -> Tense | None:
    """The tense of a narration sentence, or None when it has none to see (dialogue, adjectives, fragments)."""
    s = sentence.strip().rstrip(".!?… ")
    if not s or s[-1] in "\"'”’":
        return None  # a line of dialogue: its speaker's tense, not the narration's
    if len(s) < 2 or s[-1] != "다":
        return None
    before = s[-2]
    if before == "는":
        return "present"
    if before in _TENSELESS_BEFORE_DA:
        return None
    jong = _final_consonant(before)
    if jong == _JONG_SS:
        return "past"
    if jong == _JONG_N:
        return "present"
    return None


def _is_note(line: str) -> bool:
    """A bracketed line the game adds to the prompt (author's note, "[장소: 숲]"): not part of the story."""
    return line.lstrip().startswith("[")


def story_tense(text: str) -> Tense | None:
    """The tense of the latest narration sentence in ``text`` that shows one (None: no such sentence).

    Lines of the prompt that are not narration do not count: the player's actions ("> 숲으로 간다.", always in
    the present) and bracketed notes ("[... 서술한다.]")."""
    for line in reversed(text.splitlines()):
        if line.lstrip().startswith(">") or _is_note(line):
            continue
        for sentence in reversed(sentences_of(line)):
            tense = sentence_tense(sentence)
            if tense is not None:
                return tense
    return None


def keeps_tense(candidate: str, tense: Tense | None) -> bool:
    """Whether ``candidate`` keeps the story's ``tense`` (True when either has none to compare)."""
    if tense is None:
        return True
    own = sentence_tense(candidate)
    return own is None or own == tense


def _stem(word: str) -> str:
    """A word's first two syllables: close enough to a stem to match a noun with another particle (모루를 / 모루
    위에) or a verb with another ending (두드려 / 두드렸다)."""
    return word[:2]


# Words of a line that say nothing about its topic (so sharing them is no sign of taking it up).
_FILLER_STEMS = frozenset({"나는", "내가", "나를", "본다", "한다", "한번", "조심", "천천", "자세", "다시", "그리",
                           "있다", "했다", "보았", "하고"})
# Stems that may begin two words of one sentence without saying one thing twice (auxiliary verbs, and the
# filler above): "새겨져 있었고, ... 적혀 있었다".
_REPEATABLE_STEMS = _FILLER_STEMS | {"있었", "없었", "않았", "않고", "않은", "그러", "하나"}


def stutters(sentence: str) -> bool:
    """Whether a sentence says one thing twice: a word of 2+ syllables twice, a one-syllable word three times, or
    two words with the same first two syllables (a noun with two particles: "왼쪽은 왼쪽과", "화살표의 화살표가"),
    outside the handful of words and stems that recur in any sentence.

    Why the stems: in blind-judged play, 93 of 101 sentences that repeat a stem this way were odd or broken
    (against half of all sentences), and the corpus is written never to name one noun twice in a sentence."""
    counts: dict[str, int] = {}
    stems: set[str] = set()
    for word in words_of(sentence):
        if word in _COMMON_WORDS:
            continue
        counts[word] = counts.get(word, 0) + 1
        if len(word) < STUTTER_MIN_SYLLABLES:
            if counts[word] >= 3:
                return True
            continue
        stem = _stem(word)
        if counts[word] >= 2 or stem in stems:
            return True
        if stem not in _REPEATABLE_STEMS:
            stems.add(stem)
    return False


def _stems(text: str) -> set[str]:
    """The stems (``_stem``) of the words of two or more syllables in ``text``, less the filler ones."""
    stems = {_stem(w) for w in words_of(text) if len(w) >= 2}
    return stems - _FILLER_STEMS


def lead_line(text: str) -> str:
    """The last line of ``text`` with words in it: the player's action ("> 모루를 두드려 본다.", without the
    marker) or the narration a scene's prompt ends with; bracketed notes ("[장소: 숲]") are skipped."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        if HANGUL_RUN.search(line) and not _is_note(line):
            return line.lstrip("> ").strip()
    return ""


def takes_up(candidate: str, lead: str) -> bool:
    """Whether a first sentence names something of the line before it (True when that line names nothing)."""
    wanted = _stems(lead)
    return not wanted or bool(wanted & _stems(candidate))
