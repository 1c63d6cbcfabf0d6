"""The bundled-model training pipeline (adventure/training/bundled.py) and the shipped model folder."""

from __future__ import annotations

import dataclasses
import json
import random
import re
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

from adventure.training import bundled  # noqa: E402

SPECIALS = {
    "bos_token": "</s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "pad_token": "<pad>",
    "mask_token": "<mask>",
}

# A handful of passages written for this test, in the corpus's register and format.
PASSAGES = [
    ("neutral", "나는 마을 광장을 천천히 가로질렀다. 빵 굽는 냄새가 골목마다 퍼져 있었다."),
    ("horror", "> 문을 연다.\n문이 삐걱거리며 열렸다. 안쪽은 숨이 막힐 만큼 어두웠다. 나는 등골이 서늘해졌다."),
    ("battle", "> 검을 뽑아 든다.\n나는 검을 뽑아 들고 적에게 달려들었다. 칼날이 부딪치며 불꽃이 튀었다."),
    ("romance", "그녀는 창가에 앉아 나를 바라보았다. \"오래 기다렸어요.\" 그녀의 목소리는 따뜻했다."),
    ("mystery", "> 편지를 읽는다.\n편지에는 이름이 없었다. 다만 '자정에 종탑으로 오라'는 한 줄만 적혀 있었다."),
    ("neutral", "아침 햇살이 들판 위로 내려앉았다.  나는 배낭을 고쳐 메고 북쪽 길로 걸음을 옮겼다."),
    ("horror", "촛불이 갑자기 꺼졌다. 나는 숨을 죽였다. 벽 너머에서 무언가 긁는 소리가 들려왔다…"),
    ("battle", "> 방패로 막는다.\n나는 방패를 들어 도끼를 막았다. \"그 정도로는 나를 쓰러뜨릴 수 없다!\""),
]

ROUNDTRIP_EXTRA = [
    " 앞에 공백이 있는 문장.",
    "끝에 공백과 줄바꿈이 있다. \n",
    "첫 문단이다.\n\n둘째 문단이다.\n\n\n셋째.",
    "> 횃불을 들고 동굴 안으로 들어간다.\n",
    "탭\t문자와 이모지 😀, 한자 漢字, 드문 글자 똠뷁.",
    "ASCII 'single' and \"double\" quotes, <angle> & 100% ~ 123.",
    "\"누구냐?\" 그가 물었다. '조용히 해.'",
]


def _write_corpus(folder: Path, copies: int = 12) -> None:
    rng = random.Random(7)
    places = ["숲", "동굴", "성", "마을", "항구", "사원"]
    recs = []
    for i in range(copies * len(PASSAGES)):
        label, text = PASSAGES[i % len(PASSAGES)]
        recs.append({"id": f"t{i}", "label": label, "text": f"{text} 그곳은 {rng.choice(places)} 근처였다."})
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "train.jsonl", "w", encoding="utf-8") as fh:
        for r in recs[8:]:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    with open(folder / "heldout.jsonl", "w", encoding="utf-8") as fh:
        for r in recs[:8]:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def _roundtrip(tok, text: str) -> str:
    ids = tok(text, add_special_tokens=False)["input_ids"]
    return tok.decode(ids, clean_up_tokenization_spaces=False)


def test_tokenizer_roundtrip_and_specials():
    texts = [t for _, t in PASSAGES] * 3
    tok = bundled.wrap_tokenizer(bundled.train_tokenizer(texts, vocab_size=400, min_frequency=1), 64)
    assert [tok.convert_ids_to_tokens(i) for i in range(4)] == ["</s>", "<unk>", "<pad>", "<mask>"]
    assert tok.bos_token_id == tok.eos_token_id == 0
    assert bundled.check_roundtrip(tok, texts + ROUNDTRIP_EXTRA) == len(texts) + len(ROUNDTRIP_EXTRA)
    # nothing is lost to <unk>: unseen characters fall back to bytes
    ids = tok("똠뷁 😀", add_special_tokens=False)["input_ids"]
    assert tok.unk_token_id not in ids
    # newlines are kept as tokens of their own and the blank line is one token
    assert "\n" in tok.convert_ids_to_tokens(tok("다.\n나는", add_special_tokens=False)["input_ids"])
    assert len(tok("\n\n", add_special_tokens=False)["input_ids"]) == 1
    # decoding is concatenation: a continuation decoded alone keeps its leading space
    # (for characters in the vocabulary; byte-fallback pieces decode only together)
    text = "나는 마을 광장을 천천히 가로질렀다."
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert "".join(tok.decode([i]) for i in ids) == text


