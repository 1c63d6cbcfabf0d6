"""Tiny same-architecture checkpoints built on the fly (the hub is unreachable from our machines).

Both builders write a folder with ``config.json``, ``model.safetensors`` and a real ``tokenizers`` BPE
tokenizer saved through ``save_pretrained``, so tests load them through exactly the same code path
(``load_model(str(folder))``) as a downloaded KoGPT2 or KoGPT folder.

- ``build_tiny_gpt2``: GPT-2 shaped like KoGPT2 (``</s> <unk> <pad> <mask>``, ``</s>`` as BOS and EOS),
  Metaspace BPE with byte fallback, so syllables outside the tiny vocabulary become several byte tokens.
- ``build_tiny_gptj``: GPT-J shaped like KoGPT (rotary_dim, ``[BOS] [EOS] [UNK] [PAD] [MASK]``),
  byte-level BPE, so most Hangul syllables are split over several tokens.
"""

from __future__ import annotations

import json
import pathlib

import pytest
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import GPT2Config, GPT2LMHeadModel, GPTJConfig, GPTJForCausalLM, PreTrainedTokenizerFast

# A few sentences in the game's voice, written for these tests.
KOREAN_SENTENCES = [
    "나는 어두운 숲 속을 걷고 있다.",
    "바람이 나뭇잎을 흔들고, 멀리서 물소리가 들린다.",
    "나는 등불을 높이 들고 좁은 길을 따라간다.",
    '노인이 말했다. "이 길 끝에 오래된 탑이 있소."',
    "문이 삐걱거리며 열리자 차가운 공기가 밀려 나왔다.",
    "나는 배낭에서 지도를 꺼내 펼쳐 보았다.",
    "강가에 작은 배 한 척이 묶여 있었다.",
    "그녀는 웃으며 손을 흔들었다. 나도 손을 흔들었다.",
    "> 탑으로 간다",
    "계단은 끝없이 위로 이어져 있었다. 발소리가 벽에 울렸다.",
    "정말 괜찮아요? 조심해요! 여기는 위험해요.",
    "하늘이 붉게 물들고 있었다… 곧 밤이 올 것이다.",
    "> 문을 연다",
    "나는 숨을 고르고 칼자루를 움켜쥐었다.",
]

KOGPT2_SPECIAL_TOKENS = {"bos_token": "</s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
                         "mask_token": "<mask>"}
KOGPT_SPECIAL_TOKENS = {"bos_token": "[BOS]", "eos_token": "[EOS]", "unk_token": "[UNK]", "pad_token": "[PAD]",
                        "mask_token": "[MASK]"}


def _corpus(repeat: int = 3) -> list[str]:
    return KOREAN_SENTENCES * repeat


def _metaspace_bpe_with_byte_fallback(specials: list[str], vocab_size: int) -> Tokenizer:
    """Metaspace BPE (``▁`` marks a space, as in KoGPT2) whose unknown syllables fall back to byte tokens."""
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first")
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials, show_progress=False)
    tok.train_from_iterator(_corpus(), trainer=trainer)
    # byte_fallback needs <0xNN> pieces in the vocabulary as ordinary (decodable) tokens.
    data = json.loads(tok.to_str())
    vocab = data["model"]["vocab"]
    for byte in range(256):
        piece = f"<0x{byte:02X}>"
        if piece not in vocab:
            vocab[piece] = len(vocab)
    data["model"]["byte_fallback"] = True
    data["decoder"] = {
        "type": "Sequence",
        "decoders": [
            {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
            {"type": "ByteFallback"},
            {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0},
        ],
    }
    return Tokenizer.from_str(json.dumps(data))


def _byte_level_bpe(specials: list[str], vocab_size: int) -> Tokenizer:
    """GPT-2 style byte-level BPE (as in KoGPT): a small vocabulary splits Hangul syllables into bytes."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(_corpus(), trainer=trainer)
    return tok


def _save(model, tokenizer: PreTrainedTokenizerFast, out: pathlib.Path) -> pathlib.Path:
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def build_tiny_gpt2(dir, n_ctx: int = 128, *, n_layer: int = 2, n_embd: int = 32, n_head: int = 2,
                    vocab_size: int = 400, seed: int = 0) -> pathlib.Path:
    """A KoGPT2-shaped GPT-2 folder (special tokens ``</s> <unk> <pad> <mask>``), weights seeded."""
    out = pathlib.Path(dir)
    specials = ["<s>", "</s>", "<usr>", "<pad>", "<sys>", "<unk>", "<mask>"]  # KoGPT2's order
    backend = _metaspace_bpe_with_byte_fallback(specials, vocab_size)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, model_max_length=n_ctx, **KOGPT2_SPECIAL_TOKENS)
    config = GPT2Config(
        vocab_size=len(tokenizer), n_positions=n_ctx, n_embd=n_embd, n_layer=n_layer, n_head=n_head,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, initializer_range=0.2,
    )
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = GPT2LMHeadModel(config).eval()
    return _save(model, tokenizer, out)


def build_tiny_gptj(dir, n_ctx: int = 128, *, n_layer: int = 2, n_embd: int = 64, n_head: int = 4,
                    rotary_dim: int = 8, vocab_size: int = 500, seed: int = 0) -> pathlib.Path:
    """A KoGPT-shaped GPT-J folder (rotary_dim, tokens ``[BOS] [EOS] [UNK] [PAD] [MASK]``), weights seeded."""
    out = pathlib.Path(dir)
    specials = ["[PAD]", "[BOS]", "[EOS]", "[UNK]", "[MASK]"]
    backend = _byte_level_bpe(specials, vocab_size)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, model_max_length=n_ctx, **KOGPT_SPECIAL_TOKENS)
    config = GPTJConfig(
        vocab_size=len(tokenizer), n_positions=n_ctx, n_embd=n_embd, n_layer=n_layer, n_head=n_head,
        rotary_dim=rotary_dim, bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, initializer_range=0.2, tie_word_embeddings=False,
    )
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = GPTJForCausalLM(config).eval()
    return _save(model, tokenizer, out)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny models gain nothing from threads, and on a busy machine thread hand-offs dominate.
    Import it into a test module (``from tiny_models import one_thread``) to use it there."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
