"""Steering: attributes as data, bags with multi-token Korean words, the session pipeline inside the decode
loop (strength-0 identity, exact PPLM re-implementation, cache integrity, plugin failure isolation, state)."""

from __future__ import annotations

import json
import threading

import pytest
import torch

from adventure.generation import Generator, SamplingSettings
from adventure.generation.loop import GenerationCancelled
from adventure.models.loader import load_model
from adventure.steering import Plugin, PluginRegistry, SteeringSession, builtin_attributes, count_hits
from adventure.steering.attributes import AttributeError_, AttributeRegistry, overlapping, parse_attribute
from adventure.steering.bags import BagIndex, TokenTable, next_tail
from adventure.steering.helpers import bag_index
from adventure.steering.registry import default_registry
from adventure.steering.session import model_context
from tiny_models import build_tiny_gpt2, build_tiny_gptj

PROMPT = "나는 어두운 숲 속을 걷고 있다."
METHODS = ["pplm", "logit-bias", "activation", "mood-words"]


@pytest.fixture(scope="module")
def gpt2(tmp_path_factory):
    return load_model(str(build_tiny_gpt2(tmp_path_factory.mktemp("gpt2"), n_ctx=128, n_layer=3)))


@pytest.fixture(scope="module")
def gptj(tmp_path_factory):
    return load_model(str(build_tiny_gptj(tmp_path_factory.mktemp("gptj"), n_ctx=128, n_layer=3)))


@pytest.fixture(params=["gpt2", "gptj"])
def loaded(request):
    return request.getfixturevalue(request.param)


def settings(n: int = 16, **kw) -> SamplingSettings:
    return SamplingSettings(max_new_tokens=n, min_new_tokens=n, stop_strings=[], trim_to_sentence=False, **kw)


def session(loaded, steer, methods, **kw) -> SteeringSession:
    return SteeringSession.for_request(steer, loaded, methods=methods, **kw)


# ----------------------------------------------------------------------------------------------- attributes

def test_builtin_attributes_resolve_korean_and_english():
    reg = builtin_attributes()
    assert {"공포", "전투", "로맨스", "미스터리"} <= set(reg.names())
    for spelling, name in [("공포", "공포"), ("horror", "공포"), ("Horror", "공포"), ("battle", "전투"),
                           ("전투", "전투"), ("romance", "로맨스"), ("MYSTERY", "미스터리"), ("미스터리", "미스터리")]:
        assert reg.resolve(spelling).name == name
    steer, unknown = reg.resolve_steer({"horror": 0.8, "전투": 0.0, "유머": 1.0})
    assert steer == {"공포": 0.8} and unknown == ["유머"]


def test_bags_are_disjoint_and_substantial():
    reg = builtin_attributes()
    assert not reg.errors
    for attr in reg:
        assert len(attr.bag) >= 20 and len(attr.heldout) >= 20, attr.name
        assert overlapping(attr.bag, attr.heldout) == [], attr.name
        assert len(attr.contrast_positive) == len(attr.contrast_negative) >= 4
        assert attr.label in {"horror", "battle", "romance", "mystery"}


def test_overlapping_bags_are_rejected():
    with pytest.raises(AttributeError_, match="disjoint"):
        parse_attribute({"name": "x", "bag": ["비명"], "heldout": ["비명소리"]}, "x.yaml")
    reg = AttributeRegistry([parse_attribute({"name": "유머", "english": "humor", "bag": ["웃음"]}, "h.yaml")])
    assert reg.resolve("HUMOR").name == "유머"


def test_count_hits_keeps_particles_and_strips_quotes():
    hits, total = count_hits('나는 비명을 들었다. "비명이야!" 그리고 비.', ["비명"])
    assert (hits, total) == (2, 6)
    assert count_hits("그림자가 길다", ["그림"]) == (1, 2)


# ----------------------------------------------------------------------------------------------- bags

def _walk_word(index: BagIndex, table: TokenTable, ids: list[int]) -> None:
    """Every token of the tokenizer's own encoding of a word is in the step's bag, after a boundary."""
    tail = b""
    for tok in ids:
        assert tok in set(index.ids_for_tail(tail).tolist()), (tail, tok)
        tail = next_tail(tail, table.data[tok])