def test_pack_and_blocks_cover_every_token():
    encoded = [[10, 11, 12], [20, 21], [30, 31, 32, 33]]
    stream = bundled.pack_stream(encoded, bos_id=0, blank_ids=[99], rng=None)
    assert stream == [0, 10, 11, 12, 0, 20, 21, 0, 30, 31, 32, 33, 0]
    blocks = bundled.cut_blocks(stream, 4, keep_partial=True)
    targets = [t for b in blocks for t in b[1:]]
    assert targets == stream[1:]
    assert all(len(b) == 5 for b in bundled.cut_blocks(stream, 4))
    mixed = bundled.pack_stream(encoded, 0, [99], random.Random(1), blank_line_join=1.0)
    assert mixed[0] == 0 and mixed[-1] == 0 and mixed.count(99) == 2


def test_story_runs_keep_consecutive_passages_of_one_file_together():
    sources = ["a", "a", "a", "a", "a", None, "b", "b", "b", None]
    rng = random.Random(3)
    runs = bundled.make_story_runs(sources, 3, rng)
    assert sorted(i for run in runs for i in run) == list(range(len(sources)))
    for run in runs:
        assert 1 <= len(run) <= 3
        assert run == list(range(run[0], run[0] + len(run)))  # consecutive, in file order
        assert len({sources[i] for i in run}) == 1
        if sources[run[0]] is None:
            assert len(run) == 1  # grammar-expanded passages are unrelated: never joined
    assert any(len(run) > 1 for run in runs)

    encoded = [[100 + i, 200 + i] for i in range(len(sources))]
    stream = bundled.pack_stream(encoded, 0, [99], random.Random(5), sources=sources, story_runs=3)
    assert stream[0] == 0 and stream[-1] == 0
    assert sorted(t for t in stream if t >= 100) == sorted(t for e in encoded for t in e)
    # a blank line always joins two passages of the same file; </s> separates runs
    for k, t in enumerate(stream):
        if t == 99:
            before, after = stream[k - 1] - 200, stream[k + 1] - 100
            assert after == before + 1 and sources[before] == sources[after] is not None
    assert stream.count(0) == len(bundled.make_story_runs(sources, 3, random.Random(5))) + 1
    # story_runs 1 is the older stream
    assert bundled.pack_stream(encoded, 0, [99], None, sources=sources, story_runs=1) == \
        bundled.pack_stream(encoded, 0, [99], None)


def test_lr_schedule():
    cfg = bundled.TrainConfig(lr=1e-3, min_lr=1e-4, warmup_steps=10)
    assert bundled.lr_at(0, 100, cfg) == pytest.approx(1e-4)
    assert bundled.lr_at(9, 100, cfg) == pytest.approx(1e-3)
    assert bundled.lr_at(100, 100, cfg) == pytest.approx(1e-4)
    assert bundled.lr_at(55, 100, cfg) == pytest.approx(5.5e-4)


def test_pipeline_trains_saves_and_reloads(tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    corpus = tmp_path / "corpus"
    _write_corpus(corpus)
    out = tmp_path / "bundled"
    cfg = bundled.TrainConfig.quick(
        corpus=corpus, out=out, n_positions=64, n_embd=32, n_layer=1, n_head=2,
        vocab_size=400, steps=30, eval_every=15, sample_tokens=12,
    )
    logs: list[str] = []
    result = bundled.run_pipeline(cfg, log=logs.append)

    assert result.steps_done == 30 and not result.stopped_by_budget
    assert sum(result.last_losses[-5:]) / 5 < sum(result.first_losses[:5]) / 5 - 0.5
    assert result.heldout_loss < result.initial_heldout_loss
    assert any("tok/s" in line and "eta" in line for line in logs)

    names = {p.name for p in out.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
            "generation_config.json", "TRAINING.md"} <= names
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".bundled.")]  # temp dirs cleaned
    # the word list for known-word decoding: exactly the Hangul words of the training passages
    train_texts = [json.loads(line)["text"] for line in (corpus / "train.jsonl").read_text("utf-8").splitlines()]
    listed = (out / "lexicon.txt").read_text("utf-8").split()
    assert listed == sorted({w for t in train_texts for w in re.findall(r"[\uac00-\ud7a3]+", t)})

    model = AutoModelForCausalLM.from_pretrained(out, local_files_only=True)
    tok = AutoTokenizer.from_pretrained(out, local_files_only=True)
    assert model.config.model_type == "gpt2"
    assert model.config.n_positions == 64 == tok.model_max_length
    assert model.get_input_embeddings().weight.data_ptr() == model.get_output_embeddings().weight.data_ptr()
    for attr, value in SPECIALS.items():
        assert getattr(tok, attr) == value
    assert model.config.vocab_size == len(tok)
    assert model.config.eos_token_id == tok.eos_token_id == 0
    for text in [t for _, t in PASSAGES] + ROUNDTRIP_EXTRA:
        assert _roundtrip(tok, text) == text

    # the reloaded model gives the same held-out loss as the trained one
    heldout = [json.loads(line)["text"] for line in (corpus / "heldout.jsonl").read_text("utf-8").splitlines()]
    enc = bundled.encode_passages(tok, heldout)
    blocks = bundled.cut_blocks(bundled.pack_stream(enc, 0, [], None), 64, keep_partial=True)
    loss, _ = bundled.evaluate(model, blocks)
    assert loss == pytest.approx(result.heldout_loss, abs=1e-4)

    md = (out / "TRAINING.md").read_text("utf-8")
    for prompt in bundled.SAMPLE_PROMPTS:
        assert prompt in md

    # saving again replaces the folder atomically
    bundled.save_bundle(model, tok, out, training_md="again")
    assert (out / "TRAINING.md").read_text("utf-8") == "again"


