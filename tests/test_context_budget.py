"""Property tests: the assembled prompt never exceeds the window, for any model size, pack or history.

Real tokenizers (the tiny KoGPT2-like Metaspace BPE with byte fallback and the KoGPT-like byte-level BPE)
and a one-token-per-byte tokenizer; context sizes of every preset (384 to 2048) and absurdly small ones;
memory, world info, author's notes and passages that alone would overflow the window.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adventure.context.korean import as_sentence
from adventure.context.manager import ACTION_PREFIX, ContextInput, ContextManager
from adventure.context.worldinfo import Entry
from adventure.engine.state import Passage
from adventure.ui_text import t
from adventure.models import load_model
from adventure.models.presets import PRESETS
from tiny_models import KOREAN_SENTENCES, build_tiny_gpt2, build_tiny_gptj

NAMES = ["세린", "흑린", "철수", "박 노인", "등불", "왕", "용"]
SENTENCES = KOREAN_SENTENCES + [f"{n}이 나를 바라보았다." for n in NAMES] + [
    "뷁뷁뷁 🐉 漢字 ＡＢＣ", "e\u0301 \u1100\u1161\u11a8", "끝없이이어지는띄어쓰기없는아주긴낱말" * 3]
PRESET_CTX = sorted({p.n_ctx for p in PRESETS.values() if p.n_ctx} | {384, 512})
N_CTX = st.sampled_from(PRESET_CTX + [2, 3, 8, 16, 48, 128])


@pytest.fixture(scope="module")
def tokenizers(tmp_path_factory):
    root = tmp_path_factory.mktemp("ctx")
    gpt2 = load_model(str(build_tiny_gpt2(root / "gpt2", n_ctx=64))).tokenizer
    gptj = load_model(str(build_tiny_gptj(root / "gptj", n_ctx=64))).tokenizer
    return {
        "gpt2": lambda s: gpt2.encode(s, add_special_tokens=False),
        "gptj": lambda s: gptj.encode(s, add_special_tokens=False),
        "bytes": lambda s: list(s.encode("utf-8")),
    }


def text(max_sentences: int):
    return st.lists(st.sampled_from(SENTENCES), min_size=0, max_size=max_sentences).map(" ".join)


def big_text():
    """Usually short; sometimes far longer than any window."""
    return st.one_of(text(4), text(4), st.integers(50, 400).map(lambda n: " ".join(SENTENCES * (n // 10 + 1))))


@st.composite
def entries(draw):
    out = []
    for i in range(draw(st.integers(0, 10))):
        keys = draw(st.lists(st.sampled_from(NAMES), min_size=0, max_size=2))
        out.append(Entry(key=f"e{i}", index=i, content=draw(big_text()) or "내용.", keys=tuple(keys),
                         secondary_keys=tuple(draw(st.lists(st.sampled_from(NAMES), max_size=1))),
                         constant=draw(st.booleans()), priority=draw(st.integers(-2, 5)),
                         substring=draw(st.booleans())))
    return tuple(out)


OPS = st.lists(st.one_of(
    st.tuples(st.just("act"), text(3), text(6)),       # action + narration
    st.tuples(st.just("act"), text(3), text(6)),
    st.tuples(st.just("burst"), st.integers(1, 40), st.just("")),  # many turns at once (fills the window)
    st.tuples(st.just("authored"), big_text(), st.just("")),
    st.tuples(st.just("undo"), st.integers(1, 6), st.just("")),
    st.tuples(st.just("note"), big_text(), st.just("")),
    st.tuples(st.just("prompt"), big_text(), st.just("")),
), min_size=1, max_size=16)


def check(cm: ContextManager, inp: ContextInput, max_new: int, n_ctx: int, encode) -> list[int]:
    out = cm.assemble(inp, max_new)
    assert 1 <= out.max_new_tokens <= max(1, max_new)
    assert len(out.ids) + out.max_new_tokens <= max(n_ctx, 2), (len(out.ids), out.max_new_tokens, n_ctx)
    assert out.ids == [i for s in out.segments for i in s.ids]
    assert out.ledger.prompt_tokens == len(out.ids)
    assert sum(p.tokens for p in out.ledger.parts) == len(out.ids)
    story = [p for p in inp.passages if p.text.strip()]
    memory = "\n".join(" ".join(line.split()) for line in (inp.memory or "").splitlines() if line.strip())
    for seg in out.segments:
        # every part is whole text, or text cut at a boundary (never inside a character), tokenized again
        assert seg.ids == tuple(encode(seg.text)) + cm._sep[seg.sep]
        if seg.kind == "passage":
            p = story[int(seg.key)]
            body = seg.text[len(ACTION_PREFIX):] if p.kind == "action" else seg.text
            whole = as_sentence(p.text) if p.kind == "action" else p.text.strip()  # actions end a sentence
            assert body and whole.endswith(body)
        elif seg.kind == "memory":
            assert memory.startswith(seg.text)
    return out.ids


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(data=st.data(), n_ctx=N_CTX, max_new=st.one_of(st.integers(1, 128), st.integers(1, 4096)),
       which=st.sampled_from(["gpt2", "gptj", "bytes"]), memory=big_text(), wi=entries(), ops=OPS,
       scan_depth=st.integers(0, 6), title=st.one_of(st.none(), text(1)),
       inventory=st.lists(st.sampled_from(NAMES), max_size=4))
def test_prompt_never_exceeds_the_window(tokenizers, data, n_ctx, max_new, which, memory, wi, ops, scan_depth,
                                         title, inventory):
    encode = tokenizers[which]
    cm = ContextManager(encode, n_ctx)
    passages: list[Passage] = []
    note = None
    prev: list[int] | None = None
    for op, a, b in ops:
        prompt = None
        action = None
        if op == "act":
            action = a or "살핀다"
            passages.append(Passage(kind="action", text=action, scene="s"))
        elif op == "burst":
            for k in range(a):
                passages.append(Passage(kind="action", text=SENTENCES[k % len(SENTENCES)], scene="s"))
                passages.append(Passage(kind="narration", text=" ".join(SENTENCES[k % 7:k % 7 + 3]), scene="s"))
        elif op == "authored" and a:
            passages.append(Passage(kind="authored", text=a, scene="s"))
        elif op == "undo":
            del passages[max(0, len(passages) - a):]
        elif op == "note":
            note = a or None
        elif op == "prompt":
            prompt = a or None
        inp = ContextInput(passages=list(passages), memory=memory, entries=wi, scan_depth=scan_depth,
                           author_note=note, scene_title=title, inventory=inventory, action=action, prompt=prompt)
        ids = check(cm, inp, max_new, n_ctx, encode)
        again = cm.assemble(inp, max_new)  # the same input again: the same prompt, nothing changes
        assert again.ids == ids and not again.ledger.changes
        if op == "act" and b:
            passages.append(Passage(kind="narration", text=b, scene="s"))
        prev = ids
    assert prev is not None


def test_huge_memory_and_world_info_are_cut_with_a_warning(tokenizers):
    encode = tokenizers["gpt2"]
    cm = ContextManager(encode, 128)
    huge = " ".join(SENTENCES * 20)
    wi = tuple(Entry(key=f"c{i}", index=i, content=huge, constant=True, priority=i) for i in range(3))
    out = cm.assemble(ContextInput(passages=[Passage(kind="action", text="문을 연다", scene="s")], memory=huge,
                                   entries=wi, author_note=huge, action="문을 연다"), 40)
    assert len(out.ids) + out.max_new_tokens <= 128
    assert out.ledger.warnings and any("기억" in w for w in out.ledger.warnings)
    assert {d.kind for d in out.ledger.dropped} >= {"lore"}
    assert out.segments[-1].text == "> 문을 연다." and out.text.endswith("> 문을 연다.\n")  # a full stop ends the action line


def test_max_new_tokens_larger_than_the_window_is_clamped(tokenizers):
    cm = ContextManager(tokenizers["bytes"], 64)
    out = cm.assemble(ContextInput(passages=[Passage(kind="action", text="간다", scene="s")], action="간다"), 5000)
    assert out.max_new_tokens == 32 and len(out.ids) <= 32 and out.ledger.warnings


def test_the_state_line_gives_way_before_the_authors_note_is_cut(tokenizers):
    """A note that fits by itself stays whole: the inventory, then the place, leave the note block first, and no
    warning is shown (the author did nothing wrong). Only a note over the cap by itself is cut, with a warning."""
    action = [Passage(kind="action", text="문을 연다", scene="s")]

    def note_block(note, inventory):
        cm = ContextManager(tokenizers["bytes"], 1024)   # a fresh game; the note block's cap is 96 bytes
        out = cm.assemble(ContextInput(passages=action, author_note=note, scene_title="우물가",
                                       inventory=inventory, action="문을 연다"), 64)
        cap = int(0.1 * (1024 - 64))
        seg = next(s for s in out.segments if s.kind == "note")
        assert len(seg.ids) <= cap
        return seg.text, out.ledger

    many = [f"물건{i}" for i in range(12)]
    note = "조용한 공포. 소리를 먼저."   # 37 bytes with its brackets; the cap is 96
    text, ledger = note_block(note, many)
    assert text.startswith(f"[{note}]") and "[장소: 우물가]" in text and "가진 것" not in text
    assert not ledger.warnings and [d.kind for d in ledger.dropped] == ["state"]
    text, ledger = note_block(note, many[:1])        # room for everything: the full line
    assert "[장소: 우물가 · 가진 것: 물건0]" in text and not ledger.warnings and not ledger.dropped
    long_note = "아주 긴 작가의 말. " * 8               # over the cap by itself
    text, ledger = note_block(long_note, many[:1])
    assert len(text) < len(long_note) and ledger.warnings == [t("context.warn.note_cut")]