@pytest.mark.parametrize("which", ["gpt2", "gptj"])
def test_multi_token_words_are_kept_and_continued(which, request):
    loaded = request.getfixturevalue(which)
    mc = model_context(loaded)
    reg = builtin_attributes()
    multi = 0
    for attr in reg:
        index = bag_index(mc, attr)
        assert not index.skipped
        multi += len(index.multi_token)
        for word in attr.bag:
            ids = mc.encode(" " + word)
            while ids and mc.table.data[ids[0]].strip() == b"":
                ids = ids[1:]
            _walk_word(index, mc.table, ids)
    assert multi > 50  # in these tiny vocabularies almost every word is several tokens


def _table(pieces: list[str | None]) -> TokenTable:
    return TokenTable(data=[p.replace("▁", " ").encode() if p is not None else None for p in pieces])


def test_particles_merged_into_a_token_still_count():
    pieces = ["▁비명을", "▁비", "명", "▁비가", "을", "▁그림자", "▁", "비명", "▁나는", None]
    index = BagIndex(["비명"], _table(pieces))
    start = set(index.ids_for_tail(b"").tolist())
    assert {0, 1, 7} <= start               # ▁비명을 (word + particle), ▁비 (first piece), 비명 after a space
    assert 3 not in start and 8 not in start  # ▁비가 leaves the word, ▁나는 is unrelated
    cont = set(index.ids_for_tail("비".encode()).tolist())
    assert 2 in cont and 4 not in cont       # after ▁비: 명 continues the word, 을 does not
    assert set(index.continuation_ids("비".encode()).tolist()) == {2}
    assert index.continuation_ids(b"").numel() == 0


def test_unencodable_words_are_reported():
    pieces = ["▁비명", "<unk>"]
    table = _table(pieces)
    table.data[1] = None  # a special token
    index = BagIndex(["비명", "괴물"], table, encode=lambda text: [0] if "비명" in text else [1])
    assert index.skipped == ["괴물"] and index.single_token == ["비명"]


# ----------------------------------------------------------------------------------------------- identity

@pytest.mark.parametrize("method", METHODS)
def test_strength_zero_reproduces_unsteered_output(loaded, method):
    gen = Generator(loaded)
    base = gen.generate(PROMPT, settings(), seed=7)
    for steer in ({"공포": 0.0}, {}, {"horror": 0.0, "전투": 0.0}):
        sess = session(loaded, steer, [method])
        assert not sess.active
        out = gen.generate(PROMPT, settings(), seed=7, steering=sess)
        assert out.token_ids == base.token_ids and out.text == base.text


def test_steering_changes_the_output(loaded):
    gen = Generator(loaded)
    base = gen.generate(PROMPT, settings(), seed=7)
    for method in ("pplm", "logit-bias", "activation"):
        sess = session(loaded, {"공포": 1.0}, [method])
        out = gen.generate(PROMPT, settings(), seed=7, steering=sess)
        assert out.token_ids != base.token_ids, method
        if method == "activation":  # nothing is prepared for a tiny model: its vector comes from the sentences
            assert len(sess.notices) == 1 and "공포" in sess.notices[0] and "plugins prepare" in sess.notices[0]
        else:
            assert sess.notices == [], sess.notices


def test_the_sentence_vector_notice_comes_once_per_game(gpt2):
    """Activation steering without prepared vectors says so on the first steered turn only (the plugin's
    saved state remembers it), and again for another attribute."""
    gen = Generator(gpt2)
    saved, notices = {}, []
    for turn, steer in enumerate([{"공포": 1.0}, {"공포": 0.5}, {"공포": 1.0, "전투": 1.0}]):
        sess = SteeringSession.for_request(steer, gpt2, methods=["activation"], state=saved,
                                           on_notice=notices.append)
        gen.generate(PROMPT, settings(4), seed=turn, steering=sess)
        saved = sess.snapshot()
        json.dumps(saved)
    assert len(notices) == 2 and "공포" in notices[0] and "전투" in notices[1]

    # sentence candidates run one narration's session once per sentence (begin_turn each time): still one line
    notices.clear()
    sess = SteeringSession.for_request({"미스터리": 1.0}, gpt2, methods=["activation"], on_notice=notices.append)
    for seed in (1, 2):
        gen.generate(PROMPT, settings(4), seed=seed, steering=sess)
    assert len(notices) == 1 and "미스터리" in notices[0] and sess.notices == notices