def test_budget_stops_gracefully(tmp_path):
    corpus = tmp_path / "corpus"
    _write_corpus(corpus)
    cfg = bundled.TrainConfig.quick(
        corpus=corpus, out=tmp_path / "m", n_positions=32, n_embd=16, n_layer=1, n_head=1,
        vocab_size=300, steps=10**6, minutes=0.06, sample_tokens=4,
    )
    result = bundled.run_pipeline(cfg, log=lambda _: None)
    assert result.stopped_by_budget and 0 < result.steps_done < 10**6
    assert (tmp_path / "m" / "model.safetensors").exists()

    # without --steps the schedule follows the clock and ends at the budget, not stopped early
    cfg = dataclasses.replace(cfg, steps=None, out=tmp_path / "t")
    result = bundled.run_pipeline(cfg, log=lambda _: None)
    assert not result.stopped_by_budget and result.steps_done > cfg.warmup_steps
    assert (tmp_path / "t" / "config.json").exists()


def test_bf16_autocast_training_learns_and_saves_float32(tmp_path):
    """`--precision bf16` trains under CPU autocast; the weights (and the saved folder) stay float32."""
    import torch

    corpus = tmp_path / "corpus"
    _write_corpus(corpus)
    cfg = bundled.TrainConfig.quick(
        corpus=corpus, out=tmp_path / "m", n_positions=64, n_embd=32, n_layer=1, n_head=2,
        vocab_size=400, steps=30, eval_every=15, sample_tokens=4, precision="bf16",
    )
    result = bundled.run_pipeline(cfg, log=lambda _: None)
    assert result.heldout_loss < result.initial_heldout_loss - 0.5
    assert result.dtype == "float32"
    batch = torch.randint(0, 300, (2, 17))
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tmp_path / "m", local_files_only=True)
    assert next(model.parameters()).dtype == torch.float32
    assert bundled._lm_loss(model, batch, "bf16").dtype == torch.float32


def test_compiled_training_learns_and_matches_eager_loss(tmp_path):
    """`--compile` runs the step under torch.compile and gives the eager loss; attention dropout is its own knob."""
    corpus = tmp_path / "corpus"
    _write_corpus(corpus)
    cfg = bundled.TrainConfig.quick(
        corpus=corpus, out=tmp_path / "m", n_positions=32, n_embd=32, n_layer=1, n_head=2,
        vocab_size=300, steps=20, eval_every=10, sample_tokens=4, compile=True, dropout=0.1, attn_dropout=0.0,
    )
    model = bundled.build_model(cfg, 300)
    assert model.config.attn_pdrop == 0.0 and model.config.resid_pdrop == 0.1
    model.eval()
    batch = torch.randint(0, 300, (2, 17))
    compiled = bundled._CompiledLoss(lambda _: None)
    assert torch.allclose(compiled(model, batch, "fp32"), bundled._lm_loss(model, batch, "fp32"), atol=1e-4)

    logs = []
    result = bundled.run_pipeline(cfg, log=logs.append)
    assert result.heldout_loss < result.initial_heldout_loss - 0.5
    if result.compiled:  # a machine without a C++ compiler falls back, and says so
        assert "torch.compile" in (tmp_path / "m" / "TRAINING.md").read_text(encoding="utf-8")
    else:
        assert any("training goes on uncompiled" in line for line in logs)


def test_compile_failure_falls_back_to_eager(tmp_path, monkeypatch):
    def broken(_fn):
        def fail(*_a, **_k):
            raise RuntimeError("InvalidCxxCompiler: no working C++ compiler found")
        return fail

    monkeypatch.setattr(torch, "compile", broken)
    corpus = tmp_path / "corpus"
    _write_corpus(corpus)
    cfg = bundled.TrainConfig.quick(
        corpus=corpus, out=tmp_path / "m", n_positions=32, n_embd=16, n_layer=1, n_head=1,
        vocab_size=300, steps=8, eval_every=8, sample_tokens=4, compile=True,
    )
    logs = []
    result = bundled.run_pipeline(cfg, log=logs.append)
    assert result.steps_done == 8 and not result.compiled
    assert any("torch.compile failed (RuntimeError: InvalidCxxCompiler" in line for line in logs)
    assert "torch.compile" not in (tmp_path / "m" / "TRAINING.md").read_text(encoding="utf-8")


