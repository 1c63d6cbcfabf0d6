"""Our own decode loop: KV-cache reuse across turns, sampling through transformers' processors, streaming.

Why not ``model.generate``: the game needs the cache to survive between turns (a turn appends a few dozen
tokens to a prompt of up to n_ctx, and re-reading the window costs seconds on a CPU), per-token hooks for
steering, cancellation between tokens, and stop strings checked on decoded Korean text.
"""

from __future__ import annotations

import inspect
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from transformers import DynamicCache
from transformers.generation.logits_process import (
    LogitsProcessor,
    LogitsProcessorList,
    MinNewTokensLengthLogitsProcessor,
    NoRepeatNGramLogitsProcessor,
    RepetitionPenaltyLogitsProcessor,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
    TypicalLogitsWarper,
)

from ..models.loader import LoadedModel
from .detokenize import IncrementalDetokenizer
from .settings import SamplingSettings
from .stopping import find_stop, stop_holdback, trim_to_sentence_end

# Prompts longer than this are prefilled in chunks, so a cancel is noticed and peak memory stays bounded.
PREFILL_CHUNK = 512


class GenerationCancelled(Exception):
    """Raised by ``Generator.generate`` when its cancel event was set; the cache stays usable."""


@dataclass
class GenerationResult:
    text: str                 # the narration (stop string excluded; trimmed to a sentence end on "sentence")
    token_ids: list[int]      # generated tokens whose text lies entirely inside ``text`` (EOS excluded)
    finish_reason: str        # "eos" | "stop_string" | "length" | "sentence"
    prompt_tokens: int
    reused_tokens: int        # prompt tokens whose keys/values came from the cache
    processed_tokens: int     # prompt tokens run through the model for this call (prompt_tokens - reused)
    seconds: float
    ttft_seconds: float       # call start to the first sampled token
    # Text already streamed through on_text that is not part of ``text`` (a trimmed unfinished sentence):
    # a consumer that rendered the stream should remove this tail. Empty in every other case.
    retracted: str = ""
    seed: int | None = None   # the seed actually used (a random one when the caller passed None)
    new_tokens: int = 0       # tokens sampled, including any EOS and the trimmed ones


class _RangedRepetitionPenalty(LogitsProcessor):
    """transformers' repetition penalty applied over only the last ``window`` tokens of the context."""

    def __init__(self, penalty: float, window: int):
        self.inner = RepetitionPenaltyLogitsProcessor(penalty=float(penalty))
        self.window = window

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self.window and input_ids.shape[-1] > self.window:
            input_ids = input_ids[:, -self.window:]
        return self.inner(input_ids, scores)


