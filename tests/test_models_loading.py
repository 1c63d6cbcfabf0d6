"""Model presets and loading: tiny same-architecture folders through the real code path, clear failures."""

from __future__ import annotations

import json
import shutil
import time
import warnings

import pytest
import torch

from adventure.models import PRESETS, ModelLoadError, ModelLoadWarning, load_model, model_availability
from adventure.models import loader as loader_mod
from tiny_models import KOGPT2_SPECIAL_TOKENS, KOGPT_SPECIAL_TOKENS, build_tiny_gpt2, build_tiny_gptj


@pytest.fixture(scope="session")
def tiny_gpt2(tmp_path_factory):
    return build_tiny_gpt2(tmp_path_factory.mktemp("models") / "gpt2", n_ctx=96)


@pytest.fixture(scope="session")
def tiny_gptj(tmp_path_factory):
    return build_tiny_gptj(tmp_path_factory.mktemp("models") / "gptj", n_ctx=80)


def _one_sentence(msg: str) -> None:
    assert "\n" not in msg and "Traceback" not in msg
    assert len(msg) < 400


# ---------------------------------------------------------------------------------------------- presets

def test_presets_match_design():
    kogpt2 = PRESETS["kogpt2"]
    assert (kogpt2.repo_id, kogpt2.architecture, kogpt2.n_ctx, kogpt2.vocab_size) == (
        "skt/kogpt2-base-v2", "gpt2", 1024, 51200)
    assert kogpt2.special_tokens == KOGPT2_SPECIAL_TOKENS and kogpt2.needs_gpu_gb is None
    kogpt = PRESETS["kogpt"]
    assert (kogpt.repo_id, kogpt.revision, kogpt.architecture, kogpt.n_ctx, kogpt.default_dtype) == (
        "kakaobrain/kogpt", "KoGPT6B-ryan1.5b-float16", "gptj", 2048, "float16")
    assert kogpt.special_tokens == KOGPT_SPECIAL_TOKENS and kogpt.needs_gpu_gb == 16.0
    ksjae = [p for name, p in PRESETS.items() if name.startswith("ksjae-kogpt2-")]
    assert ksjae and all(p.n_ctx is None and p.architecture == "gpt2" for p in ksjae)
    assert all(p.special_tokens["eos_token"] == "<|endoftext|>" for p in ksjae)
    assert PRESETS["bundled"].repo_id is None and PRESETS["bundled"].n_ctx is None


# ---------------------------------------------------------------------------------------------- tiny folders

def test_load_tiny_gpt2_tokens_and_context(tiny_gpt2):
    lm = load_model(str(tiny_gpt2))
    tok = lm.tokenizer
    assert (tok.bos_token, tok.eos_token, tok.unk_token, tok.pad_token, tok.mask_token) == (
        "</s>", "</s>", "<unk>", "<pad>", "<mask>")
    assert lm.eos_token_ids == [tok.convert_tokens_to_ids("</s>")]
    assert lm.n_ctx == 96  # from config.json's n_positions
    assert lm.dtype == torch.float32 and lm.device.type == "cpu" and lm.preset is None
    assert not lm.model.training and not any(p.requires_grad for p in lm.model.parameters())


def test_load_tiny_gptj_tokens_and_context(tiny_gptj):
    lm = load_model(str(tiny_gptj))
    tok = lm.tokenizer
    assert (tok.bos_token, tok.eos_token, tok.unk_token, tok.pad_token, tok.mask_token) == (
        "[BOS]", "[EOS]", "[UNK]", "[PAD]", "[MASK]")
    assert lm.eos_token_ids == [tok.convert_tokens_to_ids("[EOS]")]
    assert lm.n_ctx == 80 and lm.model.config.model_type == "gptj" and lm.model.config.rotary_dim == 8


@pytest.mark.parametrize("dtype, expected", [("float32", torch.float32), ("bfloat16", torch.bfloat16),
                                             ("auto", torch.float32)])
def test_dtypes_on_cpu(tiny_gpt2, dtype, expected):
    lm = load_model(str(tiny_gpt2), device="cpu", dtype=dtype)
    assert lm.dtype == expected and lm.model.dtype == expected


def test_float16_on_cpu_falls_back_with_warning(tiny_gptj):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lm = load_model(str(tiny_gptj), device="cpu", dtype="float16")
    assert lm.model.dtype == torch.float32
    assert any(issubclass(w.category, ModelLoadWarning) and "float32" in str(w.message) for w in caught)
    assert lm.notes


def test_bad_dtype_and_device(tiny_gpt2):
    with pytest.raises(ModelLoadError, match="dtype"):
        load_model(str(tiny_gpt2), dtype="int8")
    if not torch.cuda.is_available():
        with pytest.raises(ModelLoadError, match="CUDA") as err:
            load_model(str(tiny_gpt2), device="cuda")
        _one_sentence(str(err.value))


def test_config_eos_that_is_an_ordinary_token_is_ignored(tiny_gpt2, tmp_path):
    folder = tmp_path / "odd"
    shutil.copytree(tiny_gpt2, folder)
    cfg = json.loads((folder / "config.json").read_text())
    cfg["eos_token_id"] = 50  # an ordinary token, like GPT2Config's default 50256 inside KoGPT2's vocabulary
    (folder / "config.json").write_text(json.dumps(cfg))
    lm = load_model(str(folder))
    assert lm.eos_token_ids == [lm.tokenizer.eos_token_id] and 50 not in lm.eos_token_ids


