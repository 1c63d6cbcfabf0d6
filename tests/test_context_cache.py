"""KV-cache reuse is exact: a real ``Game`` with a ``ModelNarrator`` on tiny GPT-2 and GPT-J checkpoints with a
small window (so evictions happen), driven through random turn sequences with undo, redo, retry, author's
note and memory edits, saves and loads. Every prefill's next-token logits must equal a fresh prefill of the
same prompt (max abs diff <= 1e-4), the prompt must fit the window, and the cache must actually be reused.
"""

from __future__ import annotations

import random

import pytest
import torch

from adventure.engine.game import Game
from adventure.engine.model_narrator import ModelNarrator
from adventure.generation.loop import Generator
from adventure.models import load_model
from adventure.saves import SaveStore
from tiny_models import one_thread, build_tiny_gpt2, build_tiny_gptj  # noqa: F401 (autouse fixture)



N_CTX = 192
TOL = 1e-4
ACTIONS = ["촌장에게 사당 가는 길을 묻는다", "여우를 따라 숲으로 들어간다", "불씨를 조심스럽게 살핀다",
           "등불을 높이 들고 주위를 살핀다", "나는 숨을 고르고 좁은 길을 따라간다", "노인에게 인사한다",
           "문을 연다", "사당의 돌 화로 앞에 무릎을 꿇는다", "안개 속으로 한 걸음 내딛는다"]


@pytest.fixture(scope="module", params=["gpt2", "gptj"])
def loaded(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(request.param)
    build = build_tiny_gpt2 if request.param == "gpt2" else build_tiny_gptj
    return load_model(str(build(root / request.param, n_ctx=N_CTX)))


class Recorder:
    """Wraps ``Generator._prefill`` to keep every prompt and the logits the game actually sampled from."""

    def __init__(self, generator: Generator):
        self.calls: list[tuple[list[int], torch.Tensor, int]] = []
        inner = generator._prefill

        def prefill(ids, cancel):
            logits, common = inner(ids, cancel)
            self.calls.append((list(ids), logits[0].float().clone(), common))
            return logits, common

        generator._prefill = prefill


def make_game(loaded, pack, tmp_path, seed=0):
    narrator = ModelNarrator(loaded)
    recorder = Recorder(narrator.generator)
    game = Game(pack, narrator=narrator, store=SaveStore(tmp_path, pack.id), seed=seed)
    game.start(resume=False)
    game.state.sampling["max_new_tokens"] = 16
    return game, narrator, recorder


def check_exact(loaded, recorder: Recorder, fresh: Generator) -> float:
    worst = 0.0
    for ids, logits, _ in recorder.calls:
        assert len(ids) + 1 <= loaded.n_ctx
        fresh.reset_cache()
        want = fresh.next_token_logits(ids)
        worst = max(worst, float((want - logits).abs().max()))
    recorder.calls.clear()
    return worst


@pytest.mark.parametrize("seed", range(6))
def test_reuse_matches_fresh_prefill_over_random_sessions(loaded, lantern, tmp_path, seed):
    rng = random.Random(seed)
    game, narrator, recorder = make_game(loaded, lantern, tmp_path, seed)
    fresh = Generator(loaded)
    stats = {"evict": 0, "reused": 0, "processed": 0, "turns": 0, "history": 0}
    worst = check_exact(loaded, recorder, fresh)
    for step in range(36):
        roll = rng.random()
        if roll < 0.45:
            line = rng.choice(ACTIONS)
        elif roll < 0.6:
            line = str(rng.randint(1, 3))
        elif roll < 0.68:
            line = "/undo"
        elif roll < 0.76:
            line = "/retry"
        elif roll < 0.8:
            line = "/redo"
        elif roll < 0.85:
            line = rng.choice(["/note 짧고 무서운 문장으로.", "/note reset"])
        elif roll < 0.88:
            line = rng.choice(["/memory 나는 등불지기의 딸이다. 사당의 불씨를 찾아야 한다.", "/memory reset"])
        elif roll < 0.94:
            line = "/save slot"
        else:
            line = "/load slot"
        if game.ended:
            line = "/undo"
        before = len(recorder.calls)
        game.handle(line)
        if len(recorder.calls) > before and narrator.last_ledger is not None:
            ledger = narrator.last_ledger
            assert ledger.prompt_tokens + ledger.max_new_tokens <= loaded.n_ctx
            stats["turns"] += 1
            stats["evict"] += "evict" in ledger.changes
            stats["history"] += "history" in ledger.changes
            stats["reused"] += ledger.reused_tokens or 0
            stats["processed"] += ledger.processed_tokens or 0
        worst = max(worst, check_exact(loaded, recorder, fresh))
    assert worst <= TOL, worst
    assert stats["turns"] >= 8 and stats["evict"] >= 1, stats
    assert stats["reused"] > stats["processed"], stats  # the cache did most of the work


def test_evictions_happen_and_stay_exact(loaded, lantern, tmp_path):
    game, narrator, recorder = make_game(loaded, lantern, tmp_path)
    fresh = Generator(loaded)
    game.handle("1")
    evictions = 0
    for i in range(14):
        game.handle(ACTIONS[i % len(ACTIONS)])
        evictions += "evict" in narrator.last_ledger.changes
        assert check_exact(loaded, recorder, fresh) <= TOL
    assert evictions >= 2
    # between evictions a turn only processes what is new: the blank line, the action and a few tokens
    info = narrator.last_info
    assert info["prompt_tokens"] + info["max_new_tokens"] <= loaded.n_ctx


def test_retry_reuses_the_whole_prompt_and_undo_the_common_part(loaded, lantern, tmp_path):
    game, narrator, recorder = make_game(loaded, lantern, tmp_path)
    fresh = Generator(loaded)
    game.handle("1")
    for action in ACTIONS[:3]:
        game.handle(action)
    prompt = narrator.last_prompt_ids
    game.handle("/retry")
    assert narrator.last_prompt_ids == prompt
    assert narrator.last_info["processed_tokens"] == 1  # the same prompt: only its last token is run again
    game.handle("/undo")
    game.handle("/undo")
    game.handle(ACTIONS[5])
    assert narrator.last_info["reused_tokens"] > 0
    game.handle("/load autosave")
    game.handle(ACTIONS[6])
    assert check_exact(loaded, recorder, fresh) <= TOL


def test_a_normal_turn_extends_the_cached_prompt(loaded, lantern, tmp_path):
    game, narrator, recorder = make_game(loaded, lantern, tmp_path)
    game.handle("1")
    game.handle("문을 연다")
    extended = 0
    for action in ["노인에게 인사한다", "문을 연다", "노인에게 인사한다", "문을 연다"]:
        previous = narrator.last_prompt_ids
        game.handle(action)
        ledger = narrator.last_ledger
        if not ledger.changes:
            extended += 1
            # the previous prompt is a prefix of this one: only the narration (where its tokens did not
            # round-trip), the blank line and the new action are processed
            assert narrator.last_prompt_ids[:len(previous)] == previous
            assert ledger.common_prefix >= len(previous)
    assert extended >= 2
