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
from transformers.cache_utils import Cache, DynamicLayer
from transformers.generation.logits_process import (
    LogitsProcessor,
    LogitsProcessorList,
    MinNewTokensLengthLogitsProcessor,
    NoRepeatNGramLogitsProcessor,
    RepetitionPenaltyLogitsProcessor,
    TemperatureLogitsWarper,
    TopPLogitsWarper,
    TypicalLogitsWarper,
)

from ..models.loader import LoadedModel
from .detokenize import IncrementalDetokenizer
from .lexicon import KnownWordFilter, token_pieces, trailing_run
from .settings import SamplingSettings
from .sentence_rules import keeps_tense, lead_line, story_tense, stutters, takes_up
from .stopping import find_stop, first_sentence_break, quotes_well_formed, stop_holdback, trim_to_sentence_end

# Prompts longer than this are prefilled in chunks, so a cancel is noticed and peak memory stays bounded.
PREFILL_CHUNK = 512
# Known-word decoding with top_k off checks this many likeliest candidates (they hold nearly all the mass).
KNOWN_WORDS_CANDIDATES = 256
# A sentence candidate this long or longer that already stands in the story loses to a fresh one (shorter ones,
# such as a bare "네." in dialogue, may well recur).
REPEAT_MIN_CHARS = 8


def candidate_seed(seed: int, sentence: int, k: int) -> int:
    """The seed of candidate ``k`` of sentence ``sentence`` in a narration seeded with ``seed``."""
    return (seed * 1_000_003 + sentence * 1_009 + k) & 0x7FFF_FFFF_FFFF_FFFF


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
    # Sentence candidates only (else 0): the sum of the log-probabilities of ``token_ids`` in the model's own,
    # possibly steered, distribution at temperature 1.
    logprob: float = 0.0
    candidates: int = 1       # sentence candidates sampled per sentence (1: plain streaming)


class GrowableLayer(DynamicLayer):
    """A DynamicLayer whose keys/values live in a buffer with spare room, so appending a token writes in place.

    DynamicLayer appends with ``torch.cat``, copying the whole layer cache for every token (tens of MB per
    token at KoGPT2 size, on a memory-bound CPU). Here the buffer is sequence-major ``[batch, pos, heads, dim]``
    (the layout the projections produce), and ``keys``/``values`` are ``[batch, heads, pos, dim]`` views of its
    first ``get_seq_length()`` positions: appending copies only the new rows, ``crop`` only moves the end, and
    SDPA reads this layout at least as fast as a contiguous tensor. Values are bit-identical to DynamicLayer's.
    """

    def __init__(self, capacity: int, max_capacity: int | None = None):
        super().__init__()
        self.capacity = max(1, int(capacity))
        self.max_capacity = max_capacity
        self._len = 0
        self._kbuf: torch.Tensor | None = None
        self._vbuf: torch.Tensor | None = None

    def lazy_initialization(self, key_states: torch.Tensor, value_states: torch.Tensor) -> None:
        self.dtype, self.device = key_states.dtype, key_states.device
        b, h, _, dk = key_states.shape
        self._kbuf = key_states.new_empty((b, self.capacity, h, dk))
        self._vbuf = value_states.new_empty((b, self.capacity, value_states.shape[1], value_states.shape[-1]))
        self._len = 0
        self._set_views()
        self.is_initialized = True

    def _set_views(self) -> None:
        self.keys = self._kbuf[:, : self._len].transpose(1, 2)
        self.values = self._vbuf[:, : self._len].transpose(1, 2)

    def _grow(self, needed: int) -> None:
        cap = max(needed, 2 * self._kbuf.shape[1])
        if self.max_capacity is not None:
            cap = max(needed, min(cap, self.max_capacity))
        k = self._kbuf.new_empty((self._kbuf.shape[0], cap, *self._kbuf.shape[2:]))
        v = self._vbuf.new_empty((self._vbuf.shape[0], cap, *self._vbuf.shape[2:]))
        k[:, : self._len] = self._kbuf[:, : self._len]
        v[:, : self._len] = self._vbuf[:, : self._len]
        self._kbuf, self._vbuf = k, v

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs):
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        end = self._len + key_states.shape[-2]
        if end > self._kbuf.shape[1]:
            self._grow(end)
        self._kbuf[:, self._len:end] = key_states.transpose(1, 2)
        self._vbuf[:, self._len:end] = value_states.transpose(1, 2)
        self._len = end
        self._set_views()
        return self.keys, self.values

    def get_seq_length(self) -> int:
        return self._len if self.is_initialized else 0

    def crop(self, tokens_to_remove: int) -> None:
        if tokens_to_remove > 0:
            raise ValueError("crop takes a negative count (the number of tokens to drop from the end)")
        if tokens_to_remove == 0 or not self.is_initialized:
            return
        self._len = max(0, self._len + tokens_to_remove)
        self._set_views()

    def reset(self) -> None:
        self._len = 0
        if self.is_initialized:
            self._set_views()

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        """Keep only the batch rows ``indices`` (sentence candidates drop the rows that have finished)."""
        if self.is_initialized:
            self._kbuf = self._kbuf[indices]
            self._vbuf = self._vbuf[indices]
            self._set_views()


