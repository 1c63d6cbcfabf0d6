"""The language-model narrator, and the factory that picks a narrator for ``adventure play``.

Loading can fail for many reasons outside the game (no bundled model yet, hub unreachable, not enough
memory): the factory then returns the authored-fallback narrator and one sentence saying why, so the
game always starts.
"""

from __future__ import annotations

import threading
from typing import Any

from ..context.ledger import ContextLedger
from ..context.manager import ContextConfig, ContextInput, ContextManager
from .narrator import FallbackNarrator, Narration, NarrationCancelled, NarrationError, NarrationRequest, OnText

FALLBACK_SPECS = {"fallback", "none", "authored"}


class ModelNarrator:
    """Narrates with a loaded causal LM through our generation loop (which keeps and reuses the KV cache).

    The prompt comes from a :class:`ContextManager` that lives as long as the model, so its sticky layout
    matches what the generator's cache holds. ``last_ledger`` (a plain dataclass) and ``last_info`` (a dict
    with ``prompt_tokens``, ``reused_tokens``, ``processed_tokens`` and the ledger rows) describe the last
    narration for ``/context`` and the TUI.
    """

    def __init__(self, loaded: Any, context_config: ContextConfig | None = None):
        from ..generation.loop import Generator
        from ..generation.settings import SamplingSettings

        self.loaded = loaded
        self.name = loaded.name
        self.generator = Generator(loaded)
        preset_defaults = dict(loaded.preset.default_sampling) if loaded.preset else {}
        self.base_settings = SamplingSettings().with_overrides(**preset_defaults)
        self.context = ContextManager(self.generator.encode, loaded.n_ctx, context_config)
        self.last_info: dict[str, Any] = {}
        self.last_ledger: ContextLedger | None = None
        self.last_prompt_ids: list[int] = []

    def settings_for(self, request: NarrationRequest):
        allowed = type(self.base_settings).model_fields
        overrides = {k: v for k, v in request.sampling.items() if k in allowed}
        if request.max_new_tokens:
            overrides["max_new_tokens"] = request.max_new_tokens
        return self.base_settings.with_overrides(**overrides)

    def steering_session(self, request: NarrationRequest, notices: list[str]):
        """The steering plugins for this request's attributes, or None when nothing steers.

        Steering can never stop a turn: if the plugins cannot even be set up, the turn runs unsteered and the
        reason is shown as a notice.
        """
        if not any(request.steer.values()):
            return None
        try:
            from ..steering.session import SteeringSession

            return SteeringSession.for_request(request.steer, self.loaded, state=request.state.plugin_state,
                                               methods=request.steer_methods, on_notice=notices.append)
        except Exception as exc:
            notices.append(f"steering is off for this turn: {type(exc).__name__}: {exc}"[:200])
            return None

    @staticmethod
    def filter_input(text: str, methods: list[str] | None, notices: list[str]) -> str:
        """The player's free text through the steering plugins' input hooks (a plugin that raises is skipped)."""
        try:
            from ..steering.session import filter_input

            return filter_input(text, on_notice=notices.append, methods=methods)
        except Exception as exc:
            notices.append(f"input hooks skipped: {type(exc).__name__}: {exc}"[:200])
            return text

    def assemble(self, request: NarrationRequest, max_new_tokens: int):
        """This turn's prompt (ids + ledger), laid out against what the generator's cache holds now."""
        inp = ContextInput.from_request(request, self.context.entries_for(request.pack.world_info))
        return self.context.assemble(inp, max_new_tokens, cached_ids=self.generator.cached_token_ids)

    def narrate(self, request: NarrationRequest, on_text: OnText, cancel: threading.Event) -> Narration:
        from ..generation.loop import GenerationCancelled

        settings = self.settings_for(request)
        assembly = self.assemble(request, settings.max_new_tokens)
        if assembly.max_new_tokens != settings.max_new_tokens:
            settings = settings.with_overrides(max_new_tokens=assembly.max_new_tokens,
                                               min_new_tokens=min(settings.min_new_tokens, assembly.max_new_tokens))
        ledger = assembly.ledger
        self.last_prompt_ids = list(assembly.ids)
        notices: list[str] = []
        session = self.steering_session(request, notices)
        try:
            result = self.generator.generate(assembly.ids, settings, seed=request.seed, on_text=on_text,
                                             cancel=cancel, steering=session)
        except GenerationCancelled:
            raise NarrationCancelled() from None
        except Exception as exc:
            raise NarrationError(f"{type(exc).__name__}: {exc}") from exc
        ledger.record_generation(result)
        self.last_ledger = ledger
        info = ledger.info()
        if session is not None:
            # The work state is committed only with the turn, so plugin state follows undo and saves.
            request.state.plugin_state = session.snapshot()
            info["steering"] = dict(session.steer)
        text = result.text.strip() if session is None else session.filter_output(result.text).strip()
        if notices:  # after the output hooks, which may add one
            info["notices"] = notices  # the engine shows each one (a plugin that failed this turn, ...)
        self.last_info = info
        if not text:
            text = request.fallback.strip()
            return Narration(text, "fallback", {**info, "reason": "empty generation"})
        # The next prompt uses the model's own tokens for this passage when they spell exactly its text, so the
        # cache (which holds them) extends straight into the next turn.
        if result.token_ids and self.generator.decode(result.token_ids).strip() == text:
            self.context.remember(text, result.token_ids)
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
