"""World info: Korean key matching with particles, secondary keys, scan depth, priority; safe cut points."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adventure.context.korean import keep_end, keep_start, matches_any, safe_char_boundary
from adventure.context.manager import ContextInput, ContextManager
from adventure.context.worldinfo import Entry, triggered
from adventure.engine.state import Passage


@pytest.mark.parametrize("text", ["철수는 웃었다.", "나는 철수를 불렀다.", "철수의 집", "철수에게서는 답이 없었다.",
                                  "\"철수!\" 내가 외쳤다.", "그건 철수였다.", "철수들", "철수님께", "철수와 나",
                                  "그 사람이 철수다.", "철수"])
def test_key_matches_with_particles(text):
    assert matches_any(["철수"], text)


@pytest.mark.parametrize("text", ["왕관이 빛났다.", "국왕이 말했다.", "왕국의 끝", "대왕"])
def test_key_does_not_fire_inside_other_words(text):
    assert not matches_any(["왕"], text)


def test_docs_examples():
    # docs/en/world-info.md
    for word in ("세린이", "세린은", "세린을", "세린과", "세린에게"):
        assert matches_any(["세린", "궁수"], f"나는 {word} 보았다.")
    assert matches_any(["용"], "용이 날았다.") and matches_any(["용"], "용의 둥지")
    assert not matches_any(["용"], "용기를 냈다.") and not matches_any(["용"], "용서를 빌었다.")
    assert not matches_any(["등불"], "등불놀이가 열렸다.")
    assert matches_any(["등불"], "등불놀이가 열렸다.", substring=True)
    assert matches_any(["등불"], "종이등불을 띄웠다.", substring=True)
    assert matches_any(["박 노인"], "박  노인이 웃었다.") and matches_any(["솔이 할멈"], "솔이 할멈에게 갔다.")
    assert matches_any(["Serin"], "나는 SERIN을 불렀다.")


def test_substring_entry_fires_inside_words():
    assert matches_any(["왕"], "왕관이 빛났다.", substring=True)


def _entry(key, keys, secondary=(), priority=0, index=0, constant=False, content=None):
    return Entry(key=key, index=index, content=content or f"{key} 설명.", keys=tuple(keys),
                 secondary_keys=tuple(secondary), priority=priority, constant=constant)


def test_secondary_keys_are_and():
    lair = _entry("lair", ["둥지", "동굴"], ["용", "흑린"])
    assert not lair.fires("나는 동굴에 들어갔다.")
    assert lair.fires("나는 동굴에 들어갔다. 용이 잠들어 있었다.")
    assert not lair.fires("용이 날았다.")


def test_priority_then_pack_order():
    entries = [_entry("a", ["숲"], index=0), _entry("b", ["숲"], priority=5, index=1),
               _entry("c", ["숲"], index=2), _entry("d", ["바다"], index=3)]
    assert [e.key for e in triggered(entries, "숲으로 간다")] == ["b", "a", "c"]


def test_scan_depth_counts_recent_passages_only():
    entries = (_entry("serin", ["세린"]),)
    passages = [Passage(kind="narration", text="세린이 활을 쏘았다.", scene="s")] + [
        Passage(kind="narration", text=f"나는 {i}번째 길을 걸었다.", scene="s") for i in range(3)]
    cm = ContextManager(lambda s: list(s.encode()), 4096)
    out = cm.assemble(ContextInput(passages=passages, entries=entries, scan_depth=3), 64)
    assert not any(s.kind == "lore" for s in out.segments)
    cm = ContextManager(lambda s: list(s.encode()), 4096)
    out = cm.assemble(ContextInput(passages=passages, entries=entries, scan_depth=4), 64)
    assert [s.key for s in out.segments if s.kind == "lore"] == ["serin"]


def test_lore_budget_keeps_higher_priority():
    entries = tuple(_entry(k, ["숲"], priority=p, index=i, content=k[0] * 200)
                    for i, (k, p) in enumerate([("low", 0), ("high", 9), ("mid", 5)]))
    cm = ContextManager(lambda s: list(range(len(s))), 2048)  # one token per character
    out = cm.assemble(ContextInput(passages=[Passage(kind="action", text="숲으로 간다", scene="s")],
                                   entries=entries, action="숲으로 간다"), 64)
    lore = [s.key for s in out.segments if s.kind == "lore"]
    assert lore == ["high"]  # the lore budget (15% of 1984) holds one 200-character entry
    assert {d.name for d in out.ledger.dropped} >= {"세계 정보 · mid", "세계 정보 · low"}


# ------------------------------------------------------------------------------------------ cut points

TEXT = st.lists(st.sampled_from(list("가나다라마바사 아자차.?!\"\n한글") + ["\u1100\u1161", "e\u0301"]),
                max_size=80).map("".join)  # includes conjoining jamo and a combining accent


@settings(max_examples=200, deadline=None)
@given(TEXT, st.integers(0, 130), st.booleans())
def test_cuts_keep_syllables_whole(text, limit, from_end):
    fits = lambda s: len(s) <= limit  # noqa: E731
    kept, level = (keep_end if from_end else keep_start)(text, fits)
    assert len(kept) <= max(limit, 0) or level == "whole"
    if kept:
        assert kept in text
        i = text.rfind(kept) if from_end else text.find(kept)
        assert safe_char_boundary(text, i) and safe_char_boundary(text, i + len(kept))
        assert unicodedata.combining(kept[0]) == 0 and not 0x1160 <= ord(kept[0]) <= 0x11FF


def test_cut_prefers_sentences():
    text = "나는 문을 열었다. 바람이 불었다. 등불이 꺼졌다."
    kept, level = keep_end(text, lambda s: len(s) <= 20)
    assert (kept, level) == ("바람이 불었다. 등불이 꺼졌다.", "sentence")
    kept, level = keep_start(text, lambda s: len(s) <= 20)
    assert (kept, level) == ("나는 문을 열었다. 바람이 불었다.", "sentence")
    kept, level = keep_end("아주아주 긴 한 문장이 끝없이 이어진다", lambda s: len(s) <= 7)
    assert level == "word" and kept == "이어진다"