@pytest.mark.parametrize("opts", [{"layers": 1}, {"layers": 0, "candidates": 0}, {"candidates": 16},
                                  {"preset": "faithful"}])
def test_pplm_machinery_with_zero_step_is_exact(loaded, opts):
    """With step size 0 the piecewise top-stack pass, the candidate logits and the fusion must reproduce the
    plain logits: PPLM's own arithmetic adds nothing but the perturbation."""
    pplm = default_registry().get("pplm")
    diffs = []
    original = pplm.perturb_past

    def spy(step):
        out = original(step)
        diffs.append(float((out - step.plain_logits).abs().max()))
        return out

    gen = Generator(loaded)
    base = gen.generate(PROMPT, settings(), seed=3)
    pplm.perturb_past = spy
    try:
        sess = session(loaded, {"공포": 1.0}, ["pplm"], options={"pplm": {**opts, "step_size": 0.0}})
        out = gen.generate(PROMPT, settings(), seed=3, steering=sess)
    finally:
        del pplm.perturb_past
    assert len(diffs) == 16 and max(diffs) <= 1e-4
    assert out.token_ids == base.token_ids


def test_pplm_counts_its_work(gpt2):
    gen = Generator(gpt2)
    # lagged (the default): one pass per token, a backward on every 2nd
    sess = session(gpt2, {"공포": 1.0}, ["pplm"], options={"pplm": {"every": 2, "layers": 1}})
    gen.generate(PROMPT, settings(), seed=1, steering=sess)
    st = sess.stats["pplm"]
    assert st["steps"] == 16 and st["grad_steps"] == 8
    assert st["fwd_layers"] == 16 and st["bwd_layers"] == 8
    # classic: gradient iterations, then a separate steered pass
    sess = session(gpt2, {"공포": 1.0}, ["pplm"], options={"pplm": {"every": 2, "layers": 1, "lag": False,
                                                                     "iterations": 2}})
    gen.generate(PROMPT, settings(), seed=1, steering=sess)
    st = sess.stats["pplm"]
    assert st["grad_steps"] == 16 and st["fwd_layers"] == 16 + 16 and st["bwd_layers"] == 16


@pytest.mark.parametrize("opts", [{}, {"lag": False}, {"mode": "discrim"}, {"preset": "faithful"}])
def test_pplm_negative_and_mixed_strengths_run(gpt2, opts):
    gen = Generator(gpt2)
    notices = []
    sess = SteeringSession.for_request({"공포": -0.7, "로맨스": 0.4}, gpt2, methods=["pplm"],
                                       options={"pplm": opts}, on_notice=notices.append)
    out = gen.generate(PROMPT, settings(), seed=1, steering=sess)
    assert out.new_tokens == 16 and "pplm" not in sess.failed
    if opts.get("mode") == "discrim":  # no head is prepared for a tiny model: it says so and uses the bag
        assert any("discriminator" in n for n in notices)


# ----------------------------------------------------------------------------------------------- cache

