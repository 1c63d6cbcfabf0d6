"""Build the small Korean GPT-2 that ships inside the package (``adventure/models/bundled/``).

The pipeline, one function per stage, all seeded so that the same command on the same corpus gives
the same model:

1. :func:`load_corpus` reads ``train.jsonl`` / ``heldout.jsonl`` (records ``{"id", "label", "text"}``).
2. :func:`train_tokenizer` trains a BPE tokenizer with the ``tokenizers`` library (see below).
3. :func:`encode_passages` + :class:`BlockSampler` pack passages into full ``n_positions``-token blocks.
4. :func:`train_model` trains a ``GPT2LMHeadModel`` with AdamW, warmup + cosine decay, gradient clipping
   and accumulation, under a wall-clock budget that ends training gracefully.
5. :func:`evaluate` measures held-out loss / perplexity; :func:`sample` writes continuations;
   :func:`measure_decode_speed` times cached greedy decoding.
6. :func:`save_bundle` writes a standard Hugging Face folder atomically (temp dir, then rename).

:func:`run_pipeline` runs them all; ``adventure train-bundled`` and ``scripts/train_bundled.py`` call it.

Tokenizer choice
----------------
KoGPT2 (``skt/kogpt2-base-v2``) uses a SentencePiece-style BPE over *characters* with a ``▁``
word-boundary marker. We follow it, at a size that suits a ~1 MB corpus and a tiny model:

* **Character-level BPE** (not GPT-2's byte-level BPE): a Hangul syllable is one symbol rather than three
  UTF-8 bytes, so the merges are spent on syllables and common endings (``▁있다``, ``었다``) and every
  token decodes to readable text on its own, which suits streaming narration token by token.
* **byte_fallback** with the 256 ``<0xXX>`` tokens in the vocabulary: a character the corpus never had
  (a rare syllable, Hanja, an emoji, a tab) is spelt as its UTF-8 bytes instead of collapsing to ``<unk>``,
  so no input is lost and decoding round-trips any text exactly.
* **Pre-tokenizer**: first ``Split(r"\\n+| ?[^\\w\\s]+", isolated)`` so that runs of newlines and runs of
  punctuation (``.``, ``?"``, ``…``, the ``>`` of an action line) are pieces of their own, then
  ``Metaspace(prepend_scheme="never")`` which turns spaces into ``▁`` attached to the next word. Isolating
  newlines keeps them from being eaten or glued into words; isolating punctuation keeps ``했다.`` and
  ``했다."`` from becoming separate vocabulary entries, which matters with little data.
  ``prepend_scheme="never"`` (no ``▁`` added in front of the text) means the decoder never has to strip a
  leading space: decoding is plain concatenation, so decoding the new tokens of a continuation on their own
  keeps the space before the first word, and text that starts with a space still round-trips.
* **Decoder**: ``Replace("▁", " ")`` + ``ByteFallback`` + ``Fuse``, the same as Llama's.
* **Special tokens** in KoGPT2's style: ``</s>`` (bos and eos, id 0), ``<unk>`` (1), ``<pad>`` (2),
  ``<mask>`` (3); then the 256 byte tokens (4-259, ordinary tokens, so ``skip_special_tokens`` keeps them).
* Vocabulary ~8k: with ~1 MB of Korean (≈400k characters, ~1,300 distinct syllables) this leaves ~6,000
  merges for words and endings, and keeps the embedding table small (8k x 256 floats = 8 MB).

The one thing that does not round-trip is a literal ``▁`` (U+2581) in the input, which decodes as a
space, exactly as in KoGPT2.

Training stream
---------------
Passages are cut into *story runs* and shuffled (seeded, every epoch): a run is 1 to ``story_runs`` (4)
consecutive passages of one hand-written file (its ``source`` in the corpus), which tell one story or keep
one setting, joined by the blank line ``"\\n\\n"`` exactly as the game joins the turns of a story; runs are
joined by ``</s>``. So a blank line means "the same story goes on", and the model learns to keep the place,
the people and the register of what came before it, as the game's prompt needs. (With ``story_runs`` 1,
the older stream: single passages each preceded by ``</s>`` or, with probability ``blank_line_join``, by a
blank line.) The stream is cut into blocks of
``n_positions + 1`` tokens (inputs ``[:-1]``, targets ``[1:]``), so every position of the context is
trained. The model therefore ends a passage with either ``</s>`` or a blank line, and has seen contexts
made of several passages separated by blank lines, as the engine sends them; ``generation_config.json``
lists both as stop tokens.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import os
import platform
import random
import shutil
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from ..generation.lexicon import LEXICON_FILE, Lexicon

BOS_TOKEN = "</s>"
EOS_TOKEN = "</s>"
UNK_TOKEN = "<unk>"
PAD_TOKEN = "<pad>"
MASK_TOKEN = "<mask>"
SPECIAL_TOKENS: tuple[str, ...] = (EOS_TOKEN, UNK_TOKEN, PAD_TOKEN, MASK_TOKEN)  # ids 0..3
SPECIAL_TOKENS_MAP = {
    "bos_token": BOS_TOKEN,
    "eos_token": EOS_TOKEN,
    "unk_token": UNK_TOKEN,
    "pad_token": PAD_TOKEN,
    "mask_token": MASK_TOKEN,
}
BYTE_TOKENS: tuple[str, ...] = tuple(f"<0x{i:02X}>" for i in range(256))  # ids 4..259
WORD_MARK = "▁"
PRETOKENIZE_PATTERN = r"\n+| ?[^\w\s]+"
PASSAGE_SEPARATOR = "\n\n"
LABELS: tuple[str, ...] = ("neutral", "horror", "battle", "romance", "mystery")

# Characters always in the base alphabet, whether or not the corpus uses them: printable ASCII, the
# word mark, newline and the typographic punctuation Korean prose uses.
BASE_ALPHABET: tuple[str, ...] = tuple(chr(c) for c in range(0x21, 0x7F)) + (
    WORD_MARK,
    "\n",
    "…",
    "—",
    "–",
    "·",
    "“",
    "”",
    "‘",
    "’",
    "「",
    "」",
    "『",
    "』",
    "~",
)

# The bundled pack's (stories/lantern) narration prompts, as the game renders them, then two free actions in
# the game's format: the samples in TRAINING.md are what a player of the default pack would read.
SAMPLE_PROMPTS: tuple[str, ...] = (
    "나는 숲 어귀에 멈춰 서서 숨을 골랐다.",
    "나는 덫에 걸린 은빛 여우를 내려다보았다.",
    "갈림길에서 나는 어느 쪽으로 갈지 망설였다.",
    "나는 늪 한가운데에서 길을 찾으려 애썼다.",
    "나는 사당의 돌 화로 앞에 무릎을 꿇었다.",
    "> 횃불을 들고 동굴 안으로 들어간다.\n",
    "> 낡은 일기장을 펼쳐 본다.\n",
)

BUNDLED_DIR = Path(__file__).resolve().parent.parent / "models" / "bundled"
MAX_BUNDLE_BYTES = 40 * 1024 * 1024


# --------------------------------------------------------------------------------------------------
# Configuration and results
# --------------------------------------------------------------------------------------------------


@dataclass
class TrainConfig:
    """Everything that decides the model. Defaults are the shipped model's shape and optimisation (its
    TRAINING.md has the exact command, with the step count and precision)."""

    corpus: Path = Path("corpus")
    out: Path = BUNDLED_DIR
    seed: int = 1234
    # tokenizer
    vocab_size: int = 8000
    min_frequency: int = 2
    # model (GPT-2)
    n_layer: int = 6
    n_head: int = 5
    n_embd: int = 320
    n_positions: int = 512
    dropout: float = 0.1
    # Dropout on the attention probabilities; None = same as ``dropout``. On the CPU it is the costliest
    # dropout (one mask per head per position pair, and it keeps attention off the fused kernel): 0 makes a
    # step of the bundled shape ~2.2x faster (benchmarks/bench_train_step.py).
    attn_dropout: float | None = 0.0
    # optimisation
    micro_batch: int = 4  # blocks per forward pass
    grad_accum: int = 1  # forward passes per optimizer step
    lr: float = 2e-3
    min_lr: float = 1e-4
    warmup_steps: int = 100
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.95
    grad_clip: float = 1.0
    steps: int | None = None  # None: as many as fit in the budget (measured after a few steps)
    minutes: float = 40.0  # wall-clock budget for the whole run (tokenizer to saved folder)
    blank_line_join: float = 0.5  # (only with story_runs 1)
    story_runs: int = 4  # longest run of consecutive passages of one source file in the stream; 1 = off
    # bookkeeping
    eval_every: int = 500
    log_every: int = 10
    keep_best: bool = True
    threads: int = 2
    # "bf16": forward passes under CPU autocast to bfloat16 (weights, gradients and the optimizer stay float32).
    # On CPUs with AMX/AVX512-BF16 a step is ~1.4-1.8x faster; evaluation always runs in float32.
    precision: str = "fp32"
    # torch.compile the training step (Inductor fuses the many small element-wise kernels of a small model:
    # ~1.1x on top of attention dropout 0 on 2 CPU threads). Needs a C++ compiler; without one, training goes
    # on uncompiled.
    compile: bool = False
    # "auto": the GPU when torch sees one (CUDA), else the CPU. Samples and the decode-speed figures are always
    # taken on the CPU, where the game runs the model.
    device: str = "auto"
    sample_tokens: int = 80
    speed_tokens: int = 128  # new tokens per decode-speed run
    dtype: str = "auto"  # "auto": fp32 when the folder fits in MAX_BUNDLE_BYTES, else fp16
    command: str = ""  # the command line, recorded in TRAINING.md

    @property
    def tokens_per_step(self) -> int:
        return self.micro_batch * self.grad_accum * self.n_positions

    @classmethod
    def quick(cls, **overrides) -> "TrainConfig":
        """A tiny configuration for smoke runs and tests (seconds, not minutes)."""
        base = dict(
            vocab_size=600,
            min_frequency=1,
            n_layer=2,
            n_head=2,
            n_embd=64,
            n_positions=128,
            dropout=0.0,
            micro_batch=4,
            lr=3e-3,
            min_lr=3e-4,
            warmup_steps=5,
            steps=40,
            minutes=5.0,
            eval_every=20,
            log_every=5,
            sample_tokens=30,
            speed_tokens=16,
        )
        base.update(overrides)
        return cls(**base)


@dataclass
class CorpusStats:
    train_passages: int
    heldout_passages: int
    train_bytes: int
    heldout_bytes: int
    train_chars: int
    heldout_chars: int
    labels: dict[str, int]
    train_tokens: int = 0
    heldout_tokens: int = 0


@dataclass
class TrainResult:
    config: TrainConfig
    corpus: CorpusStats
    steps_done: int = 0
    steps_planned: int = 0
    stopped_by_budget: bool = False
    compiled: bool = False  # the training step ran under torch.compile
    train_seconds: float = 0.0
    total_seconds: float = 0.0
    tokens_seen: int = 0
    epochs: float = 0.0
    first_losses: list[float] = field(default_factory=list)
    last_losses: list[float] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)  # periodic held-out evaluations
    initial_heldout_loss: float = float("nan")
    heldout_loss: float = float("nan")
    heldout_ppl: float = float("nan")
    heldout_nats_per_char: float = float("nan")
    best_step: int = 0
    n_params: int = 0
    vocab_size: int = 0
    decode_tokens_per_s: float = 0.0  # at config.threads
    decode_by_threads: dict[int, float] = field(default_factory=dict)
    samples: list[tuple[str, str]] = field(default_factory=list)
    roundtrip_checked: int = 0
    folder_bytes: int = 0
    dtype: str = "float32"
    out: Path | None = None
    device: str = "cpu"  # where training ran: "cpu" or the GPU's name


def _log(msg: str, stream=None) -> None:
    print(msg, file=stream or sys.stdout, flush=True)


# --------------------------------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict]:
    records = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            rec = json.loads(line)
            if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
                raise ValueError(f"{path}:{lineno}: expected an object with a string 'text'")
            records.append(rec)
    return records


def load_corpus(corpus_dir: Path) -> tuple[list[dict], list[dict]]:
    """Return (train, heldout) records from ``corpus_dir/train.jsonl`` and ``heldout.jsonl``."""
    corpus_dir = Path(corpus_dir)
    train = read_jsonl(corpus_dir / "train.jsonl")
    heldout = read_jsonl(corpus_dir / "heldout.jsonl")
    if not train:
        raise ValueError(f"{corpus_dir}/train.jsonl has no passages")
    if not heldout:
        raise ValueError(f"{corpus_dir}/heldout.jsonl has no passages")
    return train, heldout


def corpus_stats(train: list[dict], heldout: list[dict]) -> CorpusStats:
    labels: dict[str, int] = {}
    for rec in train:
        lab = str(rec.get("label", "?"))
        labels[lab] = labels.get(lab, 0) + 1
    return CorpusStats(
        train_passages=len(train),
        heldout_passages=len(heldout),
        train_bytes=sum(len(r["text"].encode("utf-8")) for r in train),
        heldout_bytes=sum(len(r["text"].encode("utf-8")) for r in heldout),
        train_chars=sum(len(r["text"]) for r in train),
        heldout_chars=sum(len(r["text"]) for r in heldout),
        labels=dict(sorted(labels.items())),
    )


# --------------------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------------------


def _configure_pipeline(tok) -> None:
    from tokenizers import Regex, decoders, pre_tokenizers

    tok.normalizer = None  # no NFKC/NFC: the text must come back byte for byte
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PRETOKENIZE_PATTERN), behavior="isolated"),
            pre_tokenizers.Metaspace(replacement=WORD_MARK, prepend_scheme="never", split=True),
        ]
    )
    tok.decoder = decoders.Sequence(
        [decoders.Replace(WORD_MARK, " "), decoders.ByteFallback(), decoders.Fuse()]
    )
    tok.post_processor = None  # no automatic bos/eos: the caller decides


def train_tokenizer(texts: Iterable[str], vocab_size: int = 8000, min_frequency: int = 2):
    """Train the character-level BPE tokenizer (see the module docstring) and return a
    ``tokenizers.Tokenizer`` with ids ``</s>``=0, ``<unk>``=1, ``<pad>``=2, ``<mask>``=3, bytes 4-259."""
    from tokenizers import Tokenizer, models, trainers

    tok = Tokenizer(models.BPE(unk_token=UNK_TOKEN, byte_fallback=True))
    _configure_pipeline(tok)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        # The byte tokens are listed here only so that they get fixed ids 4..259; the tokenizer is
        # rebuilt below with only the four real special tokens marked special.
        special_tokens=list(SPECIAL_TOKENS) + list(BYTE_TOKENS),
        initial_alphabet=list(BASE_ALPHABET),
        show_progress=False,
    )
    tok.train_from_iterator(list(texts), trainer=trainer)

    model = json.loads(tok.to_str())["model"]
    vocab: dict[str, int] = model["vocab"]
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in model["merges"]]
    for i, t in enumerate(SPECIAL_TOKENS + BYTE_TOKENS):
        assert vocab[t] == i, (t, vocab.get(t), i)
    # The blank line between passages is always one token (the training stream uses it as a separator
    # and generation_config.json lists it as a stop token), even when the corpus text never has one.
    if PASSAGE_SEPARATOR not in vocab:
        vocab[PASSAGE_SEPARATOR] = len(vocab)
        merges.append(("\n", "\n"))
    rebuilt = Tokenizer(
        models.BPE(vocab=vocab, merges=merges, unk_token=UNK_TOKEN, byte_fallback=True)
    )
    _configure_pipeline(rebuilt)
    rebuilt.add_special_tokens(list(SPECIAL_TOKENS))
    return rebuilt


def wrap_tokenizer(tok, model_max_length: int):
    """The ``transformers`` fast tokenizer around a trained ``tokenizers.Tokenizer``."""
    from transformers import PreTrainedTokenizerFast

    hf = PreTrainedTokenizerFast(
        tokenizer_object=tok, model_max_length=model_max_length, **SPECIAL_TOKENS_MAP
    )
    hf.padding_side = "left"  # batched generation pads on the left
    return hf


def check_roundtrip(hf_tokenizer, texts: Iterable[str]) -> int:
    """Encode then decode every text; raise ``AssertionError`` on the first mismatch.
    Returns the number of texts checked."""
    n = 0
    for text in texts:
        ids = hf_tokenizer(text, add_special_tokens=False)["input_ids"]
        back = hf_tokenizer.decode(ids, clean_up_tokenization_spaces=False)
        if back != text:
            raise AssertionError(f"tokenizer round-trip failed:\n  in : {text!r}\n  out: {back!r}")
        n += 1
    return n


# --------------------------------------------------------------------------------------------------
# Data packing
# --------------------------------------------------------------------------------------------------


def encode_passages(hf_tokenizer, texts: Sequence[str]) -> list[list[int]]:
    # the backend directly: passages may be longer than model_max_length, which is fine before packing
    enc = hf_tokenizer.backend_tokenizer.encode_batch(list(texts), add_special_tokens=False)
    return [list(e.ids) for e in enc]


def pack_stream(
    encoded: Sequence[Sequence[int]],
    bos_id: int,
    blank_ids: Sequence[int],
    rng: random.Random | None,
    blank_line_join: float = 0.0,
    sources: Sequence[str | None] | None = None,
    story_runs: int = 1,
) -> list[int]:
    """Concatenate passages into one token stream that ends with ``</s>``.

    With ``sources`` and ``story_runs`` > 1 (and ``rng``): story runs (see :func:`story_runs`), shuffled,
    each preceded by ``</s>``, their passages joined by the blank-line tokens. Otherwise each passage is
    preceded by ``</s>``, or (with probability ``blank_line_join``, never for the first) by the blank-line
    tokens; with ``rng`` the order is shuffled, otherwise kept."""
    stream: list[int] = []
    if rng is not None and sources is not None and story_runs > 1:
        runs = make_story_runs(sources, story_runs, rng)
        rng.shuffle(runs)
        for run in runs:
            stream.append(bos_id)
            for j, i in enumerate(run):
                if j:
                    stream.extend(blank_ids)
                stream.extend(encoded[i])
        stream.append(bos_id)
        return stream
    order = list(range(len(encoded)))
    if rng is not None:
        rng.shuffle(order)
    for k, i in enumerate(order):
        if k > 0 and rng is not None and blank_line_join > 0 and rng.random() < blank_line_join:
            stream.extend(blank_ids)
        else:
            stream.append(bos_id)
        stream.extend(encoded[i])
    stream.append(bos_id)
    return stream


def make_story_runs(sources: Sequence[str | None], longest: int, rng: random.Random) -> list[list[int]]:
    """Indices of consecutive passages of the same source (in corpus order), cut into runs of 1 to
    ``longest`` (random lengths, so every epoch pairs different neighbours). A passage without a source (the
    grammar-expanded ones, which are unrelated to each other) is a run of its own."""
    runs: list[list[int]] = []
    by_source: dict[str, list[int]] = {}
    for i, src in enumerate(sources):
        if src:
            by_source.setdefault(src, []).append(i)
        else:
            runs.append([i])
    for indices in by_source.values():
        k = 0
        while k < len(indices):
            n = rng.randint(1, longest)
            runs.append(indices[k:k + n])
            k += n
    return runs


def cut_blocks(stream: Sequence[int], n_positions: int, keep_partial: bool = False) -> list[list[int]]:
    """Blocks of ``n_positions + 1`` tokens with stride ``n_positions`` (inputs ``[:-1]``, targets
    ``[1:]``), so every token of the stream is a target exactly once (except the first)."""
    blocks = []
    for start in range(0, max(len(stream) - 1, 0), n_positions):
        block = list(stream[start : start + n_positions + 1])
        if len(block) == n_positions + 1 or (keep_partial and len(block) >= 2):
            blocks.append(block)
    return blocks


class BlockSampler:
    """Endless micro-batches of training blocks: every epoch reshuffles the passages (seeded),
    re-packs them (so block boundaries move) and shuffles the blocks."""

    def __init__(self, encoded, bos_id, blank_ids, n_positions, micro_batch, seed, blank_line_join,
                 sources=None, story_runs: int = 1):
        self.encoded = encoded
        self.sources = sources
        self.story_runs = story_runs
        self.bos_id = bos_id
        self.blank_ids = list(blank_ids)
        self.n_positions = n_positions
        self.micro_batch = micro_batch
        self.seed = seed
        self.blank_line_join = blank_line_join
        self.epoch = 0
        self.blocks_per_epoch = len(self._epoch_blocks(0))
        if self.blocks_per_epoch < micro_batch:
            raise ValueError(
                f"the corpus packs into {self.blocks_per_epoch} blocks of {n_positions} tokens, "
                f"fewer than one micro-batch ({micro_batch}); lower --micro-batch or n_positions"
            )

    def _epoch_blocks(self, epoch: int) -> list[list[int]]:
        rng = random.Random(self.seed * 1000003 + epoch)
        stream = pack_stream(self.encoded, self.bos_id, self.blank_ids, rng, self.blank_line_join,
                             self.sources, self.story_runs)
        blocks = cut_blocks(stream, self.n_positions)
        rng.shuffle(blocks)
        return blocks

    def __iter__(self) -> Iterator:
        import torch

        while True:
            blocks = self._epoch_blocks(self.epoch)
            for i in range(0, len(blocks) - self.micro_batch + 1, self.micro_batch):
                yield torch.tensor(blocks[i : i + self.micro_batch], dtype=torch.long)
            self.epoch += 1


# --------------------------------------------------------------------------------------------------
# Model, schedule, evaluation
# --------------------------------------------------------------------------------------------------


def build_model(config: TrainConfig, vocab_size: int, bos_id: int = 0, pad_id: int = 2):
    from transformers import GPT2Config, GPT2LMHeadModel

    gcfg = GPT2Config(
        vocab_size=vocab_size,
        n_positions=config.n_positions,
        n_embd=config.n_embd,
        n_layer=config.n_layer,
        n_head=config.n_head,
        resid_pdrop=config.dropout,
        embd_pdrop=config.dropout,
        attn_pdrop=config.dropout if config.attn_dropout is None else config.attn_dropout,
        bos_token_id=bos_id,
        eos_token_id=bos_id,
        pad_token_id=pad_id,
        tie_word_embeddings=True,
    )
    return GPT2LMHeadModel(gcfg)


def lr_schedule(step: int, progress: float, config: TrainConfig) -> float:
    """Linear warmup over ``warmup_steps`` steps, then cosine decay from ``lr`` to ``min_lr`` as
    ``progress`` (the fraction of the post-warmup run done, 0..1) goes from 0 to 1."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    progress = min(max(progress, 0.0), 1.0)
    return config.min_lr + 0.5 * (config.lr - config.min_lr) * (1.0 + math.cos(math.pi * progress))


