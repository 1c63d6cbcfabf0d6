"""PPLM (Dathathri et al., ICLR 2020), made fast enough to play on a CPU.

The paper's update, per token: m gradient steps on a perturbation ΔH of the past keys/values,
    loss = attribute loss + kl_scale · KL(p_steered ‖ p_plain)
    attribute loss = −log Σ_{w ∈ bag} p(w)                           (bag of words)
                   | CE(head(mean final hidden), attribute label)     (discriminator)
    ΔH ← ΔH − α · ∇ / ‖∇‖^γ      (norm per layer, over keys and values together)
then sample from p_steered^gm · p_plain^(1−gm). Perturbations accumulate over the turn, as in upstream where
the perturbed past is carried into the next step.

What is different from uber-research/PPLM:

- Window: the window covers the MOST RECENT ``window`` positions (upstream bug #31 perturbs the oldest).
- Multi-token bag words are kept: the bag at each step is every token that starts a bag word or continues
  one already started (first token, then the continuation conditioned on it); particles stay attached.
  Words that cannot be encoded at all are reported.
- The clean stream is the generator's own KV cache (never recomputed, never modified): the perturbed past is
  ``clean + ΔH`` built on the fly, so the reusable cache stays exact.
- Fast mode (the default): only the top ``layers`` blocks' past is perturbed. The clean forward (which the
  generator runs anyway) captures the input hidden state of the first perturbed block, so each gradient step
  and the final steered pass run only the top blocks (+ the LM head restricted to the ``candidates``
  likeliest tokens of the plain distribution plus the bag tokens; the other tokens keep their plain logits
  and their probability mass enters the softmax as one constant bucket). ``every`` runs the gradient steps
  on every k-th token only (the others reuse the accumulated perturbation); ``budget_ms`` caps the time of
  the gradient steps per token (classic iterations stop; in the lagged mode a token bucket keeps the average
  gradient work per token under the budget).
- ``lag`` (the default): one differentiable pass of the top blocks per token. Its logits (over the past with
  the perturbation accumulated so far) are sampled from, and its gradient updates the perturbation for the
  tokens that follow, so a token costs one forward and one backward of the top blocks, with no separate
  final pass.
- ``preset: faithful`` = the paper's setting: all layers, the whole past, 3 iterations every token, the full
  vocabulary (still with the cached clean stream).

Parameters (attribute file ``params: {pplm: {...}}`` or options): mode (bow | discrim | both), step_size,
iterations, gamma, kl_scale, gm_scale, window (0 = whole past), layers (0 = all), every, candidates (0 = all),
budget_ms, lag, discrim_window, preset. The defaults below were tuned on the bundled model with
benchmarks/bench_steering.py (held-out hit rate up, self-perplexity within +25%, cost within 2x).
"""

from __future__ import annotations

import math
import time

import torch
import torch.nn.functional as F

from adventure.steering.api import Plugin
from adventure.steering.helpers import bag_index, discriminator
from adventure.steering.model_access import TopStack

DEFAULTS = {
    "mode": "bow",
    "step_size": None,      # None: STEP_SIZES below, by preset and mode
    "iterations": 1,
    "gamma": 1.5,
    "kl_scale": 0.01,
    "gm_scale": None,       # None: GM_SCALES below, by mode
    "window": 5,
    "layers": 2,
    "every": 2,
    "candidates": 512,
    "budget_ms": 0,
    "lag": True,
    "discrim_window": 8,    # the mean head reads the mean over the current and this many previous positions
    "discrim_head": "token",  # "token": a head over single positions (when prepared); "mean": the paper's
}
# The paper's update (the faithful preset): all layers, the whole past, 3 iterations every token, full head.
FAITHFUL = {"iterations": 3, "window": 0, "layers": 0, "every": 1, "candidates": 0, "budget_ms": 0, "lag": False}
# Step sizes tuned on the bundled model (benchmarks/bench_steering.py): the fast mode perturbs far less of the
# past (2 blocks, 5 positions, every other token), so it needs a larger step for the same effect; the
# discriminator's gradient is much smaller than the bag's, so its normalised step is smaller.
STEP_SIZES = {("fast", "bow"): 1.0, ("fast", "discrim"): 0.5, ("fast", "both"): 0.8,
              ("faithful", "bow"): 0.02, ("faithful", "discrim"): 0.01, ("faithful", "both"): 0.015}