class GrowableCache(DynamicCache):
    """A DynamicCache made of GrowableLayer: same interface (crop, get_seq_length, layers[i].keys)."""

    def __init__(self, config, capacity: int, max_capacity: int | None = None):
        n_layers = config.get_text_config(decoder=True).num_hidden_layers
        Cache.__init__(self, layers=[GrowableLayer(capacity, max_capacity) for _ in range(n_layers)])


class _RangedRepetitionPenalty(LogitsProcessor):
    """transformers' repetition penalty applied over only the last ``window`` tokens of the context."""

    def __init__(self, penalty: float, window: int):
        self.inner = RepetitionPenaltyLogitsProcessor(penalty=float(penalty))
        self.window = window

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        if self.window and input_ids.shape[-1] > self.window:
            input_ids = input_ids[:, -self.window:]
        return self.inner(input_ids, scores)


class _NarrationNoRepeatNGram(LogitsProcessor):
    """transformers' no-repeat n-gram ban over only the narration being written (from position ``start``).

    Why not the whole context: with a small vocabulary n tokens are about one word, and the story around the
    narration is full of the n-grams every narration needs (a line that starts "나는" bans "나는" as the next
    opener), so a ban over the prompt forces broken wording; within one narration it still stops the loops
    it exists for."""

    def __init__(self, size: int, start: int):
        self.inner = NoRepeatNGramLogitsProcessor(size)
        self.start = start

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        return self.inner(input_ids[:, self.start:], scores)


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
        self._cache: GrowableCache | None = None
        self._cached_ids: list[int] = []
        self._reserve = 128  # extra cache positions allocated beyond the prompt (set per call to the budget)
        self.lexicon = getattr(loaded, "lexicon", None)
        self._pieces: list[str | None] | None = None  # token texts for known-word checks, built on first use

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
            self._cache = self._new_cache(end)
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

    def _new_cache(self, needed: int) -> GrowableCache:
        # Room for the prompt and a narration or two; grows (doubling, up to n_ctx) when a story gets longer.
        capacity = min(self.n_ctx, max(needed + self._reserve, 64))
        return GrowableCache(self.model.config, capacity, max_capacity=self.n_ctx)

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
        if self._cache is None:
            self._cache = self._new_cache(len(ids))
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
    def _sampler(self, settings: SamplingSettings, prompt_len: int, min_new: int, extra: list | None,
                 narration_start: int | None = None) -> tuple[LogitsProcessorList, LogitsProcessorList, int]:
        """(processors on the full vocabulary, warpers, top_k) in transformers' order. ``narration_start``:
        where the narration began (before ``prompt_len`` when earlier sentences of it are in the context).

        Penalties, plugin logit edits and the EOS ban see the whole vocabulary. Top-k then keeps k candidates,
        and temperature/top-p/typical run on those k only: the same distribution as masking the rest to -inf
        (the masked tokens have probability 0), without sorting 51,200 logits per token.
        """
        procs = LogitsProcessorList()
        if settings.repetition_penalty != 1.0:
            procs.append(_RangedRepetitionPenalty(settings.repetition_penalty, settings.repetition_range))
        if settings.no_repeat_ngram_size > 0:
            start = prompt_len if narration_start is None else narration_start
            procs.append(_NarrationNoRepeatNGram(settings.no_repeat_ngram_size, start))
        procs.extend(self.logits_processors)
        procs.extend(extra or [])
        if min_new > 0 and self.eos_token_ids:
            procs.append(MinNewTokensLengthLogitsProcessor(prompt_len, min_new, self.eos_token_ids,
                                                           device=str(self.device)))
        warpers = LogitsProcessorList()
        top_k = 0
        if not settings.greedy:
            if settings.temperature != 1.0:
                warpers.append(TemperatureLogitsWarper(float(settings.temperature)))
            if 0 < settings.top_k < self._vocab_rows:
                top_k = settings.top_k
            if settings.top_p < 1.0:
                warpers.append(TopPLogitsWarper(top_p=float(settings.top_p)))
            if settings.typical_p < 1.0:
                warpers.append(TypicalLogitsWarper(mass=float(settings.typical_p)))
        return procs, warpers, top_k

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
                 extra_logits_processors: list | None = None, steering=None) -> GenerationResult:
        """Continue ``prompt``; stream stable text to ``on_text``; stop on EOS, a stop string or the budget.

        The cache of the previous call is reused for the longest common token prefix. ``on_text`` gets text
        as soon as it is final (never a partial character, never the start of a stop string); when the
        budget runs out and the text is cut back to a sentence end, the streamed tail that was cut is
        returned as ``result.retracted``. ``extra_logits_processors`` (steering) run after the penalties and
        before the EOS ban and the warpers. Raises ValueError when the prompt does not fit n_ctx, and
        GenerationCancelled (checked before every token) when ``cancel`` gets set.

        ``steering`` (an ``adventure.steering.SteeringSession``, or anything with the same ``start``) steers
        the narration: its activation edits run inside the forward of each generated position, and its
        per-token pipeline (perturbed past, logits edits, fusion) turns the model's logits into the scores
        the penalties and warpers see. The cache stays exact: positions whose keys/values an activation edit
        changed are recomputed cleanly at the end (dropped on an error or cancel). An inactive session (no
        attribute with a non-zero strength) takes exactly the unsteered path.
        """
        t0 = time.perf_counter()
        with self._lock, torch.inference_mode():
            ids = self._prompt_ids(prompt)
            if seed is None:
                seed = int.from_bytes(os.urandom(8), "little") & 0x7FFF_FFFF_FFFF_FFFF
            prompt_text = prompt if isinstance(prompt, str) else None
            if settings.sentence_candidates > 1 and not settings.greedy:
                return self._generate_by_sentence(ids, settings, int(seed), on_text, cancel,
                                                  extra_logits_processors, steering, t0, prompt_text)
            result, run = self._generate_once(ids, settings, int(seed), on_text, cancel, extra_logits_processors,
                                              steering, t0, prompt_text=prompt_text)
            if run is not None:
                run.finish(result.text)
            return result

    def _budget(self, prompt_len: int, settings: SamplingSettings) -> int:
        """New tokens one decode may sample: the last sampled token is never run, so it needs
        prompt_len + budget - 1 <= n_ctx."""
        return min(settings.max_new_tokens, self.n_ctx - prompt_len + 1)

    def _generate_once(self, ids: list[int], settings: SamplingSettings, seed: int, on_text, cancel,
                       extra_logits_processors, steering, t0: float, *, prompt_text: str | None = None,
                       sentence_stop: bool = False, min_new: int | None = None,
                       narration_start: int | None = None):
        """One decode from ``ids``: (result, steering run or None). The caller commits the run (``finish``)
        when it keeps the result: a sentence candidate that loses must leave the plugins' state as it was."""
        prompt_len = len(ids)
        budget = self._reserve = self._budget(prompt_len, settings)
        min_new = min(settings.min_new_tokens if min_new is None else min_new, budget)
        rng = torch.Generator(device=self.device)
        rng.manual_seed(int(seed))
        procs, warpers, top_k = self._sampler(settings, prompt_len, min_new, extra_logits_processors,
                                              narration_start)
        stops = list(settings.stop_strings)
        detok = IncrementalDetokenizer(self.tokenizer, ids)
        words = None
        if settings.known_words:
            words = self._known_words(prompt_text if prompt_text is not None else self.decode(ids))

        if cancel is not None and cancel.is_set():
            raise GenerationCancelled()
        run = steering.start(self, ids, prompt_len, settings) if steering is not None else None
        try:
            result = self._decode(ids, prompt_len, settings, budget, min_new, seed, rng, procs, warpers, top_k,
                                  stops, settings.greedy, detok, self._ids_buf, on_text, cancel, t0, run, words,
                                  sentence_stop)
        except BaseException:
            if run is not None:
                run.close()
                self._drop_dirty(run)
            raise
        return result, run

    def _generate_by_sentence(self, ids: list[int], settings: SamplingSettings, seed: int, on_text, cancel,
                              extra_logits_processors, steering, t0: float,
                              prompt_text: str | None = None) -> GenerationResult:
        """Sentence candidates: sample ``settings.sentence_candidates`` versions of each sentence from the same
        context, keep the best (see ``_ranker``), stream it whole, and go on from it.

        A small model that writes one broken sentence in three usually also wrote a sound one among a few
        tries; the model's own likelihood tells them apart. Each candidate is a normal decode (known words,
        penalties, steering, cancellation all apply) that stops after its first sentence; the cache is cut back
        to the shared context between candidates, so a candidate costs only its own tokens.
        """
        n = settings.sentence_candidates
        budget = self._budget(len(ids), settings)
        context = list(ids)
        # The text of the context, for the known-word filter: decoded once, then extended by each kept sentence.
        context_text = prompt_text if prompt_text is not None else self.decode(ids)
        kept: list[int] = []
        text = ""
        sampled = 0
        finish = "length"
        ttft = 0.0
        first: GenerationResult | None = None
        sentence = 0
        while len(kept) < budget:
            left = budget - len(kept)
            step_settings = settings.with_overrides(max_new_tokens=left) if left != settings.max_new_tokens \
                else settings
            min_new = max(settings.min_new_tokens - len(kept), 0)
            seeds = [candidate_seed(seed, sentence, k) for k in range(n)]
            candidates: list[tuple[GenerationResult, object]] = []
            if steering is None:
                # One batched decode for all the candidates: a batch of 4 costs about 1.8x one row on a CPU.
                results = self._sentence_batch(context, step_settings, seeds, cancel, extra_logits_processors,
                                               min_new, t0, context_text, narration_start=len(ids))
                candidates = [(r, None) for r in results]
            else:
                # Steering runs per sequence (its plugins keep per-token state), so one candidate at a time.
                for cand_seed in seeds:
                    result, run = self._generate_once(context, step_settings, cand_seed, None, cancel,
                                                      extra_logits_processors, steering, t0, prompt_text=context_text,
                                                      sentence_stop=True, min_new=min_new,
                                                      narration_start=len(ids))
                    candidates.append((result, run))
                    if self._ends_narration(candidates[0][0]):
                        break  # no need for the others
            # Whether to end is decided by the first candidate alone, a plain draw, so narrations keep the
            # length the model gives them; which sentence comes next is the best-scored one.
            if self._ends_narration(candidates[0][0]):
                candidates = candidates[:1]
            first = first or candidates[0][0]
            sampled += sum(r.new_tokens for r, _ in candidates)
            scores = self._candidate_scores([r for r, _ in candidates])
            rank = self._ranker(context_text, first=sentence == 0)
            keys = [rank(r, score, k) for k, ((r, _), score) in enumerate(zip(candidates, scores))]
            pick = max(range(len(candidates)), key=keys.__getitem__)
            best, run = candidates[pick]  # (every run is closed already)
            complete = keys[pick][0]
            if not complete and text and settings.trim_to_sentence:
                finish = "sentence"  # out of budget mid-sentence: end on the last whole one
                break
            if run is not None:
                run.finish(best.text)
            if not ttft:
                ttft = time.perf_counter() - t0
            if on_text is not None and best.text:
                on_text(best.text)
            text += best.text
            context_text += best.text
            kept += best.token_ids
            context += best.token_ids
            sentence += 1
            if best.finish_reason != "sentence_end":
                finish = best.finish_reason
                break
            if not best.token_ids:
                finish = "eos"  # a sentence end with no whole token before it: never loop without progress
                break
        return GenerationResult(
            text=text, token_ids=kept, finish_reason=finish, prompt_tokens=len(ids),
            reused_tokens=first.reused_tokens if first else 0,
            processed_tokens=first.processed_tokens if first else 0,
            seconds=time.perf_counter() - t0, ttft_seconds=ttft, seed=seed, new_tokens=sampled,
            candidates=n,
        )

    def _final_text(self, detok: IncrementalDetokenizer, finish: str, stop_at: int | None, n_generated: int,
                    settings: SamplingSettings) -> tuple[str, str, int]:
        """(text, finish reason, kept tokens) at the end of a decode: the stop string or the text after a
        sentence end dropped, or an unfinished sentence trimmed when the budget ran out."""
        if finish in ("stop_string", "sentence_end"):
            text = detok.text[:stop_at]
        else:
            detok.flush()
            text = detok.text
            if finish == "length" and settings.trim_to_sentence:
                trimmed = trim_to_sentence_end(text)
                if trimmed is not None:
                    text, finish = trimmed, "sentence"
        kept = self._kept_tokens(detok, len(text), n_generated - (finish == "eos"))
        if finish == "sentence_end":
            # A token that straddles the cut is not kept: end the text with the kept tokens, so the next
            # sentence (which continues from them) starts exactly where this text stops.
            text = detok.text[:detok.offsets[kept - 1]] if kept else ""
        return text, finish, kept

    def _sentence_batch(self, context: list[int], settings: SamplingSettings, seeds: list[int], cancel,
                        extra_logits_processors, min_new: int, t0: float,
                        context_text: str | None = None,
                        narration_start: int | None = None) -> list[GenerationResult]:
        """One sentence from ``context`` per seed, decoded as one batch (unsteered): what ``_generate_once``
        with ``sentence_stop`` gives for each seed, in lockstep, dropping rows from the batch as they finish.
        The generator's own cache ends holding ``context``; the batch works on a copy of it."""
        prompt_len = len(context)
        budget = self._budget(prompt_len, settings)
        min_new = min(min_new, budget)
        procs, warpers, top_k = self._sampler(settings, prompt_len, min_new, extra_logits_processors,
                                              narration_start)
        stops = list(settings.stop_strings)
        words = None
        if settings.known_words:
            words = self._known_words(context_text if context_text is not None else self.decode(context))
        if cancel is not None and cancel.is_set():
            raise GenerationCancelled()
        logits, reused = self._prefill(context, cancel)
        if top_k >= logits.shape[-1]:
            top_k = 0
        n = len(seeds)
        cache = GrowableCache(self.model.config, prompt_len + budget, max_capacity=self.n_ctx + 1)
        for layer, src in zip(cache.layers, self._cache.layers):
            layer.update(src.keys.expand(n, -1, -1, -1), src.values.expand(n, -1, -1, -1))
        ids = torch.zeros((n, prompt_len + budget), dtype=torch.long, device=self.device)
        ids[:, :prompt_len] = torch.as_tensor(context, dtype=torch.long, device=self.device)
        logits = logits.expand(n, -1)
        rngs = [torch.Generator(device=self.device).manual_seed(int(sd)) for sd in seeds]
        detoks = [IncrementalDetokenizer(self.tokenizer, context) for _ in seeds]
        generated: list[list[int]] = [[] for _ in seeds]
        logprobs: list[list[float]] = [[] for _ in seeds]
        finish = ["length"] * n
        stop_at: list[int | None] = [None] * n
        ttft = 0.0
        open_run = [words.prompt_run if words is not None else ""] * n
        active = list(range(n))  # rows still decoding, in cache-row order
        cur = prompt_len
        for step in range(budget):
            if cancel is not None and cancel.is_set():
                raise GenerationCancelled()
            if step:
                out = self.model(input_ids=ids[active, cur - 1:cur], past_key_values=cache, **self._forward_kwargs)
                cache = out.past_key_values
                logits = out.logits[:, -1, :]
            scores = logits if logits.dtype == torch.float32 else logits.float()
            model_logprobs = torch.log_softmax(scores, dim=-1)  # what candidates are ranked by (temperature 1)
            context_rows = ids[active, :cur]
            if procs:
                scores = procs(context_rows, scores)
            done: list[int] = []
            for j, row in enumerate(active):
                token = self._pick_token(scores[j:j + 1], context_rows[j:j + 1], warpers, top_k, settings.greedy,
                                         rngs[row], words, open_run[row])
                logprobs[row].append(float(model_logprobs[j, token]))
                generated[row].append(token)
                if token in self._eos:
                    finish[row] = "eos"
                    done.append(j)
                    continue
                ids[row, cur] = token
                delta = detoks[row].add(token)
                if not delta:
                    continue
                if words is not None:
                    open_run[row] = trailing_run(open_run[row] + delta)
                text = detoks[row].text
                found = find_stop(text, stops, len(text) - len(delta)) if stops else None
                if found is not None:
                    finish[row], stop_at[row] = "stop_string", found[0]
                    done.append(j)
                    continue
                cut = first_sentence_break(text, len(text) - len(delta) - 4)
                if cut is not None:
                    finish[row], stop_at[row] = "sentence_end", cut
                    done.append(j)
            if not step:
                ttft = time.perf_counter() - t0
            cur += 1
            if done:
                keep = [j for j in range(len(active)) if j not in done]
                if not keep:
                    break
                cache.batch_select_indices(torch.as_tensor(keep, dtype=torch.long, device=self.device))
                active = [active[j] for j in keep]
        results = []
        for row in range(n):
            text, reason, kept = self._final_text(detoks[row], finish[row], stop_at[row], len(generated[row]),
                                                  settings)
            results.append(GenerationResult(
                text=text, token_ids=generated[row][:kept], finish_reason=reason, prompt_tokens=prompt_len,
                reused_tokens=reused, processed_tokens=prompt_len - reused,
                seconds=time.perf_counter() - t0, ttft_seconds=ttft, seed=int(seeds[row]),
                new_tokens=len(generated[row]), logprob=sum(logprobs[row][:kept]),
            ))
        return results

    @staticmethod
    def _ends_narration(result: GenerationResult) -> bool:
        """A candidate with no text that stopped on EOS or a stop string: the model ends the narration here."""
        return not result.token_ids and result.finish_reason != "length"

    @staticmethod
    def _whole(result: GenerationResult) -> bool:
        """Whether a candidate is a whole, well-formed unit of text: not cut by the budget, and its quotes
        open and close where dialogue does (so not left inside an open quote either). A candidate that is
        not whole loses to any that is, whatever the scores."""
        if result.finish_reason == "length":
            return False
        return quotes_well_formed(result.text)

    @staticmethod
    def _repeats(result: GenerationResult, context_text: str) -> bool:
        """Whether a candidate sentence is already, word for word, in the story so far (this narration
        included). The model rates a sentence it has just read as very likely, so without this a narration can
        say the same sentence twice in a row; a repeat loses to any fresh candidate, whatever the scores."""
        sentence = result.text.strip()
        return len(sentence) >= REPEAT_MIN_CHARS and sentence in context_text

    @classmethod
    def _ranker(cls, context_text: str, first: bool) -> Callable[[GenerationResult, float, int], tuple]:
        """The key the candidates of one sentence are compared by (the largest wins), given the story so far:
        whole before cut, fresh before repeated, in the story's tense before not, without stutter before with,
        and for a narration's ``first`` sentence one that takes up the line it follows before one that does
        not (see sentence_rules); then by score (argument 2, from ``_candidate_scores``), then the earlier draw
        (``k``). The story's tense and that line are read once per sentence, not once per candidate."""
        tense = story_tense(context_text)
        lead = lead_line(context_text) if first else None

        def key(result: GenerationResult, score: float, k: int) -> tuple:
            return (cls._whole(result), not cls._repeats(result, context_text), keeps_tense(result.text, tense),
                    not stutters(result.text), lead is None or takes_up(result.text, lead), score, -k)
        return key

    @staticmethod
    def _candidate_scores(results: list[GenerationResult]) -> list[float]:
        """The log-probability of each candidate in the story, summed over its tokens (-inf: no tokens).

        Why the sum: blind judges labelled 2,061 narration sentences good, odd or broken, and the score that
        told broken sentences from the rest was the plain likelihood (AUC 0.71), while the mean per token minus
        half the mean out of context, which used to rank candidates, told them apart no better than chance
        (0.49). The sum leans to shorter sentences, and a small model goes wrong more often the longer a
        sentence runs (judged sentences averaged 8.5 tokens good, 10.6 broken). In play it cut broken
        sentences from 12.1% to 7.4% over two blind rounds (about 1,550 sentences)."""
        return [r.logprob if r.token_ids else float("-inf") for r in results]

    def _decode(self, ids, prompt_len, settings, budget, min_new, seed, rng, procs, warpers, top_k, stops, greedy,
                detok, buf, on_text, cancel, t0, run, words=None, sentence_stop=False) -> GenerationResult:
        """The body of ``generate`` after the sampler is set up (``run``: the steering runner or None;
        ``words``: the known-word filter or None; ``sentence_stop``: end after the first whole sentence, with
        finish reason "sentence_end", and add up the log-probabilities a sentence candidate is ranked by)."""
        if run is None:
            logits, reused = self._prefill(ids, cancel)
        else:
            logits, reused = self._prefill_steered(ids, cancel, run)
        if top_k >= logits.shape[-1]:
            top_k = 0  # keeping every token is no filter

        generated: list[int] = []
        logprobs: list[float] = []
        finish = "length"
        stop_at: int | None = None
        streamed = 0
        scanned = 0
        ttft = 0.0
        cur = prompt_len
        open_run = words.prompt_run if words is not None else ""
        for step in range(budget):
            if cancel is not None and cancel.is_set():
                raise GenerationCancelled()
            if step:
                if run is None:
                    logits = self._forward(cur - 1, cur)
                else:
                    with run.forward_step(cur - 1):
                        logits = self._forward(cur - 1, cur)
            scores = logits if logits.dtype == torch.float32 else logits.float()
            context = buf[:, :cur]
            if run is not None:
                scores = run.logits(scores, context, step, cur - 1, self._cache)
            model_scores = scores
            if procs:
                scores = procs(context, scores)
            token = self._pick_token(scores, context, warpers, top_k, greedy, rng, words, open_run)
            if not step:
                ttft = time.perf_counter() - t0
            if sentence_stop:
                logprobs.append(float(torch.log_softmax(model_scores[0], dim=-1)[token]))
            if run is not None:
                run.on_token(token)
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
            if words is not None:
                open_run = trailing_run(open_run + delta)
            text = detok.text
            if stops:
                found = find_stop(text, stops, scanned)
                scanned = len(text)
                if found is not None:
                    finish, stop_at = "stop_string", found[0]
                    break
            if sentence_stop:
                cut = first_sentence_break(text, len(text) - len(delta) - 4)
                if cut is not None:
                    finish, stop_at = "sentence_end", cut
                    break
            if stops:
                stable = len(text) - stop_holdback(text, stops)
            else:
                stable = len(text)
            if on_text is not None and stable > streamed:
                on_text(text[streamed:stable])
                streamed = stable

        # ---- finish: final text, trimming, the rest of the stream
        text, finish, kept = self._final_text(detok, finish, stop_at, len(generated), settings)
        retracted = ""
        if on_text is not None:
            if len(text) > streamed:
                on_text(text[streamed:])
            elif streamed > len(text):
                retracted = detok.text[len(text):streamed]
        if run is not None:
            run.close()
            self._restore_clean(run, cancel)  # (the caller commits the run's plugin states with run.finish)
        return GenerationResult(
            text=text, token_ids=generated[:kept], finish_reason=finish,
            prompt_tokens=prompt_len, reused_tokens=reused, processed_tokens=prompt_len - reused,
            seconds=time.perf_counter() - t0, ttft_seconds=ttft, retracted=retracted, seed=int(seed),
            new_tokens=len(generated), logprob=sum(logprobs[:kept]),
        )

    def _pick_token(self, scores: torch.Tensor, context: torch.Tensor, warpers, top_k: int, greedy: bool,
                    rng: torch.Generator, words: KnownWordFilter | None, open_run: str) -> int:
        """The next token of one sequence from its processed scores ``[1, vocab]``: greedy, or warped and
        sampled among the top-k (all tokens when top_k is 0), keeping to known words when ``words`` is set."""
        if words is not None:
            return self._sample_known(scores, context, warpers, top_k, greedy, rng, words, open_run)
        if greedy:
            return int(torch.argmax(scores, dim=-1))
        if top_k:
            top_scores, top_ids = torch.topk(scores, top_k, dim=-1)
            if warpers:
                top_scores = warpers(context, top_scores)
            pick = torch.multinomial(torch.softmax(top_scores, dim=-1), 1, generator=rng)
            return int(top_ids[0, int(pick)])
        if warpers:
            scores = warpers(context, scores)
        return int(torch.multinomial(torch.softmax(scores, dim=-1), 1, generator=rng))

    # ------------------------------------------------------------------------------------------ known words
    def _known_words(self, prompt_text: str) -> KnownWordFilter | None:
        """The known-word filter for one call (None when the model ships no lexicon)."""
        if self.lexicon is None:
            return None
        if self._pieces is None:
            self._pieces = token_pieces(self.tokenizer, self._vocab_rows)
            whole = sum(p is not None for p in self._pieces)
            if whole < 0.5 * len(self._pieces):
                # Byte-level vocabularies (KoGPT's) spell most syllables over several tokens, which this
                # per-token check cannot judge: known-word decoding would forbid most Korean.
                self.lexicon = None
                return None
        return KnownWordFilter(self.lexicon, self._pieces, self.eos_token_ids, prompt_text)

    def _sample_known(self, scores: torch.Tensor, context: torch.Tensor, warpers, top_k: int, greedy: bool,
                      rng: torch.Generator, words: KnownWordFilter, open_run: str) -> int:
        """Sample among the candidates that keep every word known: mask the others, then warp and sample.

        The candidates are the top-k (or the KNOWN_WORDS_CANDIDATES likeliest when top_k is off). If none of
        them fits, the likeliest fitting token of the whole vocabulary is taken; if no token fits at all, the
        unconstrained choice (the narrator must never get stuck on a word it cannot finish).
        """
        k = min(top_k or KNOWN_WORDS_CANDIDATES, scores.shape[-1])
        top_scores, top_ids = torch.topk(scores, k, dim=-1)
        cand = top_ids[0].tolist()
        finite = torch.isfinite(top_scores[0]).tolist()
        ok = [f and words.allows(open_run, t) for t, f in zip(cand, finite)]
        if not any(ok):
            order = torch.argsort(scores[0], descending=True).tolist()
            row = scores[0]
            for t in order[k:]:
                if not torch.isfinite(row[t]):
                    break
                if words.allows(open_run, t):
                    return t
            ok = finite  # nothing fits: sample as if the filter were off
        if greedy:
            return cand[ok.index(True)]
        if not all(ok):
            top_scores = top_scores.masked_fill(~torch.tensor([ok], device=top_scores.device), float("-inf"))
        if warpers:
            top_scores = warpers(context, top_scores)
        pick = torch.multinomial(torch.softmax(top_scores, dim=-1), 1, generator=rng)
        return int(cand[int(pick)])

    # ------------------------------------------------------------------------------------------ steering
    def _sync_cache(self, ids: list[int], n: int, cancel: threading.Event | None) -> int:
        """Bring the cache to exactly ``ids[:n]`` (reusing the common prefix); returns the tokens reused."""
        if self._cache is not None and self._cache.get_seq_length() != len(self._cached_ids):
            self._cache, self._cached_ids = None, []
        common = min(_common_prefix_len(self._cached_ids, ids), n)
        if common == 0:
            self._cache, self._cached_ids = None, []
        elif common < len(self._cached_ids):
            self._cache.crop(common - len(self._cached_ids))
            del self._cached_ids[common:]
        if self._cache is None:
            self._cache = self._new_cache(len(ids))
        self._ids_buf[0, :len(ids)] = torch.as_tensor(ids, dtype=torch.long)
        start = common
        while start < n:
            if cancel is not None and cancel.is_set():
                raise GenerationCancelled()
            end = min(n, start + PREFILL_CHUNK)
            self._forward(start, end)
            start = end
        return common

    def _prefill_steered(self, ids: list[int], cancel: threading.Event | None, run) -> tuple[torch.Tensor, int]:
        """Like ``_prefill``, but the last prompt token runs as the first steered step (so activation edits
        and hidden-state captures see it)."""
        n = len(ids) - 1
        reused = self._sync_cache(ids, n, cancel)
        if cancel is not None and cancel.is_set():
            raise GenerationCancelled()
        with run.forward_step(n):
            logits = self._forward(n, n + 1)
        return logits, reused

    def _drop_dirty(self, run) -> None:
        """After a failed steered call: drop the positions whose keys/values an activation edit changed."""
        d = getattr(run, "dirty_from", None)
        if d is None or self._cache is None or d >= len(self._cached_ids):
            return
        self._cache.crop(d - len(self._cached_ids))
        del self._cached_ids[d:]

    def _restore_clean(self, run, cancel: threading.Event | None) -> None:
        """After a steered call: recompute cleanly the positions an activation edit changed, so the cache holds
        exactly the unsteered keys/values of prompt + narration (what the next turn reuses)."""
        d = getattr(run, "dirty_from", None)
        if d is None or self._cache is None or d >= len(self._cached_ids):
            return
        tail = self._cached_ids[d:]
        self._drop_dirty(run)
        self._ids_buf[0, d:d + len(tail)] = torch.as_tensor(tail, dtype=torch.long)
        start, end_all = d, d + len(tail)
        while start < end_all:
            end = min(end_all, start + PREFILL_CHUNK)
            self._forward(start, end)
            start = end

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
