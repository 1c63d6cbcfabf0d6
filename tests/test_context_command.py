"""``/context`` in plain mode prints the ledger; ``last_info``/``last_ledger`` carry the same data for the TUI."""

from __future__ import annotations

import io

import pytest

from adventure.engine.game import Game
from adventure.engine.model_narrator import ModelNarrator
from adventure.frontends.plain import PlainFrontend
from adventure.models import load_model
from tiny_models import one_thread, build_tiny_gpt2  # noqa: F401 (autouse fixture)




def play(game: Game, *lines: str) -> str:
    out = io.StringIO()
    PlainFrontend(game, out=out)
    for line in lines:
        game.handle(line)
    return out.getvalue()


def test_context_without_a_model_says_so(lantern):
    game = Game(lantern)
    game.start(resume=False)
    text = play(game, "/context")
    assert "모델 없이" in text
    assert "/context" in play(game, "/help")


def test_context_prints_parts_drops_and_reuse(lantern, tmp_path):
    loaded = load_model(str(build_tiny_gpt2(tmp_path / "gpt2", n_ctx=192)))
    narrator = ModelNarrator(loaded)
    game = Game(lantern, narrator=narrator)
    game.state.sampling["max_new_tokens"] = 16
    assert "아직 모델이 서술한 적이 없습니다" in play(game, "/context")
    game.start(resume=False)
    text = play(game, "1", "촌장에게 사당 가는 길을 묻는다", "여우를 따라간다", "불씨를 살핀다", "/context")
    report = text[text.rindex("* 문맥"):]
    for needle in ("n_ctx 192", "프롬프트 예산 176", "생성 16", "캐시 재사용", "새로 처리", "기억", "이번 행동",
                   "합계", "창 안의 이야기"):
        assert needle in report, needle
    ledger = narrator.last_ledger
    assert f"{ledger.prompt_tokens} / 176" in report
    for row in ledger.parts:
        assert row.name in report
    # the TUI reads these keys from last_info
    info = narrator.last_info
    assert {"prompt_tokens", "reused_tokens", "processed_tokens", "parts"} <= set(info)
    assert info["prompt_tokens"] == sum(p["tokens"] for p in info["parts"])
    assert info["reused_tokens"] + info["processed_tokens"] == info["prompt_tokens"]


def test_context_reports_evictions_and_world_info(lantern, tmp_path):
    loaded = load_model(str(build_tiny_gpt2(tmp_path / "gpt2", n_ctx=192)))
    narrator = ModelNarrator(loaded)
    game = Game(lantern, narrator=narrator)
    game.state.sampling["max_new_tokens"] = 16
    game.start(resume=False)
    play(game, "1")
    seen_evict = seen_lore = False
    for action in ["촌장에게 길을 묻는다", "여우를 따라간다", "사당으로 간다", "문을 연다"] * 3:
        text = play(game, action, "/context")
        seen_evict |= "한꺼번에 덜어냈습니다" in text
        seen_lore |= "세계 정보 · " in text
    assert seen_evict and seen_lore
    assert "오래된 이야기" in text and "창 밖" in text