# The discriminator's push costs more fluency per unit of effect: blend in more of the plain distribution.
GM_SCALES = {"bow": 0.8, "discrim": 0.6, "both": 0.7}
SMALL = 1e-15


class _Turn:
    """Working data of one generation (tensors; never saved)."""


class PPLM(Plugin):
    name = "pplm"
    version = "1.0"
    description = "PPLM: perturb the past with the gradient of a bag-of-words or discriminator loss"
    default_enabled = True

    def handles(self, attribute) -> bool:
        return bool(attribute.bag) or bool(attribute.label)

    # ------------------------------------------------------------------------------------------ turn
    def _params(self, turn) -> dict:
        """Defaults < the strongest attribute's ``params.pplm`` < options; ``preset: faithful`` replaces the
        attribute file's tuning with the paper's setting."""
        main = max(turn.steer, key=lambda n: abs(turn.steer[n]))
        from_file = turn.attributes[main].plugin_params(self.name)
        preset = turn.options.get("preset", from_file.get("preset"))
        params = dict(DEFAULTS)
        if preset == "faithful":
            params.update(FAITHFUL)
        else:
            params.update({k: v for k, v in from_file.items() if k in DEFAULTS})
        params.update({k: v for k, v in turn.options.items() if k in DEFAULTS})
        params["_preset"] = "faithful" if preset == "faithful" else "fast"
        return params

    def begin_turn(self, turn) -> None:
        mc = turn.model
        p = self._params(turn)
        T = _Turn()
        T.turn = turn
        T.mc = mc
        T.mode = str(p["mode"])
        T.alpha = float(p["step_size"] or 0.0)
        T.iterations = max(0, int(p["iterations"]))
        T.gamma = float(p["gamma"])
        T.kl = float(p["kl_scale"])
        T.gm = float(p["gm_scale"]) if p["gm_scale"] is not None else GM_SCALES.get(T.mode, 0.8)
        T.window = max(0, int(p["window"]))
        layers = int(p["layers"])
        T.start = 0 if layers <= 0 or layers >= mc.n_layers else mc.n_layers - layers
        T.every = max(1, int(p["every"]))
        T.candidates = max(0, int(p["candidates"]))
        T.budget = float(p["budget_ms"]) / 1000.0
        T.lag = bool(p["lag"]) and T.iterations > 0
        T.credit, T.grad_cost = 0.0, 0.0
        T.attrs = []
        T.steered_now = False
        self._t = T
        self.capture = ()
        if not mc.supports_top_stack:
            turn.notice(f"pplm: model type '{mc.model_type}' is not supported (GPT-2 and GPT-J are); not steering")
            return
        T.top = TopStack(mc, T.start)
        T.head = None
        T.token_head = False
        if T.mode in ("discrim", "both"):
            if str(p["discrim_head"]) == "token":
                T.head = discriminator(mc, "token")
                T.token_head = T.head is not None
            if T.head is None:
                T.head = discriminator(mc, "mean")
            if T.head is None:
                turn.notice("pplm: no discriminator head is prepared for this model; using the bag of words "
                            "(run `adventure plugins prepare`)")
        if p["step_size"] is None:  # the tuned default of this preset and (effective) mode
            mode = T.mode if T.mode in ("bow", "discrim", "both") and T.head is not None else "bow"
            T.alpha = STEP_SIZES[(p["_preset"], mode)]
        strongest = max(abs(s) for s in turn.steer.values())
        T.alpha *= strongest
        T.attrs = []
        for name, strength in turn.steer.items():
            attr = turn.attributes[name]
            weight = abs(strength) / strongest
            sign = 1.0 if strength > 0 else -1.0
            bag = bag_index(mc, attr) if attr.bag and (T.mode in ("bow", "both") or T.head is None) else None
            label = None
            if T.head is not None and attr.label in T.head[2]:
                label = T.head[2].index(attr.label)
            if bag is None and label is None:
                continue
            if bag is not None and bag.skipped:
                turn.notice(f"pplm: {name}: {len(bag.skipped)} bag words cannot be encoded and are skipped "
                            f"({', '.join(bag.skipped[:5])})")
            T.attrs.append((name, weight, sign, bag, label))
        T.baked = None          # accumulated perturbations per perturbed layer: [(k, v)] [1,H,n_ctx,hd]
        T.lo = None             # lowest perturbed position
        T.acc = []              # clean final hidden states of the last `discrim_window` positions
        T.acc_sum = None
        T.acc_n = 0
        T.discrim_window = max(1, int(p["discrim_window"]))
        T.steered_now = False
        T.stats = turn.stats
        for key in ("steps", "grad_steps", "fwd_layers", "bwd_layers", "head_rows", "seconds"):
            T.stats.setdefault(key, 0.0)
        self._t = T
        self.capture = (T.start, "final")

    def end_turn(self, turn, text) -> None:
        self._t = None

    # ------------------------------------------------------------------------------------------ step
    def _past(self, cache, position: int):
        """Clean past of the perturbed layers plus the perturbation accumulated so far."""
        T = self._t
        out = []
        for j, layer in enumerate(range(T.start, T.mc.n_layers)):
            K = cache.layers[layer].keys[:, :, :position]
            V = cache.layers[layer].values[:, :, :position]
            if T.baked is not None and T.lo is not None and T.lo < position:
                bk, bv = T.baked[j]
                lo = T.lo
                K = torch.cat([K[:, :, :lo], K[:, :, lo:] + bk[:, :, lo:position]], dim=2)
                V = torch.cat([V[:, :, :lo], V[:, :, lo:] + bv[:, :, lo:position]], dim=2)
            out.append((K, V))
        return out

    def _ensure_baked(self, like: torch.Tensor) -> None:
        T = self._t
        if T.baked is None:
            n = T.mc.n_ctx
            shape = (1, like.shape[1], n, like.shape[3])
            T.baked = [(like.new_zeros(shape), like.new_zeros(shape)) for _ in range(T.top.n)]

    def perturb_past(self, step):
        T = self._t
        if T is None or not T.attrs:
            return None
        t0 = time.perf_counter()
        T.steered_now = False
        mc = T.mc
        p = step.position
        h_in = step.hidden.get(T.start)
        if h_in is None:
            raise RuntimeError("the hidden state of the first perturbed block was not captured")
        plain = step.plain_logits[0]
        V = plain.shape[-1]
        # Candidate tokens: the plain distribution's likeliest plus every bag token of this step.
        bag_ids = [(bag.ids_for_tail(step.tail).to(plain.device) if bag is not None else None)
                   for _, _, _, bag, _ in T.attrs]
        if T.candidates and 16 * T.candidates <= V:  # on a small vocabulary the full head is as cheap
            mask = torch.zeros(V, dtype=torch.bool, device=plain.device)
            mask[torch.topk(plain, T.candidates).indices] = True
            for b in bag_ids:
                if b is not None and b.numel():
                    mask[b] = True
            C = mask.nonzero().squeeze(1)
            rest = torch.logsumexp(plain[~mask], 0).view(1)
            inv = torch.full((V,), -1, dtype=torch.long, device=plain.device)
            inv[C] = torch.arange(C.numel(), device=plain.device)
            bag_pos = [inv[b] if b is not None else None for b in bag_ids]
            plain_lp = F.log_softmax(torch.cat([plain[C], rest]), -1)
        else:
            C, rest = None, None
            bag_pos = bag_ids
            plain_lp = F.log_softmax(plain, -1)

        def from_logits(logits):
            if C is not None:
                logits = torch.cat([logits, rest.to(logits.dtype)])
            return F.log_softmax(logits.float(), -1)

        def log_probs(hf):
            return from_logits(mc.head_logits(hf.view(-1), C))

        log_probs.from_logits = from_logits

        final_clean = step.hidden.get("final")
        base = self._past(step.cache, p)
        W = p if T.window == 0 else min(T.window, p)
        do_grad = T.iterations > 0 and W > 0 and step.index % T.every == 0 and T.alpha != 0.0

        def attribute_loss(hf, lp, bag_positions):
            loss = lp.new_zeros(())
            for (name, weight, sign, bag, label), pos in zip(T.attrs, bag_positions):
                if pos is not None and pos.numel():
                    loss = loss - weight * sign * torch.logsumexp(lp[pos], 0)
                if label is not None:
                    w, b, _ = T.head
                    feat = hf.view(-1).float()
                    if T.acc_sum is not None and not T.token_head:
                        feat = (T.acc_sum + feat) / (T.acc_n + 1)
                    ce = F.cross_entropy((feat @ w.T + b).view(1, -1), torch.tensor([label], device=feat.device))
                    loss = loss + weight * sign * ce
            if T.kl:
                loss = loss + T.kl * (lp.exp() * (lp - plain_lp)).sum()
            return loss

        if T.lag and do_grad and T.budget:
            # Token bucket: on average at most budget_ms of gradient work per token (timing-dependent, so
            # a seed no longer fixes the output exactly; off by default).
            T.credit = min(T.credit + T.budget, 4 * T.budget + T.grad_cost)
            if T.credit < T.grad_cost:
                do_grad = False
            else:
                T.credit -= T.grad_cost
        if T.lag:
            return self._lagged_step(step, T, p, W, base, h_in, C, V, log_probs, attribute_loss, bag_pos,
                                     final_clean, do_grad, t0)
        deltas = None
        if do_grad:
            with torch.inference_mode(False), torch.enable_grad():
                # Index tensors made under inference mode cannot be saved for backward: use normal copies.
                bag_pos_g = [q.clone() if q is not None else None for q in bag_pos]
                deltas = [(torch.zeros_like(K[:, :, p - W:]).requires_grad_(True),
                           torch.zeros_like(Vv[:, :, p - W:]).requires_grad_(True)) for K, Vv in base]
                for it in range(T.iterations):
                    if it and T.budget and time.perf_counter() - t0 > T.budget:
                        break
                    past = [(torch.cat([K[:, :, :p - W], K[:, :, p - W:] + dk], dim=2),
                             torch.cat([Vv[:, :, :p - W], Vv[:, :, p - W:] + dv], dim=2))
                            for (K, Vv), (dk, dv) in zip(base, deltas)]
                    hf, _ = T.top.run(h_in, p, past)
                    loss = attribute_loss(hf, log_probs(hf), bag_pos_g)
                    flat = [t for pair in deltas for t in pair]
                    grads = torch.autograd.grad(loss, flat)
                    with torch.no_grad():
                        for j, (dk, dv) in enumerate(deltas):
                            gk, gv = grads[2 * j], grads[2 * j + 1]
                            norm = math.sqrt(float(gk.pow(2).sum() + gv.pow(2).sum())) + SMALL
                            scale = T.alpha / norm ** T.gamma
                            if math.isfinite(scale):
                                dk.sub_(scale * gk)
                                dv.sub_(scale * gv)
                    n_top = T.top.n
                    T.stats["fwd_layers"] += n_top
                    T.stats["bwd_layers"] += n_top
                    T.stats["head_rows"] += 2 * (C.numel() if C is not None else V)
                    T.stats["grad_steps"] += 1
                deltas = [(dk.detach(), dv.detach()) for dk, dv in deltas]
        # The steered pass with the final perturbation (no gradient).
        if deltas is not None:
            past = [(torch.cat([K[:, :, :p - W], K[:, :, p - W:] + dk], dim=2),
                     torch.cat([Vv[:, :, :p - W], Vv[:, :, p - W:] + dv], dim=2))
                    for (K, Vv), (dk, dv) in zip(base, deltas)]
        else:
            past = base
        hf, new_kv = T.top.run(h_in, p, past)
        T.stats["fwd_layers"] += T.top.n
        T.stats["head_rows"] += C.numel() if C is not None else V
        logits_c = mc.head_logits(hf.view(-1), C).float()
        return self._finish(step, T, p, W, deltas, new_kv, logits_c, C, final_clean, t0)

    def _finish(self, step, T, p, W, deltas, new_kv, logits_c, C, final_clean, t0):
        """Bake this step's window update and the steered keys/values of the new position; the full logits."""
        mc = T.mc
        self._ensure_baked(new_kv[0][0])
        for j, layer in enumerate(range(T.start, mc.n_layers)):
            bk, bv = T.baked[j]
            if deltas is not None:
                bk[:, :, p - W:p] += deltas[j][0]
                bv[:, :, p - W:p] += deltas[j][1]
            ck = step.cache.layers[layer].keys[:, :, p:p + 1]
            cv = step.cache.layers[layer].values[:, :, p:p + 1]
            bk[:, :, p:p + 1] = new_kv[j][0] - ck
            bv[:, :, p:p + 1] = new_kv[j][1] - cv
        low = p - W if deltas is not None else p
        T.lo = low if T.lo is None else min(T.lo, low)
        if final_clean is not None and any(label is not None for *_, label in T.attrs):
            f = final_clean.reshape(-1).float()
            T.acc.append(f.clone())
            del T.acc[:-T.discrim_window]
            T.acc_sum = torch.stack(T.acc).sum(0)
            T.acc_n = len(T.acc)
        if C is None:
            steered = logits_c.view(1, -1)
        else:
            steered = step.plain_logits.clone()
            steered[0, C] = logits_c
        T.steered_now = True
        T.stats["steps"] += 1
        T.stats["seconds"] += time.perf_counter() - t0
        return steered

    def _lagged_step(self, step, T, p, W, base, h_in, C, V, log_probs, attribute_loss, bag_pos, final_clean,
                     do_grad, t0):
        """One differentiable pass per token: its logits (with the perturbation accumulated so far) are the
        steered logits of this token, and its gradient updates the perturbation for the tokens that follow.
        Costs one forward and one backward of the top blocks; no separate final pass."""
        n_top = T.top.n
        if not do_grad:
            hf, new_kv = T.top.run(h_in, p, base)
            logits_c = T.mc.head_logits(hf.view(-1), C).float()
            T.stats["fwd_layers"] += n_top
            return self._finish(step, T, p, W, None, new_kv, logits_c, C, final_clean, t0)
        with torch.inference_mode(False), torch.enable_grad():
            bag_pos_g = [q.clone() if q is not None else None for q in bag_pos]
            deltas = [(torch.zeros_like(K[:, :, p - W:]).requires_grad_(True),
                       torch.zeros_like(Vv[:, :, p - W:]).requires_grad_(True)) for K, Vv in base]
            past = [(torch.cat([K[:, :, :p - W], K[:, :, p - W:] + dk], dim=2),
                     torch.cat([Vv[:, :, :p - W], Vv[:, :, p - W:] + dv], dim=2))
                    for (K, Vv), (dk, dv) in zip(base, deltas)]
            hf, new_kv = T.top.run(h_in, p, past)
            logits = T.mc.head_logits(hf.view(-1), C)
            lp = log_probs.from_logits(logits)
            loss = attribute_loss(hf, lp, bag_pos_g)
            grads = torch.autograd.grad(loss, [t for pair in deltas for t in pair])
            updates = []
            for j in range(len(deltas)):
                gk, gv = grads[2 * j], grads[2 * j + 1]
                norm = math.sqrt(float(gk.pow(2).sum() + gv.pow(2).sum())) + SMALL
                scale = T.alpha / norm ** T.gamma
                if not math.isfinite(scale):
                    scale = 0.0
                updates.append((-scale * gk, -scale * gv))
            new_kv = [(k.detach(), v.detach()) for k, v in new_kv]
            logits_c = logits.detach().float()
        T.stats["fwd_layers"] += n_top
        T.stats["bwd_layers"] += n_top
        T.stats["head_rows"] += 2 * (C.numel() if C is not None else V)
        T.stats["grad_steps"] += 1
        spent = time.perf_counter() - t0
        T.grad_cost = spent if not T.grad_cost else 0.8 * T.grad_cost + 0.2 * spent
        return self._finish(step, T, p, W, updates, new_kv, logits_c, C, final_clean, t0)

    def fuse(self, steered, plain, step):
        T = self._t
        if T is None or not T.steered_now or T.gm >= 1.0:
            return steered
        gm = T.gm
        return gm * F.log_softmax(steered, -1) + (1.0 - gm) * F.log_softmax(plain, -1) + torch.logsumexp(
            plain, -1, keepdim=True)


plugin = PPLM()