def lr_at(step: int, total: int, config: TrainConfig) -> float:
    """The step-based schedule: cosine decay reaches ``min_lr`` at step ``total``."""
    span = max(total - config.warmup_steps, 1)
    return lr_schedule(step, (step - config.warmup_steps) / span, config)


def resolve_device(name: str) -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; ``cuda`` without one is a clear error."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: torch sees no CUDA GPU here (use --device cpu or auto)")
    if name not in ("cpu", "cuda"):
        raise ValueError(f"--device {name}: expected auto, cpu or cuda")
    return name


def _lm_loss(model, batch, precision: str = "fp32"):
    import torch
    import torch.nn.functional as F

    inputs, targets = batch[:, :-1], batch[:, 1:]
    with torch.autocast(batch.device.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
        logits = model(input_ids=inputs).logits
    return F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), targets.reshape(-1))


class _CompiledLoss:
    """``_lm_loss`` under ``torch.compile`` (the first step pays the compilation, about a minute). Where Inductor
    cannot build (no C++ toolchain) it says so once and goes on with the plain ``_lm_loss``."""

    def __init__(self, log: Callable[[str], None]):
        import torch

        log("compiling the training step with torch.compile (the first step takes longer)")
        self._compiled = torch.compile(_lm_loss)
        self._log = log
        self.active = True  # False once it fell back

    def __call__(self, model, batch, precision: str = "fp32"):
        if self.active:
            try:
                return self._compiled(model, batch, precision)
            except Exception as exc:  # noqa: BLE001 - Inductor's build errors have no common type
                first_line = str(exc).splitlines()[0] if str(exc) else ""
                self._log(f"torch.compile failed ({type(exc).__name__}: {first_line}); training goes on uncompiled")
                self.active = False
        return _lm_loss(model, batch, precision)


