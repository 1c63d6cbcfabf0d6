"""A steering session: the plugins, attributes and state for one narration, and the per-token pipeline
the generator calls.

    session = SteeringSession.for_request(request.steer, loaded, state=state.plugin_state,
                                          on_notice=show_one_line)
    result = generator.generate(prompt, settings, seed=seed, on_text=..., steering=session)
    text = session.filter_output(result.text)
    state.plugin_state = session.snapshot()          # only when the turn is committed

Per token (inside ``Generator.generate``): the clean forward runs with the plugins' activation edits
installed as forward hooks, then ``perturb_past`` (steered logits over a perturbed past), logits edits, fusion
with the unsteered stream and the per-token state update. A plugin that raises anywhere is switched off for
the rest of the turn, its state for the turn is discarded, and one line goes to ``on_notice``/``notices``.
"""

from __future__ import annotations

import contextlib
import copy
import json
import time
from typing import Any, Callable, Iterable

import torch

from ..ui_text import t
from .api import StepContext, TurnContext, implemented_hooks
from .attributes import AttributeRegistry, builtin_attributes
from .bags import next_tail, tail_of
from .model_access import ModelContext
from .registry import PluginRegistry, default_registry

STEERING_HOOKS = {"perturb_past", "activation_edits", "edit_logits", "logits_processors", "fuse", "on_token"}


def model_context(loaded, attributes: AttributeRegistry | None = None) -> ModelContext:
    """The ModelContext of ``loaded``, created once and kept on the model (plugins' per-model data lives there)."""
    if attributes is not None:
        return ModelContext(loaded, attributes)
    mc = getattr(loaded.model, "_adventure_steering_ctx", None)
    if mc is None or mc.loaded is not loaded:
        mc = ModelContext(loaded)
        loaded.model._adventure_steering_ctx = mc
    return mc


def _one_line(exc: BaseException) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text[:200] + ("…" if len(text) > 200 else "")


def _jsonable(value: Any) -> Any:
    """A deep copy that is JSON-serialisable (tuples become lists); raises TypeError otherwise."""
    return json.loads(json.dumps(value, ensure_ascii=False))