def _common_prefix_len(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    # Compare in blocks first: prompts share long prefixes, and list slices compare in C.
    step = 64
    while i + step <= n and a[i:i + step] == b[i:i + step]:
        i += step
    while i < n and a[i] == b[i]:
        i += 1
    return i


class Generator:
    """Generates narration with one model, keeping the KV cache of the last prompt + output between calls.

    Not re-entrant: calls are serialised by a lock (run it in one worker thread).
    """

    def __init__(self, loaded: LoadedModel, logits_processors: list | None = None):
        self.loaded = loaded
        self.model = loaded.model
        self.tokenizer = loaded.tokenizer
        self.n_ctx = int(loaded.n_ctx)
        self.device = loaded.device
        self.eos_token_ids = list(loaded.eos_token_ids)
        self._eos = frozenset(self.eos_token_ids)
        self.logits_processors = list(logits_processors or [])
        self._vocab_rows = self.model.get_input_embeddings().weight.shape[0]
        try:
            params = inspect.signature(self.model.forward).parameters
        except (TypeError, ValueError):
            params = {}
        self._forward_kwargs = {"use_cache": True, "return_dict": True}
        if "logits_to_keep" in params:
            self._forward_kwargs["logits_to_keep"] = 1
        self._lock = threading.RLock()
        # Token ids of the whole context, preallocated once: the processors get views, no per-token allocation.
        self._ids_buf = torch.zeros((1, self.n_ctx + 1), dtype=torch.long, device=self.device)
        self._cache: DynamicCache | None = None
        self._cached_ids: list[int] = []

    # ------------------------------------------------------------------------------------------ tokens
    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text, add_special_tokens=False))

    def decode(self, ids) -> str:
        if isinstance(ids, torch.Tensor):
            ids = ids.tolist()
        return self.tokenizer.decode(list(ids), skip_special_tokens=True, clean_up_tokenization_spaces=False)

    def count_tokens(self, text: str) -> int:
        return len(self.encode(text))

    @property
    def cached_token_ids(self) -> tuple[int, ...]:
        """The exact tokens whose keys/values the cache holds (for the context inspector)."""
        return tuple(self._cached_ids)

    def reset_cache(self) -> None:
        with self._lock:
            self._cache = None
            self._cached_ids = []

    # ------------------------------------------------------------------------------------------ model
    def _forward(self, start: int, end: int) -> torch.Tensor:
        """Run tokens ``_ids_buf[start:end]`` (which must directly follow the cache); last-position logits."""
        if self._cache is None:
            self._cache = DynamicCache(config=self.model.config)
        try:
            out = self.model(input_ids=self._ids_buf[:, start:end], past_key_values=self._cache,
                             **self._forward_kwargs)
        except BaseException:
            # A forward interrupted half-way may have updated only some layers: start over next time.
            self._cache = None
            self._cached_ids = []
            raise
        self._cache = out.past_key_values
        if end - start == 1:
            self._cached_ids.append(int(self._ids_buf[0, start]))
        else:
            self._cached_ids.extend(self._ids_buf[0, start:end].tolist())
        return out.logits[:, -1, :]

    def _prefill(self, ids: list[int], cancel: threading.Event | None) -> tuple[torch.Tensor, int]:
        """Bring the cache to ``ids[:-1]`` + process the rest; returns (last logits, tokens reused)."""
        if self._cache is not None and self._cache.get_seq_length() != len(self._cached_ids):
            self._cache, self._cached_ids = None, []  # out of sync (should not happen): be exact, not fast
        common = _common_prefix_len(self._cached_ids, ids)
        common = min(common, len(ids) - 1)  # always run at least one token, to get its logits
        if common == 0:
            self._cache, self._cached_ids = None, []
        elif common < len(self._cached_ids):
            self._cache.crop(common - len(self._cached_ids))  # negative: drop that many from the end
            del self._cached_ids[common:]
        self._ids_buf[0, :len(ids)] = torch.as_tensor(ids, dtype=torch.long)
        logits = None
        start = common
        while start < len(ids):
            if cancel is not None and cancel.is_set():
                raise GenerationCancelled()
            end = min(len(ids), start + PREFILL_CHUNK)
            logits = self._forward(start, end)
            start = end
        return logits, common

    @torch.inference_mode()
    def next_token_logits(self, prompt: str | list[int]) -> torch.Tensor:
        """Raw next-token logits (float32, shape [vocab]) after ``prompt``, reusing the cache like ``generate``."""
        with self._lock:
            ids = self._prompt_ids(prompt)
            logits, _ = self._prefill(ids, None)
            return logits[0].float().clone()

    # ------------------------------------------------------------------------------------------ sampling
    def _processors(self, settings: SamplingSettings, prompt_len: int, min_new: int,
                    extra: list | None) -> LogitsProcessorList:
        procs = LogitsProcessorList()
        if settings.repetition_penalty != 1.0:
            procs.append(_RangedRepetitionPenalty(settings.repetition_penalty, settings.repetition_range))
        if settings.no_repeat_ngram_size > 0:
            procs.append(NoRepeatNGramLogitsProcessor(settings.no_repeat_ngram_size))
        procs.extend(self.logits_processors)
        procs.extend(extra or [])
        if min_new > 0 and self.eos_token_ids:
            procs.append(MinNewTokensLengthLogitsProcessor(prompt_len, min_new, self.eos_token_ids,
                                                           device=str(self.device)))
        if not settings.greedy:
            if settings.temperature != 1.0:
                procs.append(TemperatureLogitsWarper(float(settings.temperature)))
            if settings.top_k > 0:
                procs.append(TopKLogitsWarper(top_k=settings.top_k))
            if settings.top_p < 1.0:
                procs.append(TopPLogitsWarper(top_p=float(settings.top_p)))
            if settings.typical_p < 1.0:
                procs.append(TypicalLogitsWarper(mass=float(settings.typical_p)))
        return procs

    def _prompt_ids(self, prompt: str | list[int]) -> list[int]:
        ids = self.encode(prompt) if isinstance(prompt, str) else [int(i) for i in prompt]
        if not ids:
            bos = self.tokenizer.bos_token_id
            if bos is None:
                raise ValueError("The prompt is empty and the model has no BOS token to start from.")
            ids = [int(bos)]
        if len(ids) >= self.n_ctx:
            raise ValueError(f"The prompt has {len(ids)} tokens but the model's context holds {self.n_ctx}; "
                             "trim it to leave room for new tokens.")
        if min(ids) < 0 or max(ids) >= self._vocab_rows:
            raise ValueError(f"The prompt has token ids outside the model's vocabulary (0–{self._vocab_rows - 1}).")
        return ids

    # ------------------------------------------------------------------------------------------ generate
    def generate(self, prompt: str | list[int], settings: SamplingSettings, *, seed: int | None = None,
                 on_text: Callable[[str], None] | None = None, cancel: threading.Event | None = None,
                 extra_logits_processors: list | None = None) -> GenerationResult:
        """Continue ``prompt``; stream stable text to ``on_text``; stop on EOS, a stop string or the budget.

        Raises ValueError when the prompt does not fit n_ctx, GenerationCancelled when ``cancel`` gets set.
        """
        t0 = time.perf_counter()
        with self._lock, torch.inference_mode():
            ids = self._prompt_ids(prompt)
            prompt_len = len(ids)
            # The last sampled token is never run, so budget tokens need prompt_len + budget - 1 <= n_ctx.
            budget = min(settings.max_new_tokens, self.n_ctx - prompt_len + 1)
            min_new = min(settings.min_new_tokens, budget)
            if seed is None:
                seed = int.from_bytes(os.urandom(8), "little") & 0x7FFF_FFFF_FFFF_FFFF
            rng = torch.Generator(device=self.device)
            rng.manual_seed(int(seed))
            procs = self._processors(settings, prompt_len, min_new, extra_logits_processors)
            stops = list(settings.stop_strings)
            greedy = settings.greedy
            detok = IncrementalDetokenizer(self.tokenizer, ids)
            buf = self._ids_buf

            if cancel is not None and cancel.is_set():
                raise GenerationCancelled()
            logits, reused = self._prefill(ids, cancel)

            generated: list[int] = []
            finish = "length"
            stop_at: int | None = None
            streamed = 0
            scanned = 0
            ttft = 0.0
            cur = prompt_len
            for step in range(budget):
                if cancel is not None and cancel.is_set():
                    raise GenerationCancelled()
                if step:
                    logits = self._forward(cur - 1, cur)
                scores = logits if logits.dtype == torch.float32 else logits.float()
                if procs:
                    scores = procs(buf[:, :cur], scores)
                if greedy:
                    token = int(torch.argmax(scores, dim=-1))
                else:
                    probs = torch.softmax(scores, dim=-1)
                    token = int(torch.multinomial(probs, 1, generator=rng))
                if not step:
                    ttft = time.perf_counter() - t0
                if token in self._eos:
                    finish = "eos"
                    generated.append(token)
                    break
                buf[0, cur] = token
                cur += 1
                generated.append(token)
                delta = detok.add(token)
                if not delta:
                    continue
                text = detok.text
                if stops:
                    found = find_stop(text, stops, scanned)
                    scanned = len(text)
                    if found is not None:
                        finish, stop_at = "stop_string", found[0]
                        break
                    stable = len(text) - stop_holdback(text, stops)
                else:
                    stable = len(text)
                if on_text is not None and stable > streamed:
                    on_text(text[streamed:stable])
                    streamed = stable

            # ---- finish: final text, trimming, the rest of the stream
            if finish == "stop_string":
                text = detok.text[:stop_at]
            else:
                detok.flush()
                text = detok.text
                if finish == "length" and settings.trim_to_sentence:
                    trimmed = trim_to_sentence_end(text)
                    if trimmed is not None:
                        text, finish = trimmed, "sentence"
            retracted = ""
            if on_text is not None:
                if len(text) > streamed:
                    on_text(text[streamed:])
                elif streamed > len(text):
                    retracted = detok.text[len(text):streamed]
            kept = self._kept_tokens(detok, len(text), len(generated) - (finish == "eos"))
            return GenerationResult(
                text=text, token_ids=generated[:kept], finish_reason=finish,
                prompt_tokens=prompt_len, reused_tokens=reused, processed_tokens=prompt_len - reused,
                seconds=time.perf_counter() - t0, ttft_seconds=ttft, retracted=retracted, seed=int(seed),
                new_tokens=len(generated),
            )

    @staticmethod
    def _kept_tokens(detok: IncrementalDetokenizer, text_len: int, n_tokens: int) -> int:
        """How many leading generated tokens decode to text inside the first ``text_len`` characters."""
        kept = 0
        for i in range(min(n_tokens, len(detok.offsets))):
            if detok.offsets[i] > text_len:
                break
            if detok.clean[i]:
                kept = i + 1
        return kept