@pytest.mark.parametrize("method", ["pplm", "logit-bias", "activation"])
def test_cache_after_a_steered_turn_is_clean(loaded, method):
    """The cache after a steered turn holds exactly the clean keys/values of prompt + narration."""
    gen = Generator(loaded)
    sess = session(loaded, {"공포": 1.0}, [method])
    out = gen.generate(PROMPT, settings(20), seed=5, steering=sess)
    cached = list(gen.cached_token_ids)
    prompt_ids = gen.encode(PROMPT)
    assert cached[:len(prompt_ids)] == prompt_ids and len(cached) == len(prompt_ids) + out.new_tokens - 1
    fresh = Generator(loaded)
    fresh.next_token_logits(cached)  # a fresh prefill of the same tokens
    assert list(fresh.cached_token_ids) == cached
    for mine, ref in zip(gen._cache.layers, fresh._cache.layers):
        assert float((mine.keys - ref.keys).abs().max()) <= 1e-4
        assert float((mine.values - ref.values).abs().max()) <= 1e-4
    ids = prompt_ids + out.token_ids
    assert float((gen.next_token_logits(ids) - Generator(loaded).next_token_logits(ids)).abs().max()) <= 1e-4
    # and the next turn reuses it
    again = gen.generate(ids + gen.encode(" 나는 문을 연다."), settings(4), seed=1, steering=sess)
    assert again.reused_tokens >= len(ids) - 1


def test_cancel_during_activation_steering_leaves_a_clean_cache(gpt2):
    gen = Generator(gpt2)
    cancel = threading.Event()
    chunks = []

    def on_text(chunk):
        chunks.append(chunk)
        if len(chunks) == 3:
            cancel.set()

    sess = session(gpt2, {"공포": 1.0}, ["activation"])
    with pytest.raises(GenerationCancelled):
        gen.generate(PROMPT, settings(30), seed=2, on_text=on_text, cancel=cancel, steering=sess)
    ids = list(gen.cached_token_ids)
    assert ids and len(ids) < len(gen.encode(PROMPT))  # the steered positions were dropped
    assert torch.allclose(gen.next_token_logits(ids + [5]), Generator(gpt2).next_token_logits(ids + [5]), atol=1e-4)
    assert sess.state == {}


# ----------------------------------------------------------------------------------------------- failures

class Boom(Plugin):
    """Raises in one chosen hook (at a chosen step)."""

    version = "0"

    def __init__(self, where: str, at_step: int = 0):
        self.name = f"boom-{where}"
        self.where = where
        self.at_step = at_step

    def _maybe(self, where, step=None):
        if where == self.where and (step is None or step.index >= self.at_step):
            raise RuntimeError(f"boom in {where}")

    def setup(self, model):
        self._maybe("setup")

    def begin_turn(self, turn):
        self._maybe("begin_turn")
        turn.state["touched"] = True

    def perturb_past(self, step):
        self._maybe("perturb_past", step)
        return None

    def activation_edits(self, turn):
        def edit(h):
            if self.where == "activation":
                raise RuntimeError("boom in an activation edit")
            return h
        return {0: edit}

    def edit_logits(self, input_ids, scores, turn):
        self._maybe("edit_logits", turn.step)
        if self.where == "nan":
            return scores * float("nan")
        return scores

    def fuse(self, steered, plain, step):
        self._maybe("fuse", step)
        return steered

    def on_token(self, token_id, step):
        self._maybe("on_token", step)


@pytest.mark.parametrize("where", ["setup", "begin_turn", "perturb_past", "activation", "edit_logits", "nan",
                                   "fuse", "on_token"])
def test_a_plugin_that_raises_is_disabled_for_the_turn(loaded, where):
    gen = Generator(loaded)
    base = gen.generate(PROMPT, settings(), seed=11)
    notices = []
    boom = Boom(where)
    sess = SteeringSession.for_request({"공포": 1.0}, loaded, [boom], on_notice=notices.append, state={"x": 1})
    out = gen.generate(PROMPT, settings(), seed=11, steering=sess)
    assert out.token_ids == base.token_ids          # the turn completed, unsteered
    assert len(notices) == 1 and boom.name in notices[0] and "\n" not in notices[0]
    assert boom.name in sess.failed
    assert sess.snapshot() == {"x": 1}              # its turn state was not committed
    # next turn: it gets another chance
    sess2 = SteeringSession.for_request({"공포": 1.0}, loaded, [Boom("nothing")], state=sess.snapshot())
    gen.generate(PROMPT, settings(4), seed=11, steering=sess2)
    assert sess2.snapshot()["boom-nothing"] == {"touched": True}


