"""The layout policy that makes cache reuse pay: prompts extend each other, churn is sticky, evictions are
large and rare, undo goes back to the earlier prompt."""

from __future__ import annotations

from adventure.context.korean import as_sentence
from adventure.context.manager import ContextConfig, ContextInput, ContextManager
from adventure.context.worldinfo import Entry
from adventure.engine.state import Passage


def encode(text: str) -> list[int]:
    return list(text.encode("utf-8"))  # one token per byte: exact and easy to reason about


ENTRIES = (
    Entry(key="serin", index=0, content="세린은 초록 망토를 두른 궁수다.", keys=("세린",)),
    Entry(key="dragon", index=1, content="흑린은 잿빛봉우리에 사는 늙은 용이다.", keys=("흑린", "용"), priority=3),
    Entry(key="realm", index=2, content="이곳은 한울 왕국의 북쪽 끝이다.", constant=True),
)


class Story:
    def __init__(self, n_ctx: int = 2048, config: ContextConfig | None = None):
        self.cm = ContextManager(encode, n_ctx, config)
        self.passages: list[Passage] = [Passage(kind="authored", text="나는 마을 광장에 서 있었다.", scene="s")]
        self.note = "조용하고 쓸쓸하게."
        self.title = "마을 광장"
        self.prompts: list[list[int]] = []

    def turn(self, action: str, narration: str = "바람이 불었다. 나는 잠시 멈추었다.", max_new: int = 64):
        self.passages.append(Passage(kind="action", text=action, scene="s"))
        out = self.cm.assemble(self.inp(action), max_new)
        self.prompts.append(out.ids)
        self.passages.append(Passage(kind="narration", text=narration, scene="s"))
        return out

    def inp(self, action):
        return ContextInput(passages=list(self.passages), memory="나는 등불지기의 딸이다.", entries=ENTRIES,
                            scan_depth=2, author_note=self.note, scene_title=self.title, action=action)


def kinds(out):
    return [(s.kind, s.key) for s in out.segments]


def test_layout_order_and_format():
    story = Story()
    out = story.turn("세린에게 길을 묻는다")
    assert kinds(out)[:2] == [("memory", "memory"), ("lore", "realm")]
    assert out.text.endswith("[조용하고 쓸쓸하게.]\n[장소: 마을 광장]\n\n> 세린에게 길을 묻는다.\n")
    assert "세린은 초록 망토를 두른 궁수다.\n\n[조용하고" in out.text  # lore just before the note and action
    assert out.text.startswith("나는 등불지기의 딸이다.\n\n이곳은 한울 왕국의 북쪽 끝이다.\n\n나는 마을 광장에")


def test_prompts_extend_each_other_and_lore_is_sticky():
    story = Story()
    first = story.turn("세린에게 길을 묻는다")
    second = story.turn("북쪽으로 걷는다")
    third = story.turn("흑린의 둥지를 찾는다")  # the dragon fires: inserted before this action
    fourth = story.turn("쉬었다 간다")  # nothing mentions 세린 any more: the entry stays where it is
    for a, b in zip(story.prompts, story.prompts[1:]):
        assert b[:len(a)] == a
    assert not any(o.ledger.changes for o in (first, second, third, fourth))
    assert [s.key for s in fourth.segments if s.kind == "lore"] == ["realm", "serin", "dragon"]


def test_note_change_appends_a_block_and_keeps_the_prefix():
    story = Story()
    story.turn("세린에게 길을 묻는다")
    story.note, story.title = "짧고 빠른 문장.", "숲 가장자리"
    out = story.turn("숲으로 뛰어든다")
    assert out.ids[:len(story.prompts[0])] == story.prompts[0]
    notes = [s for s in out.segments if s.kind == "note"]
    assert [s.key for s in notes] == ["note_old", "note"] and "[장소: 숲 가장자리]" in notes[-1].text
    assert out.text.endswith("[짧고 빠른 문장.]\n[장소: 숲 가장자리]\n\n> 숲으로 뛰어든다.\n")


def test_eviction_drops_a_large_chunk_at_a_passage_boundary_and_regroups():
    story = Story(n_ctx=1024, config=ContextConfig(keep_fraction=0.35))
    evictions = []
    for i in range(40):
        out = story.turn(f"{i}번째로 세린과 함께 걷는다", "나는 말없이 걸었다. 세린도 말이 없었다. 길은 끝이 없었다.")
        if "evict" in out.ledger.changes:
            evictions.append((i, out))
        assert len(out.ids) + out.max_new_tokens <= 1024
    assert len(evictions) >= 2
    gaps = [b[0] - a[0] for a, b in zip(evictions, evictions[1:])]
    assert min(gaps) >= 3  # one re-read buys several turns
    i, out = evictions[-1]
    assert out.ledger.evicted_passages >= 6
    stream = [s for s in out.segments if s.section == "story"]
    assert stream[0].kind == "lore" and stream[0].key == "serin"  # regrouped lore at the top of the stream
    assert [s.kind for s in stream[-2:]] == ["note", "passage"]   # the note right before the action
    passages = [s for s in stream if s.kind == "passage"]
    whole = {("> " + as_sentence(p.text) if p.kind == "action" else p.text) for p in story.passages}
    assert all(s.text in whole for s in passages[1:])  # cut at passage boundaries (the first may be a sentence cut)
    kept = sum(len(s.ids) for s in passages)
    assert kept <= 0.5 * (out.ledger.budget - 2 * len(encode(story.passages[0].text)))


def test_undo_returns_to_the_earlier_prompt():
    story = Story()
    story.turn("세린에게 길을 묻는다")
    before = list(story.passages)
    second = story.turn("흑린의 둥지를 찾는다")
    # undo: the state before the second action; the same action again gives the same prompt
    story.passages = list(before)
    again = story.turn("흑린의 둥지를 찾는다")
    assert again.ids == second.ids
    story.passages = list(before)
    other = story.turn("마을로 돌아간다")
    assert other.ids[:len(story.prompts[0])] == story.prompts[0]
    # what was inserted before the undone action stays (sticky, like the cache): only the action differs
    action = len(other.segments[-1].ids)
    assert other.ids[:-action] == second.ids[:-len(second.segments[-1].ids)]


def test_action_lines_end_with_a_full_stop_as_in_training():
    assert as_sentence(" 문을 연다 ") == "문을 연다."
    assert as_sentence("누구냐?") == "누구냐?" and as_sentence('"거기 누구요!"') == '"거기 누구요!"'
    assert as_sentence("문을 연다.") == "문을 연다." and as_sentence("") == ""
