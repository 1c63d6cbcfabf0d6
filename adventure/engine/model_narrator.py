"""The language-model narrator, and the factory that picks a narrator for ``adventure play``.

Loading can fail for many reasons outside the game (no bundled model yet, hub unreachable, not enough
memory): the factory then returns the authored-fallback narrator and one sentence saying why, so the
game always starts.
"""

from __future__ import annotations

import threading
from typing import Any

from .narrator import FallbackNarrator, Narration, NarrationCancelled, NarrationError, NarrationRequest, OnText
from .prompt import build_prompt

FALLBACK_SPECS = {"fallback", "none", "authored"}


class ModelNarrator:
    """Narrates with a loaded causal LM through our generation loop (which keeps and reuses the KV cache)."""

    def __init__(self, loaded: Any):
        from ..generation.loop import Generator
        from ..generation.settings import SamplingSettings

        self.loaded = loaded
        self.name = loaded.name
        self.generator = Generator(loaded)
        preset_defaults = dict(loaded.preset.default_sampling) if loaded.preset else {}
        self.base_settings = SamplingSettings().with_overrides(**preset_defaults)
        self.last_info: dict[str, Any] = {}

    def settings_for(self, request: NarrationRequest):
        allowed = type(self.base_settings).model_fields
        overrides = {k: v for k, v in request.sampling.items() if k in allowed}
        if request.max_new_tokens:
            overrides["max_new_tokens"] = request.max_new_tokens
        return self.base_settings.with_overrides(**overrides)

    def narrate(self, request: NarrationRequest, on_text: OnText, cancel: threading.Event) -> Narration:
        from ..generation.loop import GenerationCancelled

        settings = self.settings_for(request)
        budget = self.loaded.n_ctx - settings.max_new_tokens
        prompt, ledger = build_prompt(request, self.generator.count_tokens, budget)
        try:
            result = self.generator.generate(prompt, settings, seed=request.seed, on_text=on_text, cancel=cancel)
        except GenerationCancelled:
            raise NarrationCancelled() from None
        except Exception as exc:
            raise NarrationError(f"{type(exc).__name__}: {exc}") from exc
        info = {"finish_reason": result.finish_reason, "prompt_tokens": result.prompt_tokens,
                "reused_tokens": result.reused_tokens, "processed_tokens": result.processed_tokens,
                "seconds": round(result.seconds, 3), **ledger}
        self.last_info = info
        text = result.text.strip()
        if not text:
            text = request.fallback.strip()
            return Narration(text, "fallback", {**info, "reason": "empty generation"})
        return Narration(text, "model", info)


def build_narrator(spec: str | None, *, device: str = "auto", dtype: str = "auto",
                   allow_large_on_cpu: bool = False) -> tuple[Any, str | None]:
    """Return (narrator, problem). ``problem`` is a one-sentence reason when we fell back to authored text."""
    spec = spec or "bundled"
    if spec in FALLBACK_SPECS:
        return FallbackNarrator("authored text only"), None
    try:
        from ..models.loader import ModelLoadError, load_model
    except ImportError as exc:  # pragma: no cover - broken install
        return FallbackNarrator(str(exc)), f"model support is not installed ({exc})"
    try:
        loaded = load_model(spec, device=device, dtype=dtype, allow_large_on_cpu=allow_large_on_cpu)
        return ModelNarrator(loaded), None
    except ModelLoadError as exc:
        return FallbackNarrator(str(exc)), str(exc)
    except Exception as exc:
        reason = f"could not load model {spec!r}: {type(exc).__name__}: {exc}".splitlines()[0]
        return FallbackNarrator(reason), reason