def make_optimizer(model, config: TrainConfig):
    """AdamW with weight decay on the matrices only."""
    import torch

    return torch.optim.AdamW(_param_groups(model, config.weight_decay), lr=config.lr,
                             betas=(config.beta1, config.beta2), eps=1e-8)


def optimizer_step(model, opt, batches: Iterator, loss_fn, config: TrainConfig) -> float:
    """One optimizer step over ``config.grad_accum`` micro-batches from ``batches`` (forward, backward,
    clipping, AdamW); returns the step's mean loss. The learning rate is the caller's to set."""
    import torch

    device = next(model.parameters()).device
    opt.zero_grad(set_to_none=True)
    step_loss = 0.0
    for _ in range(config.grad_accum):
        loss = loss_fn(model, next(batches).to(device, non_blocking=True), config.precision)
        (loss / config.grad_accum).backward()
        step_loss += loss.item() / config.grad_accum
    torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
    opt.step()
    return step_loss


def evaluate(model, blocks: Sequence[Sequence[int]], batch_size: int = 8) -> tuple[float, int]:
    """Mean next-token loss (nats) over all targets of ``blocks`` and the number of targets."""
    import torch
    import torch.nn.functional as F

    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    total, count = 0.0, 0
    with torch.no_grad():
        by_len: dict[int, list] = {}
        for b in blocks:
            by_len.setdefault(len(b), []).append(b)
        for same in by_len.values():
            for i in range(0, len(same), batch_size):
                batch = torch.tensor(same[i : i + batch_size], dtype=torch.long, device=device)
                logits = model(input_ids=batch[:, :-1]).logits
                loss = F.cross_entropy(
                    logits.reshape(-1, logits.size(-1)), batch[:, 1:].reshape(-1), reduction="sum"
                )
                total += loss.item()
                count += batch[:, 1:].numel()
    model.train(was_training)
    return total / max(count, 1), count