def test_a_failing_plugin_does_not_stop_the_others(gpt2):
    gen = Generator(gpt2)
    plain = gen.generate(PROMPT, settings(), seed=4)
    bias_only = gen.generate(PROMPT, settings(), seed=4,
                             steering=session(gpt2, {"공포": 1.0}, ["logit-bias"]))
    reg = default_registry()
    both = SteeringSession.for_request({"공포": 1.0}, gpt2, [reg.get("logit-bias"), Boom("edit_logits", 3)])
    out = gen.generate(PROMPT, settings(), seed=4, steering=both)
    assert out.token_ids == bias_only.token_ids != plain.token_ids
    assert list(both.failed) == ["boom-edit_logits"]


def test_mid_turn_failure_keeps_the_tokens_so_far(gpt2):
    gen = Generator(gpt2)
    steered = gen.generate(PROMPT, settings(), seed=9, steering=session(gpt2, {"공포": 1.0}, ["pplm"]))

    class Flaky(type(default_registry().get("pplm"))):
        name = "flaky-pplm"

        def perturb_past(self, step):
            if step.index == 6:
                raise RuntimeError("flaky")
            return super().perturb_past(step)

    sess = SteeringSession.for_request({"공포": 1.0}, gpt2, [Flaky()])
    out = gen.generate(PROMPT, settings(), seed=9, steering=sess)
    assert out.token_ids[:6] == steered.token_ids[:6]
    assert out.new_tokens == steered.new_tokens == 16
    assert "flaky-pplm" in sess.failed


# ----------------------------------------------------------------------------------------------- state & text

def test_state_snapshots_across_turns(gpt2):
    mood = default_registry().get("mood-words")
    gen = Generator(gpt2)
    saved = {}
    for turn in range(3):
        sess = SteeringSession.for_request({"horror": 1.0}, gpt2, methods=["mood-words"], state=saved)
        gen.generate(PROMPT, settings(12), seed=turn, steering=sess)
        saved = sess.snapshot()
        json.dumps(saved)
    uses = saved.get("mood-words", {}).get("uses", 0)
    assert uses > 0
    # undo = restore an older snapshot
    sess = SteeringSession.for_request({"horror": 1.0}, gpt2, methods=["mood-words"])
    sess.restore({"mood-words": {"uses": 1}})
    assert sess.snapshot() == {"mood-words": {"uses": 1}}
    assert mood.name == "mood-words"


def test_text_hooks(gpt2):
    class Shout(Plugin):
        name = "shout"

        def on_input(self, text):
            return text + "!"

        def on_output(self, text, turn):
            return text.replace("나는", "내가")

    class Broken(Plugin):
        name = "broken"

        def on_output(self, text, turn):
            return None

    notices = []
    sess = SteeringSession.for_request({}, gpt2, [Shout(), Broken()], on_notice=notices.append)
    assert sess.filter_input("문을 연다") == "문을 연다!"
    assert sess.filter_output("나는 간다") == "내가 간다"
    assert len(notices) == 1 and "broken" in notices[0]


def test_model_narrator_runs_input_hooks_of_discovered_plugins(tmp_path, monkeypatch):
    """The play path: a plugin in a plugins folder rewrites free text; one that raises is skipped with a notice."""
    from adventure.engine.model_narrator import ModelNarrator
    from adventure.steering import registry

    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "polite.py").write_text(
        "from adventure.steering.api import Plugin\n"
        "class Polite(Plugin):\n"
        "    name = 'polite'\n"
        "    def on_input(self, text):\n"
        "        return text.replace('줘', '주세요')\n"
        "class Rude(Plugin):\n"
        "    name = 'rude'\n"
        "    def on_input(self, text):\n"
        "        raise ValueError('no')\n"
        "plugins = [Polite(), Rude()]\n", encoding="utf-8")
    monkeypatch.setenv(registry.ENV_DIRS, str(folder))
    registry.default_registry.cache_clear()
    try:
        notices: list[str] = []
        out = ModelNarrator.filter_input("길을 알려 줘", ["polite", "rude"], notices)
        assert out == "길을 알려 주세요"
        assert len(notices) == 1 and "rude" in notices[0]
    finally:
        registry.default_registry.cache_clear()