def test_device_resolution(monkeypatch):
    """`--device auto` trains on a GPU only where torch sees one; `cuda` without one is a clear error."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert bundled.resolve_device("auto") == "cpu" and bundled.resolve_device("cpu") == "cpu"
    with pytest.raises(ValueError, match="--device cuda: torch sees no CUDA GPU"):
        bundled.resolve_device("cuda")
    with pytest.raises(ValueError, match="expected auto, cpu or cuda"):
        bundled.resolve_device("tpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert bundled.resolve_device("auto") == "cuda" and bundled.resolve_device("cpu") == "cpu"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_pipeline_trains_on_the_gpu_and_saves_cpu_weights(tmp_path):
    """On a GPU the step runs there (bf16 autocast too); the saved folder, samples and speed are the CPU's."""
    from transformers import AutoModelForCausalLM

    corpus = tmp_path / "corpus"
    _write_corpus(corpus)
    cfg = bundled.TrainConfig.quick(
        corpus=corpus, out=tmp_path / "m", n_positions=64, n_embd=32, n_layer=1, n_head=2,
        vocab_size=400, steps=30, eval_every=15, sample_tokens=4, precision="bf16", device="cuda",
    )
    logs: list[str] = []
    result = bundled.run_pipeline(cfg, log=logs.append)
    assert result.heldout_loss < result.initial_heldout_loss - 0.5
    assert result.device == torch.cuda.get_device_name() and any("training on " + result.device in l for l in logs)
    assert "trained on " + result.device in (tmp_path / "m" / "TRAINING.md").read_text(encoding="utf-8")
    model = AutoModelForCausalLM.from_pretrained(tmp_path / "m", local_files_only=True)
    assert next(model.parameters()).device.type == "cpu"


def test_cli_registers_train_bundled():
    import argparse

    from adventure.cli import train as cli_train

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    cli_train.register(sub)
    args = parser.parse_args(["train-bundled", "--corpus", "c", "--out", "o", "--steps", "5", "--quick",
                              "--precision", "bf16", "--compile", "--attn-dropout", "0"])
    assert args.func is cli_train.run
    cfg = cli_train.config_from_args(args)
    assert cfg.steps == 5 and cfg.out == Path("o") and cfg.n_layer == 2 and cfg.precision == "bf16"
    assert cfg.compile is True and cfg.attn_dropout == 0.0
    assert cli_train.config_from_args(parser.parse_args(["train-bundled", "--quick"])).compile is False
    assert cfg.device == "auto"
    assert cli_train.config_from_args(parser.parse_args(["train-bundled", "--device", "cpu"])).device == "cpu"


BUNDLED = bundled.BUNDLED_DIR


@pytest.mark.skipif(not (BUNDLED / "config.json").exists(), reason="no bundled model in adventure/models/bundled/")
def test_shipped_bundled_model():
    from transformers import AutoModelForCausalLM, AutoTokenizer

    assert bundled.folder_size(BUNDLED) <= 40 * 1024 * 1024
    model = AutoModelForCausalLM.from_pretrained(BUNDLED, local_files_only=True)
    tok = AutoTokenizer.from_pretrained(BUNDLED, local_files_only=True)
    assert model.config.model_type == "gpt2"
    assert model.config.n_positions == 512 == tok.model_max_length
    assert model.config.vocab_size == len(tok)
    for attr, value in SPECIALS.items():
        assert getattr(tok, attr) == value
    assert tok.bos_token_id == tok.eos_token_id == model.config.eos_token_id
    assert tok.pad_token_id == model.config.pad_token_id
    for text in [t for _, t in PASSAGES] + ROUNDTRIP_EXTRA + list(bundled.SAMPLE_PROMPTS):
        assert _roundtrip(tok, text) == text
    assert (BUNDLED / "TRAINING.md").exists()
    # it generates Korean text
    ids = torch.tensor([[tok.bos_token_id] + tok(bundled.SAMPLE_PROMPTS[0], add_special_tokens=False)["input_ids"]])
    with torch.no_grad():
        gen = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=10,
                             min_new_tokens=10, do_sample=False, pad_token_id=tok.pad_token_id)
    text = tok.decode(gen[0, ids.shape[1]:], skip_special_tokens=True)
    assert any("\uac00" <= ch <= "\ud7a3" for ch in text)