def _param_groups(model, weight_decay: float):
    decay, no_decay = [], []
    seen = set()
    for _, p in model.named_parameters():
        if not p.requires_grad or id(p) in seen:
            continue
        seen.add(id(p))
        (decay if p.dim() >= 2 else no_decay).append(p)
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]


def _fmt_time(seconds: float) -> str:
    seconds = max(int(seconds), 0)
    return f"{seconds // 60:d}:{seconds % 60:02d}"


def train_model(
    model,
    sampler: BlockSampler,
    heldout_blocks: list[list[int]],
    config: TrainConfig,
    deadline: float,
    result: TrainResult,
    log: Callable[[str], None] = _log,
) -> None:
    """Train in place until ``config.steps`` steps are done or ``time.monotonic()`` reaches
    ``deadline``, whichever comes first.

    With ``config.steps`` the learning-rate schedule is step-based (reproducible); if the deadline comes
    first, training stops gracefully with the schedule unfinished. With ``config.steps = None`` the
    schedule is *time-based*: the cosine decay follows the fraction of the wall-clock budget used, so it
    ends exactly at the deadline however fast the (possibly shared) CPU turns out to be.
    With ``keep_best`` the weights with the lowest held-out loss seen at an evaluation are restored."""
    opt = make_optimizer(model, config)
    model.train()
    loss_fn = _CompiledLoss(log) if config.compile else _lm_loss
    batches = iter(sampler)
    time_based = config.steps is None
    planned = config.steps
    result.steps_planned = planned or 0
    epoch_tokens = max(sampler.blocks_per_epoch * config.n_positions, 1)

    t0 = time.monotonic()
    warm_end = t0  # when warmup ended (time-based schedule)
    window_loss, window_n, window_tokens, window_t = 0.0, 0, 0, t0
    best_loss, best_state, best_step = float("inf"), None, 0
    step = 0
    while planned is None or step < planned:
        now = time.monotonic()
        if now >= deadline:
            if not time_based:
                result.stopped_by_budget = True
                log(f"wall-clock budget reached at step {step}/{planned}: stopping training")
            break
        if time_based:
            if step == config.warmup_steps:
                warm_end = now
            progress = (now - warm_end) / max(deadline - warm_end, 1e-9)
            lr = lr_schedule(step, progress, config)
        else:
            lr = lr_at(step, planned, config)
        for group in opt.param_groups:
            group["lr"] = lr
        step_loss = optimizer_step(model, opt, batches, loss_fn, config)
        step += 1
        result.tokens_seen += config.tokens_per_step
        window_loss += step_loss
        window_n += 1
        window_tokens += config.tokens_per_step
        if len(result.first_losses) < 10:
            result.first_losses.append(step_loss)
        result.last_losses = (result.last_losses + [step_loss])[-10:]

        now = time.monotonic()
        last = planned is not None and step == planned
        if step % config.log_every == 0 or last:
            elapsed = now - t0
            tok_s = window_tokens / max(now - window_t, 1e-9)
            if time_based:
                eta = max(deadline - now, 0.0)
                of = ""
            else:
                eta = min(elapsed / step * (planned - step), max(deadline - now, 0.0))
                of = f"/{planned}"
            log(
                f"step {step:5d}{of} | loss {window_loss / window_n:.4f} | lr {lr:.2e} | "
                f"{tok_s:,.0f} tok/s | epoch {result.tokens_seen / epoch_tokens:.2f} | "
                f"elapsed {_fmt_time(elapsed)} | eta {_fmt_time(eta)}"
            )
            window_loss, window_n, window_tokens, window_t = 0.0, 0, 0, time.monotonic()

        if step % config.eval_every == 0 or last:
            hl, _ = evaluate(model, heldout_blocks)
            result.history.append({"step": step, "heldout_loss": hl, "train_loss": step_loss})
            marker = ""
            if config.keep_best and hl < best_loss:
                best_loss, best_step = hl, step
                best_state = copy.deepcopy(model.state_dict())
                marker = " (best)"
            log(f"  held-out loss {hl:.4f} | ppl {math.exp(hl):.2f}{marker}")

    result.steps_done = step
    result.compiled = isinstance(loss_fn, _CompiledLoss) and loss_fn.active
    if time_based:
        result.steps_planned = step
    result.train_seconds = time.monotonic() - t0
    result.epochs = result.tokens_seen / epoch_tokens
    # Always end with an evaluation of the final weights, then keep the best ones.
    if step and (not result.history or result.history[-1]["step"] != step):
        hl, _ = evaluate(model, heldout_blocks)
        result.history.append({"step": step, "heldout_loss": hl, "train_loss": result.last_losses[-1]})
        log(f"  held-out loss {hl:.4f} | ppl {math.exp(hl):.2f} (final)")
        if config.keep_best and hl < best_loss:
            best_loss, best_step, best_state = hl, step, None
    if config.keep_best and best_state is not None and best_step != step:
        log(f"restoring the weights of step {best_step} (lowest held-out loss {best_loss:.4f})")
        model.load_state_dict(best_state)
    result.best_step = best_step if config.keep_best and best_step else step
    model.eval()