class SteeringSession:
    """Plugins + attributes + state for one narration request. Cheap to create; inactive when nothing steers."""

    def __init__(self, steer: dict[str, float] | None, loaded=None, plugins: PluginRegistry | Iterable[Any] | None = None,
                 *, methods: Iterable[str] | None = None, options: dict[str, dict] | None = None,
                 state: dict[str, Any] | None = None, on_notice: Callable[[str], None] | None = None,
                 attributes: AttributeRegistry | None = None):
        if plugins is None:
            registry = default_registry()
        elif isinstance(plugins, PluginRegistry):
            registry = plugins
        else:
            registry = PluginRegistry.of(plugins)
            methods = methods if methods is not None else [p.name for p in registry.plugins]
        self.registry = registry
        self.attributes = attributes if attributes is not None else builtin_attributes()
        self.loaded = loaded
        self.options = {k: dict(v) for k, v in (options or {}).items()}
        self.on_notice = on_notice
        self.notices: list[str] = []
        self.failed: dict[str, str] = {}          # plugin name -> error (this turn)
        self.state: dict[str, Any] = copy.deepcopy(dict(state or {}))
        self.steer, unknown = self.attributes.resolve_steer(steer or {})
        for name in unknown:
            self._notice(t("steering.unknown_attribute", name=name,
                           known=", ".join(a.name + "/" + a.english for a in self.attributes)))
        methods = list(methods) if methods is not None else None
        if methods is not None:
            for name in methods:
                if registry.get(name) is None:
                    self._notice(t("steering.unknown_method", name=name))
        self.plugins: list[Any] = registry.enabled(methods)
        self.stats: dict[str, dict[str, float]] = {}
        self.last_run: _Run | None = None

    @classmethod
    def for_request(cls, steer: dict[str, float] | None, loaded, plugins=None, **kw) -> "SteeringSession":
        """The session for one ``NarrationRequest.steer`` (see the module docstring for the wiring)."""
        return cls(steer, loaded, plugins, **kw)

    # ------------------------------------------------------------------------------------------ notices/state
    def _notice(self, message: str) -> None:
        # One narration may run the plugins' turn hooks several times (sentence candidates start a steered
        # decode per sentence): the same line twice in one narration tells the player nothing new.
        if message in self.notices:
            return
        self.notices.append(message)
        if self.on_notice is not None:
            try:
                self.on_notice(message)
            except Exception:
                pass

    def fail(self, plugin: Any, exc: BaseException | str, where: str) -> None:
        name = getattr(plugin, "name", "?")
        if name in self.failed:
            return
        why = exc if isinstance(exc, str) else _one_line(exc)
        self.failed[name] = f"{where}: {why}"
        self._notice(t("steering.plugin_failed", name=name, error=why))

    def ok(self, plugin: Any) -> bool:
        return getattr(plugin, "name", "?") not in self.failed

    @property
    def active(self) -> bool:
        """True when some enabled plugin has steering hooks and some attribute has a non-zero strength."""
        return bool(self.steer) and any(STEERING_HOOKS & set(implemented_hooks(p)) for p in self.plugins)

    def snapshot(self) -> dict[str, Any]:
        """The plugins' persistent state (JSON-serialisable) for ``GameState.plugin_state``."""
        return copy.deepcopy(self.state)

    def restore(self, state: dict[str, Any] | None) -> None:
        self.state = copy.deepcopy(dict(state or {}))

    # ------------------------------------------------------------------------------------------ text hooks
    def filter_input(self, text: str) -> str:
        for plugin in self.plugins:
            if "on_input" in implemented_hooks(plugin) and self.ok(plugin):
                try:
                    out = plugin.on_input(text)
                    if not isinstance(out, str):
                        raise TypeError("on_input must return a string")
                    text = out
                except Exception as exc:
                    self.fail(plugin, exc, "on_input")
        return text

    def filter_output(self, text: str) -> str:
        run = self.last_run
        for plugin in self.plugins:
            if "on_output" in implemented_hooks(plugin) and self.ok(plugin):
                turn = run.turns.get(plugin.name) if run is not None else None
                if turn is None:
                    turn = self._turn(plugin, model_context(self.loaded) if self.loaded is not None else None)
                try:
                    out = plugin.on_output(text, turn)
                    if not isinstance(out, str):
                        raise TypeError("on_output must return a string")
                    text = out
                except Exception as exc:
                    self.fail(plugin, exc, "on_output")
        return text

    # ------------------------------------------------------------------------------------------ per turn
    def _turn(self, plugin, mc, steer: dict[str, float] | None = None) -> TurnContext:
        return TurnContext(
            model=mc, steer=dict(steer or {}),
            attributes={n: self.attributes.resolve(n) for n in (steer or {})},
            state=copy.deepcopy(self.state.get(plugin.name, {})),
            options=dict(self.options.get(plugin.name, {})), notice=self._notice)

    def _setup(self, plugin, mc: ModelContext) -> bool:
        done = mc.data.setdefault("__setup__", {})
        if done.get(plugin.name) is plugin:
            return True
        try:
            plugin.setup(mc)
        except Exception as exc:
            self.fail(plugin, exc, "setup")
            return False
        done[plugin.name] = plugin
        return True

    def start(self, generator, ids: list[int], prompt_len: int, settings) -> "_Run | None":
        """Called by ``Generator.generate``: the per-token runner, or None when nothing steers."""
        self.failed = {}
        self.last_run = None
        if not self.active:
            return None
        loaded = self.loaded if self.loaded is not None else generator.loaded
        self.loaded = loaded
        mc = model_context(loaded, None if self.attributes is builtin_attributes() else self.attributes)
        run = _Run(self, mc, generator, ids, prompt_len, settings)
        self.last_run = run
        if not run.plugins:
            run.close()
            self.last_run = None
            return None
        return run