def test_unknown_attributes_and_methods_give_notices(gpt2):
    notices = []
    sess = SteeringSession.for_request({"유머": 1.0}, gpt2, methods=["nope"], on_notice=notices.append)
    assert not sess.active
    assert any("유머" in n for n in notices) and any("nope" in n for n in notices)


def test_registry_of_given_plugins_enables_them():
    reg = PluginRegistry.of([Boom("x")])
    assert [p.name for p in reg.enabled()] == ["boom-x"]


# ----------------------------------------------------------------------------------------------- prepared data

def test_prepare_heads_and_vectors_on_a_tiny_corpus(gpt2, tmp_path, monkeypatch):
    """`adventure plugins prepare` in small: heads and contrast vectors are trained, written under the model's
    fingerprint, found again, and used by the discriminator and activation plugins."""
    from adventure.steering import resources
    from adventure.steering.helpers import contrast_vectors, discriminator
    from adventure.steering.session import ModelContext

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rows = []
    for i in range(6):
        rows.append({"id": f"n{i}", "label": "neutral", "text": f"나는 길을 걷는다. 바람이 분다 {i}."})
        rows.append({"id": f"h{i}", "label": "horror", "text": f"어둠 속에서 비명이 들렸다. 그림자가 움직인다 {i}."})
    (corpus / "train.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    monkeypatch.setattr(resources, "user_data_dir", lambda: tmp_path / "cache")
    mc = ModelContext(gpt2)
    summary = resources.prepare(mc, corpus, log=lambda m: None)
    assert summary["labels"][0] == "neutral" and summary["train_accuracy"] > 0.5
    assert discriminator(mc, "token") is not None and discriminator(mc, "mean")[2] == ["neutral", "horror"]
    vec, source = contrast_vectors(mc, builtin_attributes().resolve("공포"))
    assert source == "corpus" and vec.shape == (mc.n_layers, mc.d_model)


@pytest.fixture
def shipped_bundled_dir():
    from adventure.models.presets import bundled_model_dir

    if not (bundled_model_dir() / "config.json").exists():
        pytest.skip("no bundled model in this checkout")
    return bundled_model_dir()


def test_the_shipped_steering_data_belongs_to_the_shipped_model(shipped_bundled_dir):
    """A retrained bundled model needs `adventure plugins prepare --ship`: without it the discriminator head and
    contrast vectors (stored under the old weights' fingerprint) are silently never found."""
    from adventure.steering import resources
    from adventure.steering.session import ModelContext

    mc = ModelContext(load_model("bundled", device="cpu"))
    shipped = resources.DATA_DIR / f"{mc.fingerprint}.safetensors"
    assert shipped.is_file(), f"no steering data for the bundled model's fingerprint {mc.fingerprint}"
    assert sorted(p.name for p in resources.DATA_DIR.glob("*.safetensors")) == [shipped.name]  # no stale files
    prepared = resources.load_prepared(mc)
    assert prepared is not None and "neutral" in prepared["labels"]


def test_the_fingerprint_does_not_depend_on_where_the_model_folder_lies(shipped_bundled_dir, tmp_path):
    """An installed package (site-packages) must find the data shipped for the bundled model: the fingerprint
    is the model, not its path or load dtype. It still tells different weights apart."""
    import shutil

    from adventure.steering.session import ModelContext

    copy = tmp_path / "elsewhere" / "bundled"
    shutil.copytree(shipped_bundled_dir, copy)
    here, there = load_model("bundled", device="cpu"), load_model(str(copy), device="cpu")
    assert ModelContext(here).fingerprint == ModelContext(there).fingerprint
    # Nor on the dtype it is loaded in: `--dtype bfloat16` still finds the data prepared in float32.
    for dtype in ("bfloat16", "float16"):
        assert ModelContext(load_model(str(copy), device="cpu", dtype=dtype)).fingerprint == \
            ModelContext(here).fingerprint, dtype
    with torch.no_grad():
        there.model.transformer.h[-1].ln_1.weight.add_(0.5)
    assert ModelContext(here).fingerprint != ModelContext(there).fingerprint