# --------------------------------------------------------------------------------------------------
# Sampling and speed
# --------------------------------------------------------------------------------------------------

GENERATION_DEFAULTS = dict(
    do_sample=True,
    temperature=0.8,
    top_k=50,
    top_p=0.92,
    repetition_penalty=1.1,
)


def _stop_ids(hf_tokenizer) -> list[int]:
    ids = [hf_tokenizer.eos_token_id]
    blank = hf_tokenizer(PASSAGE_SEPARATOR, add_special_tokens=False)["input_ids"]
    if len(blank) == 1 and blank[0] not in ids:
        ids.append(blank[0])
    return ids


def sample(model, hf_tokenizer, prompts: Sequence[str], max_new_tokens: int, seed: int) -> list[tuple[str, str]]:
    """Continue each prompt (preceded by ``</s>``, as every passage was in training) and return
    ``(prompt, continuation)`` pairs. Seeded per prompt; stops at ``</s>`` or a blank line."""
    import torch

    out = []
    model.eval()
    for i, prompt in enumerate(prompts):
        torch.manual_seed(seed + i)
        ids = [hf_tokenizer.bos_token_id] + hf_tokenizer(prompt, add_special_tokens=False)["input_ids"]
        ids = ids[-(model.config.n_positions - 1) :]  # keep the end of an over-long prompt
        inp = torch.tensor([ids], dtype=torch.long)
        room = max(min(max_new_tokens, model.config.n_positions - len(ids)), 1)
        with torch.no_grad():
            gen = model.generate(
                input_ids=inp,
                attention_mask=torch.ones_like(inp),
                max_new_tokens=room,
                eos_token_id=_stop_ids(hf_tokenizer),
                pad_token_id=hf_tokenizer.pad_token_id,
                **GENERATION_DEFAULTS,
            )
        new = gen[0, inp.shape[1] :].tolist()
        out.append((prompt, hf_tokenizer.decode(new, skip_special_tokens=False)))
    return out