class _Run:
    """The steering of one ``generate`` call (created by ``SteeringSession.start``)."""

    def __init__(self, session: SteeringSession, mc: ModelContext, generator, ids, prompt_len, settings):
        self.session = session
        self.mc = mc
        self.prompt_len = prompt_len
        self.turns: dict[str, TurnContext] = {}
        self.plugins: list[Any] = []
        self.in_step = False
        self.dirty_from: int | None = None
        self.hidden: dict[Any, torch.Tensor] = {}
        self._handles: list[Any] = []
        self._step_position = max(prompt_len - 1, 0)
        self.tail = tail_of(mc.table, ids) if prompt_len else b""
        self.step: StepContext | None = None
        self.timings: dict[str, float] = {}
        unhandled = set(session.steer)
        for plugin in session.plugins:
            hooks = set(implemented_hooks(plugin))
            if not hooks & STEERING_HOOKS:
                continue
            if not session._setup(plugin, mc):
                continue
            try:
                mine = {}
                for name, strength in session.steer.items():
                    attr = session.attributes.resolve(name)
                    if attr is not None and plugin.handles(attr):
                        mine[name] = strength
            except Exception as exc:
                session.fail(plugin, exc, "handles")
                continue
            if not mine:
                continue
            unhandled -= set(mine)
            turn = session._turn(plugin, mc, mine)
            turn.prompt_len = prompt_len
            turn.settings = settings
            try:
                plugin.begin_turn(turn)
            except Exception as exc:
                session.fail(plugin, exc, "begin_turn")
                continue
            self.turns[plugin.name] = turn
            self.plugins.append(plugin)
        if not session.failed:  # (a plugin that failed to start has already said so)
            for name in sorted(unhandled):
                session._notice(t("steering.unhandled", name=name))
        self._by_hook = {h: [p for p in self.plugins if h in implemented_hooks(p)] for h in STEERING_HOOKS}
        self._processors: dict[str, list] = {}
        for plugin in self._by_hook["logits_processors"]:
            try:
                self._processors[plugin.name] = list(plugin.logits_processors(self.turns[plugin.name]))
            except Exception as exc:
                session.fail(plugin, exc, "logits_processors")
        self._install_hooks()

    # ------------------------------------------------------------------------------------------ torch hooks
    def _install_hooks(self) -> None:
        mc = self.mc
        edits: dict[int, list[tuple[Any, Callable]]] = {}
        for plugin in self._by_hook["activation_edits"]:
            try:
                for layer, fn in dict(plugin.activation_edits(self.turns[plugin.name]) or {}).items():
                    idx = int(layer) % mc.n_layers
                    edits.setdefault(idx, []).append((plugin, fn))
            except Exception as exc:
                self.session.fail(plugin, exc, "activation_edits")
        self._edits = edits
        for idx, fns in edits.items():
            self._handles.append(mc.blocks[idx].register_forward_hook(self._edit_hook(fns)))
        captures: set = set()
        for plugin in self.plugins:
            for c in getattr(plugin, "capture", ()) or ():
                captures.add("final" if c == "final" else int(c) % (mc.n_layers + 1))
        for c in captures:
            if c == "final":
                if mc.final_norm is not None:
                    self._handles.append(mc.final_norm.register_forward_hook(self._capture_out("final")))
            elif c == mc.n_layers:
                if mc.final_norm is not None:  # input of "block n_layers" = input of the final norm
                    self._handles.append(mc.final_norm.register_forward_pre_hook(self._capture_in(c), with_kwargs=True))
            else:
                self._handles.append(mc.blocks[c].register_forward_pre_hook(self._capture_in(c), with_kwargs=True))

    def _capture_in(self, key):
        def hook(module, args, kwargs):
            h = args[0] if args else kwargs.get("hidden_states")
            if isinstance(h, torch.Tensor):
                self.hidden[key] = h[:, -1:]
            return None
        return hook

    def _capture_out(self, key):
        def hook(module, args, output):
            h = output[0] if isinstance(output, tuple) else output
            if isinstance(h, torch.Tensor):
                self.hidden[key] = h[:, -1:]
            return None
        return hook

    def _edit_hook(self, fns):
        def hook(module, args, output):
            if not self.in_step:
                return None
            h = output[0] if isinstance(output, tuple) else output
            changed = False
            for plugin, fn in fns:
                if not self.session.ok(plugin):
                    continue
                try:
                    new = fn(h)
                    if not isinstance(new, torch.Tensor) or new.shape != h.shape:
                        raise ValueError("an activation edit must return a tensor of the same shape")
                    if not bool(torch.isfinite(new).all()):
                        raise ValueError("an activation edit produced NaN or infinite values")
                    h = new
                    changed = True
                except Exception as exc:
                    self.session.fail(plugin, exc, "activation_edits")
            if not changed:
                return None
            if self.dirty_from is None:
                self.dirty_from = self._step_position
            return (h, *output[1:]) if isinstance(output, tuple) else h
        return hook

    @property
    def edits_activations(self) -> bool:
        return bool(self._edits)

    @contextlib.contextmanager
    def forward_step(self, position: int):
        """Around the generator's forward of the token at ``position`` (activation edits apply)."""
        self.in_step = True
        self._step_position = position
        try:
            yield
        finally:
            self.in_step = False

    def close(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []
        self.hidden = {}

    # ------------------------------------------------------------------------------------------ logits
    @staticmethod
    def _valid(scores: Any, like: torch.Tensor) -> str | None:
        if not isinstance(scores, torch.Tensor):
            return "did not return a tensor"
        if scores.shape != like.shape:
            return f"returned shape {tuple(scores.shape)} instead of {tuple(like.shape)}"
        if bool(torch.isnan(scores).any()):
            return "returned NaN scores"
        if not bool(torch.isfinite(scores).any()):
            return "removed every token"
        return None

    def logits(self, logits: torch.Tensor, input_ids: torch.Tensor, index: int, position: int, cache) -> torch.Tensor:
        plain = logits if logits.dtype == torch.float32 else logits.float()
        step = StepContext(index=index, position=position, input_ids=input_ids, prompt_len=self.prompt_len,
                           plain_logits=plain, cache=cache, tail=self.tail, hidden=self.hidden)
        self.step = step
        for turn in self.turns.values():
            turn.step = step
        session = self.session
        scores = plain
        for plugin in self._by_hook["perturb_past"]:
            if not session.ok(plugin):
                continue
            t0 = time.perf_counter()
            try:
                out = plugin.perturb_past(step)
                if out is not None:
                    bad = self._valid(out, plain)
                    if bad:
                        raise ValueError(f"perturb_past {bad}")
                    scores = out if out.dtype == torch.float32 else out.float()
            except Exception as exc:
                session.fail(plugin, exc, "perturb_past")
            self.timings[plugin.name] = self.timings.get(plugin.name, 0.0) + time.perf_counter() - t0
        editors = [p for p in self.plugins if p.name in self._processors or p in self._by_hook["edit_logits"]]
        if editors and scores is plain:
            scores = plain.clone()  # processors may edit in place; the plain stream must stay as it was
        for plugin in editors:
            if not session.ok(plugin):
                continue
            before = scores.clone()
            try:
                turn = self.turns[plugin.name]
                if plugin.name in self._processors:
                    for proc in self._processors[plugin.name]:
                        scores = proc(input_ids, scores)
                if plugin in self._by_hook["edit_logits"]:
                    scores = plugin.edit_logits(input_ids, scores, turn)
                bad = self._valid(scores, plain)
                if bad:
                    raise ValueError(f"edit_logits {bad}")
            except Exception as exc:
                session.fail(plugin, exc, "edit_logits")
                scores = before
        for plugin in self._by_hook["fuse"]:
            if not session.ok(plugin):
                continue
            try:
                fused = plugin.fuse(scores, plain, step)
                bad = self._valid(fused, plain)
                if bad:
                    raise ValueError(f"fuse {bad}")
                scores = fused
            except Exception as exc:
                session.fail(plugin, exc, "fuse")
        return scores

    def on_token(self, token: int) -> None:
        step = self.step
        for plugin in self._by_hook["on_token"]:
            if not self.session.ok(plugin):
                continue
            try:
                plugin.on_token(int(token), step)
            except Exception as exc:
                self.session.fail(plugin, exc, "on_token")
        data = self.mc.table.data
        self.tail = next_tail(self.tail, data[token] if 0 <= token < len(data) else None)

    def finish(self, text: str) -> None:
        """The turn succeeded: end_turn hooks, then commit the states of the plugins that did not fail."""
        session = self.session
        for plugin in self.plugins:
            if not session.ok(plugin):
                continue
            turn = self.turns[plugin.name]
            try:
                plugin.end_turn(turn, text)
                state = _jsonable(turn.state)
            except Exception as exc:
                session.fail(plugin, exc, "end_turn")
                continue
            session.state[plugin.name] = state
            session.stats[plugin.name] = dict(turn.stats)


def filter_input(text: str, on_notice: Callable[[str], None] | None = None,
                 plugins: PluginRegistry | Iterable[Any] | None = None, methods: Iterable[str] | None = None) -> str:
    """Run the enabled plugins' input hooks over the player's text (before the engine parses it)."""
    return SteeringSession(None, None, plugins, methods=methods, on_notice=on_notice).filter_input(text)
