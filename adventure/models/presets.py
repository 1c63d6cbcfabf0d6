"""Known models, with the facts (context size, special tokens, dtype) that must never be guessed."""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field
from typing import Any

KOGPT2_SPECIAL_TOKENS = {"bos_token": "</s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
                         "mask_token": "<mask>"}
KOGPT_SPECIAL_TOKENS = {"bos_token": "[BOS]", "eos_token": "[EOS]", "unk_token": "[UNK]", "pad_token": "[PAD]",
                        "mask_token": "[MASK]"}
ENDOFTEXT_SPECIAL_TOKENS = {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>",
                            "unk_token": "<|endoftext|>"}

# Sampling that reads well for narration from a small GPT-2 in Korean (a starting point; packs override it).
NARRATION_SAMPLING: dict[str, Any] = {"temperature": 0.8, "top_k": 50, "top_p": 0.95, "repetition_penalty": 1.15,
                                      "repetition_range": 256, "no_repeat_ngram_size": 3}


@dataclass(frozen=True)
class ModelPreset:
    """A named model. ``n_ctx``/``vocab_size`` of ``None`` mean "read from the checkpoint's config"."""

    name: str
    repo_id: str | None                 # hub id; None for the bundled model (a folder inside the package)
    revision: str | None
    architecture: str                   # "gpt2" | "gptj"
    n_ctx: int | None
    vocab_size: int | None
    params: str                         # human-readable size, e.g. "125M"
    special_tokens: dict[str, str] = field(default_factory=dict)  # passed to the tokenizer as kwargs
    default_dtype: str = "float32"
    needs_gpu_gb: float | None = None   # set for models that are unplayable on a CPU
    default_sampling: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    # Tokenizer class to force ("PreTrainedTokenizerFast" for KoGPT2, whose tokenizer.json is not byte-level
    # and must not be rebuilt as a GPT2Tokenizer); None lets AutoTokenizer decide.
    tokenizer_class: str | None = None

    @property
    def n_ctx_label(self) -> str:
        return str(self.n_ctx) if self.n_ctx is not None else "from config"


def bundled_model_dir() -> pathlib.Path:
    """The small Korean model shipped inside the package (may be empty in a development checkout)."""
    return pathlib.Path(__file__).resolve().parent / "bundled"


_KSJAE_NOTE = ("ksjae's KoGPT2 (plain GPT-2 checkpoint, <|endoftext|> tokens; n_ctx is read from the config "
               "because the family ships 384, 1024 and 2048 variants)")

PRESETS: dict[str, ModelPreset] = {
    "bundled": ModelPreset(
        name="bundled", repo_id=None, revision=None, architecture="gpt2", n_ctx=None, vocab_size=None,
        params="10.1M", special_tokens={}, default_dtype="float32", needs_gpu_gb=None,
        # The bundled model ends a passage with </s> or a blank line (how it was trained): stop at either.
        # A cooler temperature and a tighter nucleus than the big models': the small model breaks sentences
        # when it samples from its tail. top_p 0.8 raised the share of corpus-attested word pairs from 0.71 to
        # 0.81 at temperature 0.65 with no more copying (8 seeds x 5 lantern prompts; see bench_quality.py).
        # No n-gram ban: with this tokenizer 3 tokens are about one word or less ("었다. 나는"), which a narration
        # of five sentences may well need twice. (When the ban covered the whole prompt it was worse: once the
        # story held a line starting "나는", no narration could open with "나는"; the ban now covers only the
        # narration being written, see loop._NarrationNoRepeatNGram.) The repetition penalty and the sentence
        # candidates' ranking keep repeats down.
        # 16 sentence candidates: with candidates ranked by their summed log-probability, blind judges rated
        # 52.7% of sentences good and 7.8% broken with 4 candidates (941 sentences), 58.4% / 5.7% with 8 (1,424)
        # and 61.3% / 4.0% with 16 (2,376). 16 cost about 1 s per narration on 2 CPU cores (4 s when a mood is
        # steered, since steered candidates decode one at a time); the first sentence shows after 0.25 s.
        default_sampling={**NARRATION_SAMPLING, "temperature": 0.65, "top_p": 0.8,
                          "sentence_candidates": 16, "no_repeat_ngram_size": 0, "stop_strings": ["\n>", "\n\n"]},
        description="Small Korean narrator trained on the project's own corpus; works offline (default).",
    ),
    "kogpt2": ModelPreset(
        name="kogpt2", repo_id="skt/kogpt2-base-v2", revision=None, architecture="gpt2", n_ctx=1024,
        vocab_size=51200, params="125M", special_tokens=dict(KOGPT2_SPECIAL_TOKENS), default_dtype="float32",
        needs_gpu_gb=None, default_sampling=dict(NARRATION_SAMPLING),
        description="SKT KoGPT2 base v2 (GPT-2, 125M); runs on a CPU.",
        tokenizer_class="PreTrainedTokenizerFast",
    ),
    "kogpt": ModelPreset(
        name="kogpt", repo_id="kakaobrain/kogpt", revision="KoGPT6B-ryan1.5b-float16", architecture="gptj",
        n_ctx=2048, vocab_size=64512, params="6B", special_tokens=dict(KOGPT_SPECIAL_TOKENS),
        default_dtype="float16", needs_gpu_gb=16.0,
        default_sampling={"temperature": 0.8, "top_k": 0, "top_p": 0.95, "repetition_penalty": 1.1,
                          "repetition_range": 512, "no_repeat_ngram_size": 0},
        description="Kakao Brain KoGPT 6B (GPT-J, RoPE, fp16); needs a CUDA GPU with ~16 GB.",
    ),
    # Hub ids below are from memory of ksjae's model cards (not verifiable offline); n_ctx comes from config.
    "ksjae-kogpt2-base": ModelPreset(
        name="ksjae-kogpt2-base", repo_id="ksjae/kogpt2-base", revision=None, architecture="gpt2", n_ctx=None,
        vocab_size=None, params="117M", special_tokens=dict(ENDOFTEXT_SPECIAL_TOKENS),
        default_sampling=dict(NARRATION_SAMPLING), description=_KSJAE_NOTE + ", base.",
    ),
    "ksjae-kogpt2-medium": ModelPreset(
        name="ksjae-kogpt2-medium", repo_id="ksjae/kogpt2-medium", revision=None, architecture="gpt2",
        n_ctx=None, vocab_size=None, params="345M", special_tokens=dict(ENDOFTEXT_SPECIAL_TOKENS),
        default_sampling=dict(NARRATION_SAMPLING), description=_KSJAE_NOTE + ", medium.",
    ),
    "ksjae-kogpt2-large": ModelPreset(
        name="ksjae-kogpt2-large", repo_id="ksjae/KoGPT2-large", revision=None, architecture="gpt2",
        n_ctx=None, vocab_size=None, params="774M", special_tokens=dict(ENDOFTEXT_SPECIAL_TOKENS),
        default_sampling=dict(NARRATION_SAMPLING), description=_KSJAE_NOTE + ", large.",
    ),
}


def get_preset(name: str) -> ModelPreset | None:
    """Preset by name (case-insensitive) or by its hub id, so ``skt/kogpt2-base-v2`` gets KoGPT2's tokens."""
    key = name.strip().lower()
    if key in PRESETS:
        return PRESETS[key]
    for preset in PRESETS.values():
        if preset.repo_id is not None and preset.repo_id.lower() == key:
            return preset
    return None