def test_raw_kogpt2_folder_gets_preset_tokens(tiny_gpt2, tmp_path):
    """A copy of KoGPT2 whose tokenizer config names no special tokens is matched to the preset's tokens."""
    folder = tmp_path / "raw"
    shutil.copytree(tiny_gpt2, folder)
    tc = json.loads((folder / "tokenizer_config.json").read_text())
    for key in ("bos_token", "eos_token", "unk_token", "pad_token", "mask_token"):
        tc.pop(key, None)
    (folder / "tokenizer_config.json").write_text(json.dumps(tc))
    lm = load_model(str(folder))
    assert lm.tokenizer.eos_token == "</s>" and lm.eos_token_ids == [lm.tokenizer.convert_tokens_to_ids("</s>")]


def test_availability(tiny_gpt2, tmp_path, monkeypatch):
    assert model_availability(str(tiny_gpt2)) == "local folder"
    assert model_availability("kogpt2") == "not downloaded"
    monkeypatch.setattr(loader_mod, "bundled_model_dir", lambda: tmp_path / "empty")
    assert model_availability("bundled") == "missing"


# ---------------------------------------------------------------------------------------------- failures

def test_bundled_missing_is_one_sentence(tmp_path, monkeypatch):
    (tmp_path / "bundled").mkdir()
    monkeypatch.setattr(loader_mod, "bundled_model_dir", lambda: tmp_path / "bundled")
    with pytest.raises(ModelLoadError, match="bundled model is missing") as err:
        load_model()
    _one_sentence(str(err.value))


def test_bundled_present_loads_offline(tiny_gpt2, monkeypatch):
    monkeypatch.setattr(loader_mod, "bundled_model_dir", lambda: tiny_gpt2)
    lm = load_model("bundled")
    assert lm.name == "bundled" and lm.preset is PRESETS["bundled"] and lm.n_ctx == 96


def test_folder_errors(tmp_path):
    with pytest.raises(ModelLoadError, match="config.json"):
        load_model(str(tmp_path))
    with pytest.raises(ModelLoadError, match="does not exist"):
        load_model(str(tmp_path / "nope"))
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ModelLoadError) as err:
        load_model(str(tmp_path))
    _one_sentence(str(err.value))


@pytest.mark.parametrize("spec", ["skt/kogpt2-base-v2", "kogpt2", "ksjae-kogpt2-base"])
def test_offline_not_cached_fails_fast(spec, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    t0 = time.perf_counter()
    with pytest.raises(ModelLoadError) as err:
        load_model(spec)
    assert time.perf_counter() - t0 < 2.0
    msg = str(err.value)
    _one_sentence(msg)
    repo = PRESETS[spec].repo_id if spec in PRESETS else spec
    assert repo in msg and "download" in msg and "--model" in msg


def test_unreachable_hub_fails_fast(monkeypatch, tmp_path):
    """Not in offline mode, but the hub does not answer: a quick probe, no half-minute of retries."""
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    for var in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:9")  # discard port: connection refused
    t0 = time.perf_counter()
    with pytest.raises(ModelLoadError, match="cannot be reached") as err:
        load_model("skt/kogpt2-base-v2")
    assert time.perf_counter() - t0 < 5.0
    _one_sentence(str(err.value))


def test_cached_hub_model_loads_offline(tiny_gpt2, tmp_path, monkeypatch):
    """A model in the Hugging Face cache loads by hub id without the network (the cache layout is faked)."""
    from huggingface_hub import constants

    repo = tmp_path / "hub" / "models--someone--tiny-ko"
    commit = "0123456789abcdef0123456789abcdef01234567"
    shutil.copytree(tiny_gpt2, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert model_availability("someone/tiny-ko") == "cached"
    lm = load_model("someone/tiny-ko")
    assert lm.n_ctx == 96 and lm.eos_token_ids == [lm.tokenizer.eos_token_id]


def test_kogpt_refused_on_cpu_without_touching_the_hub(monkeypatch):
    monkeypatch.setattr(loader_mod, "_hub_reachable", lambda *a, **k: pytest.fail("probed the hub"))
    t0 = time.perf_counter()
    with pytest.raises(ModelLoadError) as err:
        load_model("kogpt", device="cpu")
    msg = str(err.value)
    _one_sentence(msg)
    assert "CUDA GPU" in msg and "16 GB" in msg and "--allow-large-on-cpu" in msg
    assert time.perf_counter() - t0 < 1.0


def test_kogpt_allowed_on_cpu_goes_on_to_loading(monkeypatch):
    """With allow_large_on_cpu the refusal is skipped (here it then fails on the missing download)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError, match="not downloaded"):
        load_model("kogpt", device="cpu", allow_large_on_cpu=True)


def test_device_map_needs_accelerate(tiny_gpt2, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "accelerate" else real(name, *a))
    with pytest.raises(ModelLoadError, match="accelerate") as err:
        load_model(str(tiny_gpt2), device_map="auto")
    _one_sentence(str(err.value))