def measure_decode_speed(
    model, hf_tokenizer, new_tokens: int = 128, prompt: str = SAMPLE_PROMPTS[0], repeats: int = 3
) -> float:
    """Tokens per second of greedy decoding with the KV cache (no early stop), batch 1: the best of
    ``repeats`` runs, since on a shared CPU the slower runs measure the neighbours, not the model."""
    import torch

    model.eval()
    ids = [hf_tokenizer.bos_token_id] + hf_tokenizer(prompt, add_special_tokens=False)["input_ids"]
    ids = ids[-(model.config.n_positions // 2) :]
    inp = torch.tensor([ids], dtype=torch.long)
    new_tokens = max(min(new_tokens, model.config.n_positions - len(ids)), 1)
    kwargs = dict(
        input_ids=inp,
        attention_mask=torch.ones_like(inp),
        do_sample=False,
        max_new_tokens=new_tokens,
        min_new_tokens=new_tokens,
        pad_token_id=hf_tokenizer.pad_token_id,
        eos_token_id=hf_tokenizer.eos_token_id,
    )
    best = 0.0
    with torch.no_grad():
        model.generate(**{**kwargs, "max_new_tokens": 8, "min_new_tokens": 8})  # warm up
        for _ in range(max(repeats, 1)):
            t = time.perf_counter()
            gen = model.generate(**kwargs)
            best = max(best, (gen.shape[1] - inp.shape[1]) / (time.perf_counter() - t))
    return best


# --------------------------------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------------------------------


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def _write_generation_config(model, hf_tokenizer, folder: Path) -> None:
    from transformers import GenerationConfig

    gc = GenerationConfig(
        bos_token_id=hf_tokenizer.bos_token_id,
        eos_token_id=_stop_ids(hf_tokenizer),
        pad_token_id=hf_tokenizer.pad_token_id,
        max_new_tokens=80,
        **GENERATION_DEFAULTS,
    )
    gc.save_pretrained(folder)


def save_bundle(
    model,
    hf_tokenizer,
    out: Path,
    training_md: str | None = None,
    summary: dict | None = None,
    dtype: str = "auto",
    lexicon=None,
) -> str:
    """Write the Hugging Face folder to a temporary sibling of ``out`` and rename it into place, so a
    reader never sees a half-written folder. Returns the dtype written ("float32" or "float16").

    ``lexicon`` (an ``adventure.generation.lexicon.Lexicon``) is written as ``lexicon.txt``: the words of the
    training text, which known-word decoding keeps the narration to."""
    import torch

    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp = out.parent / f".{out.name}.tmp-{tag}"
    old = out.parent / f".{out.name}.old-{tag}"
    try:
        model = copy.deepcopy(model).cpu().eval()
        written = "float32"
        model.to(torch.float32)
        model.save_pretrained(tmp, safe_serialization=True)
        hf_tokenizer.save_pretrained(tmp)
        _write_generation_config(model, hf_tokenizer, tmp)
        if dtype == "float16" or (dtype == "auto" and folder_size(tmp) > MAX_BUNDLE_BYTES):
            shutil.rmtree(tmp)
            model.to(torch.float16)
            model.save_pretrained(tmp, safe_serialization=True)
            hf_tokenizer.save_pretrained(tmp)
            _write_generation_config(model, hf_tokenizer, tmp)
            written = "float16"
        if summary is not None:
            summary = {**summary, "dtype": written}
            (tmp / "training_summary.json").write_text(
                json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
            )
        if lexicon is not None:
            lexicon.save(tmp / LEXICON_FILE)
        if training_md is not None:
            (tmp / "TRAINING.md").write_text(training_md.replace("{DTYPE}", written), encoding="utf-8")
        for f in tmp.iterdir():  # some writers create 0600 files; the package ships them readable
            f.chmod(0o644)
        tmp.chmod(0o755)
        if out.exists():
            os.replace(out, old)
        try:
            os.replace(tmp, out)
        except BaseException:
            if old.exists():
                os.replace(old, out)  # put the previous folder back
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return written


# --------------------------------------------------------------------------------------------------
# The whole pipeline
# --------------------------------------------------------------------------------------------------


def run_pipeline(config: TrainConfig, log: Callable[[str], None] = _log) -> TrainResult:
    """Tokenizer, packing, training, evaluation, samples, atomic save. Returns the figures."""
    import torch

    start = time.monotonic()
    deadline_total = start + config.minutes * 60.0
    torch.set_num_threads(config.threads)
    random.seed(config.seed)
    torch.manual_seed(config.seed)

    train_recs, heldout_recs = load_corpus(config.corpus)
    stats = corpus_stats(train_recs, heldout_recs)
    result = TrainResult(config=config, corpus=stats)
    log(
        f"corpus {config.corpus}: {stats.train_passages} train passages ({stats.train_bytes / 1024:.0f} KiB), "
        f"{stats.heldout_passages} held-out ({stats.heldout_bytes / 1024:.0f} KiB); labels {stats.labels}"
    )
    train_texts = [r["text"] for r in train_recs]
    heldout_texts = [r["text"] for r in heldout_recs]

    t = time.monotonic()
    tok = train_tokenizer(train_texts, config.vocab_size, config.min_frequency)
    hf_tok = wrap_tokenizer(tok, config.n_positions)
    result.roundtrip_checked = check_roundtrip(hf_tok, train_texts + heldout_texts + list(SAMPLE_PROMPTS))
    log(
        f"tokenizer: vocab {len(hf_tok)} trained in {time.monotonic() - t:.1f}s; round-trip exact on "
        f"{result.roundtrip_checked} texts"
    )

    bos_id = hf_tok.bos_token_id
    blank_ids = hf_tok(PASSAGE_SEPARATOR, add_special_tokens=False)["input_ids"]
    train_enc = encode_passages(hf_tok, train_texts)
    heldout_enc = encode_passages(hf_tok, heldout_texts)
    stats.train_tokens = sum(map(len, train_enc))
    stats.heldout_tokens = sum(map(len, heldout_enc))
    heldout_blocks = cut_blocks(
        pack_stream(heldout_enc, bos_id, blank_ids, rng=None), config.n_positions, keep_partial=True
    )
    sampler = BlockSampler(
        train_enc, bos_id, blank_ids, config.n_positions, config.micro_batch, config.seed, config.blank_line_join,
        sources=[r.get("source") for r in train_recs], story_runs=config.story_runs,
    )
    log(
        f"tokens: train {stats.train_tokens:,} ({stats.train_chars / max(stats.train_tokens, 1):.2f} chars/token), "
        f"held-out {stats.heldout_tokens:,}; {sampler.blocks_per_epoch} blocks of {config.n_positions} per epoch"
    )

    device = resolve_device(config.device)
    result.device = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    torch.manual_seed(config.seed)
    model = build_model(config, len(hf_tok), bos_id, hf_tok.pad_token_id).to(device)
    result.n_params = sum(p.numel() for p in model.parameters())
    result.vocab_size = len(hf_tok)
    log(
        f"model: GPT-2 {config.n_layer} layers x {config.n_embd} wide, {config.n_head} heads, "
        f"n_positions {config.n_positions}, {result.n_params / 1e6:.2f}M parameters (tied embeddings); "
        f"training on {result.device}"
    )

    t = time.monotonic()
    result.initial_heldout_loss, _ = evaluate(model, heldout_blocks)
    eval_time = time.monotonic() - t
    log(f"initial held-out loss {result.initial_heldout_loss:.4f} ({eval_time:.1f}s per evaluation)")

    # Reserve time after training for the final evaluation, samples, speed test and saving.
    reserve = 2 * eval_time + 30.0 + 0.1 * len(SAMPLE_PROMPTS) * config.sample_tokens
    reserve = min(reserve, 0.25 * config.minutes * 60.0)
    train_model(model, sampler, heldout_blocks, config, deadline_total - reserve, result, log)

    hl, n_targets = evaluate(model, heldout_blocks)
    model.to("cpu")  # samples and decode speed are the CPU's, where the game runs the model
    result.heldout_loss = hl
    result.heldout_ppl = math.exp(hl)
    result.heldout_nats_per_char = hl * n_targets / max(stats.heldout_chars, 1)
    log(
        f"held-out: loss {hl:.4f} nats/token, perplexity {result.heldout_ppl:.2f}, "
        f"{result.heldout_nats_per_char:.4f} nats/char ({n_targets:,} targets)"
    )

    result.samples = sample(model, hf_tok, SAMPLE_PROMPTS, config.sample_tokens, config.seed)
    for prompt, cont in result.samples:
        log(f"--- {prompt!r}\n{prompt}{cont}")
    for threads in sorted({1, 2, config.threads}):
        torch.set_num_threads(threads)
        result.decode_by_threads[threads] = measure_decode_speed(model, hf_tok, config.speed_tokens)
        log(f"decode speed: {result.decode_by_threads[threads]:.0f} tokens/s (greedy, KV cache, {threads} thread(s), best of 3)")
    torch.set_num_threads(config.threads)
    result.decode_tokens_per_s = result.decode_by_threads[config.threads]

    result.total_seconds = time.monotonic() - start
    result.out = Path(config.out)
    md = render_training_md(result)
    lexicon = Lexicon.from_texts(train_texts)
    log(f"word list: {len(lexicon):,} distinct words of the training text (lexicon.txt, for known-word decoding)")
    result.dtype = save_bundle(model, hf_tok, config.out, md, summary_dict(result), config.dtype, lexicon)
    result.folder_bytes = folder_size(config.out)
    log(f"saved {config.out} ({result.folder_bytes / 1024 / 1024:.1f} MiB, {result.dtype}) in {_fmt_time(time.monotonic() - start)} total")
    return result


def summary_dict(result: TrainResult) -> dict:
    cfg = dataclasses.asdict(result.config)
    cfg["corpus"] = str(result.config.corpus)
    cfg["out"] = str(result.config.out)
    return {
        "config": cfg,
        "corpus": dataclasses.asdict(result.corpus),
        "n_params": result.n_params,
        "vocab_size": result.vocab_size,
        "steps_done": result.steps_done,
        "steps_planned": result.steps_planned,
        "stopped_by_budget": result.stopped_by_budget,
        "compiled": result.compiled,
        "device": result.device,
        "best_step": result.best_step,
        "epochs": round(result.epochs, 3),
        "tokens_seen": result.tokens_seen,
        "train_seconds": round(result.train_seconds, 1),
        "total_seconds": round(result.total_seconds, 1),
        "initial_heldout_loss": round(result.initial_heldout_loss, 4),
        "heldout_loss": round(result.heldout_loss, 4),
        "heldout_perplexity": round(result.heldout_ppl, 3),
        "heldout_nats_per_char": round(result.heldout_nats_per_char, 4),
        "decode_tokens_per_s": round(result.decode_tokens_per_s, 1),
        "decode_tokens_per_s_by_threads": {str(k): round(v, 1) for k, v in result.decode_by_threads.items()},
        "history": [
            {k: (round(v, 4) if isinstance(v, float) else v) for k, v in h.items()} for h in result.history
        ],
        "samples": [{"prompt": p, "continuation": c} for p, c in result.samples],
        "versions": _versions(),
    }


def _versions() -> dict:
    import tokenizers
    import torch
    import transformers

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
    }


THREADS_NOTE = """
Why one thread: the training machine has 2 CPU cores shared with other jobs. Measured there while another
process was busy, a training step of this model took ~1.9 s with 1 thread and ~4 s with 2 (OpenMP threads
wait on each other whenever one core is taken), and cached greedy decoding ran at ~210 tokens/s with 1 thread
against 8-26 with 2. On an idle machine 2 threads are faster (~0.7 s/step), so `--threads 2` is the better
choice there; the weights then differ in the last bits (thread count changes summation order).
"""


COMPILE_NOTE = "; the training step ran under `torch.compile` (`--compile`)"
PRECISION_NOTE = (", forward passes under bfloat16 autocast (`--precision bf16`; weights, gradients and AdamW "
                  "state stay float32, held-out evaluation runs in float32)")


def _ending(continuation: str, limit: int) -> str:
    if continuation.endswith(EOS_TOKEN):
        return "ended with `</s>`"
    if continuation.endswith(PASSAGE_SEPARATOR):
        return "ended with a blank line"
    return f"cut at the {limit}-token limit"


def render_training_md(result: TrainResult) -> str:
    c = result.config
    s = result.corpus
    v = _versions()
    fence = "```"
    attn_text = "" if c.attn_dropout is None or c.attn_dropout == c.dropout else f" (attention {c.attn_dropout})"
    if c.story_runs > 1:
        stream_text = (f"story runs of 1 to {c.story_runs} consecutive passages of one corpus file (`source`), "
                       f"joined by a blank line (`\"\\n\\n\"`, how the game joins the turns of a story); runs "
                       f"shuffled every epoch (seeded), each preceded by `</s>`")
    else:
        stream_text = (f"passages shuffled every epoch (seeded) and concatenated, each preceded by `</s>` or, with "
                       f"probability {c.blank_line_join}, by a blank line (`\"\\n\\n\"`)")
    hist = "\n".join(
        f"| {h['step']} | {h['train_loss']:.4f} | {h['heldout_loss']:.4f} | {math.exp(h['heldout_loss']):.2f} |"
        for h in result.history
    )
    samples = "\n\n".join(
        f"{i}. Prompt `{p!r}`, {_ending(cont, c.sample_tokens)}\n\n{fence}text\n{p}{cont}\n{fence}"
        for i, (p, cont) in enumerate(result.samples, 1)
    )
    command = c.command or "python scripts/train_bundled.py"
    decode = ", ".join(f"{v:.0f} tokens/s with {k} thread{'s' if k > 1 else ''}" for k, v in sorted(result.decode_by_threads.items()))
    labels = ", ".join(f"{k} {n}" for k, n in s.labels.items())
    stop = (
        f"stopped by the wall-clock budget after {result.steps_done} of {result.steps_planned} planned steps"
        if result.stopped_by_budget
        else f"{result.steps_done} steps"
    )
    on_gpu = result.device != "cpu"
    where = f"a GPU ({result.device})" if on_gpu else "the CPU"
    hardware = (f"trained on {result.device} (`--device {c.device}`; GPU kernels are not bit-reproducible, so a rerun "
                f"matches in its figures, not its last bits)" if on_gpu
                else f"{c.threads} CPU thread{'s' if c.threads > 1 else ''}")
    return f"""# The bundled Korean GPT-2

This folder is the small Korean narrator that ships inside the package and works offline
(preset `bundled`). It was trained from scratch, on {where}, only on the project's own corpus
(`corpus/train.jsonl`), by `adventure/training/bundled.py`. Load it with

{fence}python
AutoModelForCausalLM.from_pretrained(folder, local_files_only=True)
AutoTokenizer.from_pretrained(folder, local_files_only=True)
{fence}

## Reproduce

{fence}sh
{command}
{fence}

Same corpus + same seed + same versions + same thread count gives the same weights
(`--steps` fixes the schedule; without it the step count is whatever fits the `--minutes` budget on the
machine, so it varies). Versions used: Python {v['python']}, torch {v['torch']}, transformers
{v['transformers']}, tokenizers {v['tokenizers']}; {hardware}; seed {c.seed}.
{THREADS_NOTE if c.threads == 1 else ""}
## Corpus

| | passages | bytes (UTF-8) | characters | tokens |
|---|---:|---:|---:|---:|
| train (`corpus/train.jsonl`) | {s.train_passages:,} | {s.train_bytes:,} | {s.train_chars:,} | {s.train_tokens:,} |
| held-out (`corpus/heldout.jsonl`) | {s.heldout_passages:,} | {s.heldout_bytes:,} | {s.heldout_chars:,} | {s.heldout_tokens:,} |

Train passages per label: {labels}.

## Tokenizer

Character-level BPE trained with the `tokenizers` library, KoGPT2-style, vocabulary {result.vocab_size:,}
(`--vocab-size {c.vocab_size}`, min frequency {c.min_frequency}; the blank line `"\\n\\n"` is always one
token), `byte_fallback` on; {s.train_chars / max(s.train_tokens, 1):.2f} characters per token on the train set.

* Pre-tokenizer: `Split(r"{PRETOKENIZE_PATTERN}", isolated)` then `Metaspace("▁", prepend_scheme="never")`.
  Runs of newlines and of punctuation are their own pieces; a space becomes `▁` on the next word.
* Decoder: `Replace("▁", " ")`, `ByteFallback`, `Fuse`. No normalizer.
* Special tokens: `</s>` = bos = eos (id 0), `<unk>` (1), `<pad>` (2), `<mask>` (3), as KoGPT2 names them;
  ids 4-259 are the byte tokens `<0x00>`-`<0xFF>`.

Why: KoGPT2 itself uses a character-level BPE with a `▁` word marker, which spends the vocabulary on Hangul
syllables and endings rather than on UTF-8 byte pieces, and every token decodes to readable text on its own
(good for streaming). Byte fallback means nothing is ever lost to `<unk>`: a character the corpus never
had is spelt as its UTF-8 bytes. Isolating newlines keeps the line structure (`> action` lines, blank lines
between passages) intact; isolating punctuation stops `했다.`, `했다,` and `했다."` from becoming separate
entries, which matters with a small corpus. With `prepend_scheme="never"` the decoder never strips a leading
space, so decoding is plain concatenation: a continuation decoded on its own keeps the space before its first
word. Encode → decode was checked to give back the exact text for all {result.roundtrip_checked:,} corpus
passages and prompts (spaces, newlines, `> ` action lines and quotes included). The only text that does not
round-trip is a literal `▁` (U+2581), which decodes as a space, as in KoGPT2.

## Model

`GPT2LMHeadModel`: {c.n_layer} layers, width {c.n_embd}, {c.n_head} heads, `n_positions` {c.n_positions},
vocabulary {result.vocab_size:,}, tied input/output embeddings, dropout {c.dropout}{attn_text}; {result.n_params:,}
parameters, stored as {{DTYPE}} safetensors.

## Training

* Stream: {stream_text}; cut into
  blocks of {c.n_positions} + 1 tokens, so every one of the {c.n_positions} positions is trained.
* AdamW (betas {c.beta1}/{c.beta2}, weight decay {c.weight_decay} on matrices), peak learning rate
  {c.lr:g}, linear warmup {c.warmup_steps} steps, cosine decay to {c.min_lr:g} {"over the steps" if c.steps else "over the wall-clock budget (time-based, no `--steps`)"}, gradient clipping {c.grad_clip},
  batch {c.micro_batch} x {c.grad_accum} blocks = {c.tokens_per_step:,} tokens per step{PRECISION_NOTE if c.precision == "bf16" else ""}{COMPILE_NOTE if result.compiled else ""}.
* {stop}; {result.tokens_seen:,} tokens seen ({result.epochs:.1f} epochs) in {_fmt_time(result.train_seconds)}
  (min:s) of training, {_fmt_time(result.total_seconds)} for the whole run (tokenizer, training, evaluation,
  samples).
* Held-out loss was measured every {c.eval_every} steps; {"the weights with the lowest held-out loss (step " + str(result.best_step) + ") were kept" if c.keep_best else "the final weights were kept"}.

| step | train loss | held-out loss | held-out perplexity |
|---:|---:|---:|---:|
| 0 | - | {result.initial_heldout_loss:.4f} | {math.exp(result.initial_heldout_loss):.2f} |
{hist}

## Result

* Held-out (`corpus/heldout.jsonl`, passages joined by `</s>`): loss **{result.heldout_loss:.4f}** nats/token,
  perplexity **{result.heldout_ppl:.2f}** ({result.heldout_nats_per_char:.4f} nats per character).
* Decoding speed (greedy, KV cache, batch 1, {c.speed_tokens} new tokens, best of 3 runs on the training machine's CPU): {decode}.

## Generation

`generation_config.json`: sampling, temperature {GENERATION_DEFAULTS['temperature']}, top-k
{GENERATION_DEFAULTS['top_k']}, top-p {GENERATION_DEFAULTS['top_p']}, repetition penalty
{GENERATION_DEFAULTS['repetition_penalty']}; stop tokens `</s>` and, when it is a single token, the blank line
`"\\n\\n"` (the model ends a passage with either). Put `</s>` before a prompt that starts a passage, as in
training.

`lexicon.txt`: the distinct Hangul words (runs of syllables, particles and endings included) of the training
text, one per line. The game's decode loop reads it for known-word decoding (`/set known_words`, on by
default): a candidate token is sampled only if every word it completes is in this list or in the prompt, so
the narrator cannot glue syllables into a word that does not exist. The samples below are the raw model
(`model.generate`, no word list); `python benchmarks/bench_quality.py` compares the two.

## Samples

Unedited continuations (seed {c.seed} + prompt index, up to {c.sample_tokens} new tokens, the settings above,
prompt preceded by `</s>`; a stop token, when one was produced, is shown as decoded):

{samples}
"""
