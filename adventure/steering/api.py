"""The plugin API: what a plugin implements and what it is given.

A plugin is any object with a ``name`` that implements some of the hooks of :class:`Plugin` (subclassing it
is convenient, not required). Per token, the session calls the hooks in this order:

1. ``perturb_past(step)``       return steered logits computed over a perturbed past (PPLM), or None;
2. ``activation_edits(turn)``   {block index: fn(hidden) -> hidden}, applied to that block's output in the
                                 forward pass of every generated position (installed once per turn);
3. ``edit_logits(input_ids, scores, turn)`` / ``logits_processors(turn)``: edit the steered scores, shaped
                                 like transformers' ``LogitsProcessor`` (any LogitsProcessor fits);
4. ``fuse(steered, plain, step)`` mix the steered scores with the unsteered stream's;
5. ``on_token(token_id, step)``  per-token state update.

Around them: ``setup(model)`` once per loaded model, ``begin_turn(turn)`` / ``end_turn(turn, text)`` per
generation (with sentence candidates, per candidate sentence; only the kept candidate's ``end_turn`` runs), ``on_input(text)`` / ``on_output(text, turn)`` text hooks, and ``state`` snapshots: whatever a
plugin keeps in ``turn.state`` (a JSON-serialisable dict) is saved with the game (``GameState.plugin_state``),
so undo and loading a save restore it. A plugin that raises is switched off for the rest of the turn with a
one-line notice; the turn goes on without it.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Sequence

import torch

HOOK_NAMES = ("perturb_past", "activation_edits", "edit_logits", "logits_processors", "fuse", "on_token",
              "on_input", "on_output")
HOOK_LABELS = {"perturb_past": "past", "activation_edits": "activations", "edit_logits": "logits",
               "logits_processors": "logits", "fuse": "fusion", "on_token": "token-state",
               "on_input": "input-text", "on_output": "output-text"}


@dataclasses.dataclass
class StepContext:
    """One decoding step, as the per-token hooks see it."""

    index: int                     # 0 for the first generated token
    position: int                  # absolute position of the token whose next-token logits these are
    input_ids: torch.Tensor        # [1, position + 1]: prompt + generated so far
    prompt_len: int
    plain_logits: torch.Tensor     # [1, vocab] float32 logits of the unsteered stream at this step
    cache: Any                     # the generator's KV cache: the clean keys/values; READ ONLY
    tail: bytes = b""              # the context's bytes since the last word boundary (see bags.next_tail)
    hidden: dict = dataclasses.field(default_factory=dict)   # captured hidden states (see Plugin.capture)

    @property
    def generated(self) -> list[int]:
        return self.input_ids[0, self.prompt_len:].tolist()


@dataclasses.dataclass
class TurnContext:
    """One generation, as a plugin sees it."""

    model: Any                      # adventure.steering.model_access.ModelContext
    steer: dict[str, float]         # canonical attribute name -> strength, only attributes this plugin handles
    attributes: dict[str, Any]      # canonical name -> Attribute
    state: dict[str, Any]           # this plugin's persistent state (JSON-serialisable); saved with the game
    options: dict[str, Any]         # per-call options for this plugin (benchmarks, CLI flags)
    prompt_len: int = 0
    settings: Any = None            # the SamplingSettings of this generation
    notice: Callable[[str], None] = lambda message: None
    step: StepContext | None = None  # the current step (for LogitsProcessor-style hooks)
    stats: dict[str, float] = dataclasses.field(default_factory=dict)   # free-form counters for benchmarks

    def param(self, attr: str, plugin: str, key: str, default: Any) -> Any:
        """A parameter: per-call option > the attribute file's ``params.<plugin>.<key>`` > ``default``."""
        if key in self.options:
            return self.options[key]
        a = self.attributes.get(attr)
        if a is not None:
            value = a.plugin_params(plugin).get(key)
            if value is not None:
                return value
        return default


class Plugin:
    """Base class with no-op hooks. Override only what you need; ``hooks`` lists what you overrode."""

    name: str = "plugin"
    version: str = "0"
    description: str = ""
    # Canonical attribute names this plugin steers; None = every attribute that has the data it needs
    # (see ``handles``). A plugin with no steering hooks ignores this.
    attributes: frozenset[str] | None = None
    # Steering methods compete (PPLM, logit bias and activation addition all steer 공포): only the enabled
    # ones run. A plugin that is not enabled by default runs when named in ``methods``.
    default_enabled: bool = True
    # Block indices whose INPUT hidden state the plugin wants each step (step.hidden[i]); negative = from the
    # end; "final" = the final normed hidden of the position (after ln_f).
    capture: Sequence[int | str] = ()

    # ---- lifecycle
    def setup(self, model) -> None:
        """Once per loaded model (``model`` is a ModelContext): build indexes, load vectors."""

    def handles(self, attribute) -> bool:
        """Whether this plugin can steer ``attribute`` (an Attribute) on the current model."""
        return self.attributes is None or attribute.name in self.attributes

    def begin_turn(self, turn: TurnContext) -> None:
        """Before the first token of a generation."""

    def end_turn(self, turn: TurnContext, text: str) -> None:
        """After the last token (text = the generated text); not called when the turn failed."""

    # ---- per token, in this order
    def perturb_past(self, step: StepContext) -> torch.Tensor | None:
        raise NotImplementedError

    def activation_edits(self, turn: TurnContext) -> dict[int, Callable[[torch.Tensor], torch.Tensor]]:
        raise NotImplementedError

    def edit_logits(self, input_ids: torch.Tensor, scores: torch.Tensor, turn: TurnContext) -> torch.Tensor:
        raise NotImplementedError

    def logits_processors(self, turn: TurnContext) -> Sequence[Any]:
        raise NotImplementedError

    def fuse(self, steered: torch.Tensor, plain: torch.Tensor, step: StepContext) -> torch.Tensor:
        raise NotImplementedError

    def on_token(self, token_id: int, step: StepContext) -> None:
        raise NotImplementedError

    # ---- text
    def on_input(self, text: str) -> str:
        raise NotImplementedError

    def on_output(self, text: str, turn: TurnContext) -> str:
        raise NotImplementedError


def implemented_hooks(plugin: Any) -> list[str]:
    """Hook names ``plugin`` really implements (overridden from Plugin, or present on a duck-typed object)."""
    out = []
    for name in HOOK_NAMES:
        fn = getattr(type(plugin), name, None) or getattr(plugin, name, None)
        if fn is None:
            continue
        base = getattr(Plugin, name, None)
        if isinstance(plugin, Plugin) and fn is base:
            continue
        out.append(name)
    return out


def hook_labels(plugin: Any) -> list[str]:
    return list(dict.fromkeys(HOOK_LABELS[h] for h in implemented_hooks(plugin)))
