"""What steering plugins need to know about a model: its blocks, final norm and head, and a way to run
only the top blocks for one new position over a (perturbed) past, differentiably.

Supported directly: GPT-2 (the bundled model, KoGPT2, ksjae's checkpoints; a functional re-implementation
of the block, so a steering step pays no module overhead) and GPT-J (KoGPT; the real blocks are called with
an overlay cache). Other decoder-only models with ``transformer.h``/``model.layers`` work for activation
and logits plugins; PPLM then reports that it cannot run on them.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import torch
import torch.nn.functional as F

from .bags import TokenTable

# Config fields that say where and how a model was loaded, not what it is.
_NOT_THE_MODEL = frozenset({"_name_or_path", "transformers_version", "dtype", "torch_dtype", "_commit_hash",
                            "_attn_implementation_autoset", "_attn_implementation_internal"})


class UnsupportedModel(RuntimeError):
    """The model's architecture is not one this helper can run piecewise."""


def _dtype_free_bytes(t: torch.Tensor) -> bytes:
    """The bytes of ``t`` rounded to bfloat16 (rounding is idempotent: a bfloat16 load hashes the same)."""
    return t.detach().to(torch.bfloat16).float().cpu().numpy().tobytes()


def find_blocks(model) -> torch.nn.ModuleList:
    for path in ("transformer.h", "model.layers", "gpt_neox.layers", "model.decoder.layers"):
        obj = model
        try:
            for part in path.split("."):
                obj = getattr(obj, part)
        except AttributeError:
            continue
        if isinstance(obj, torch.nn.ModuleList):
            return obj
    raise UnsupportedModel(f"cannot find the transformer blocks of {type(model).__name__}")


class ModelContext:
    """One loaded model as the steering plugins see it (shared by all plugins; ``data`` is their scratch)."""

    def __init__(self, loaded, attributes=None):
        from .attributes import builtin_attributes

        self.loaded = loaded
        self.model = loaded.model
        self.tokenizer = loaded.tokenizer
        self.config = self.model.config
        self.device = loaded.device
        self.dtype = loaded.dtype
        self.n_ctx = int(loaded.n_ctx)
        self.attributes = attributes if attributes is not None else builtin_attributes()
        self.blocks = find_blocks(self.model)
        self.n_layers = len(self.blocks)
        text_cfg = self.config.get_text_config(decoder=True) if hasattr(self.config, "get_text_config") else self.config
        self.d_model = int(getattr(text_cfg, "hidden_size", None) or getattr(text_cfg, "n_embd"))
        self.n_heads = int(getattr(text_cfg, "num_attention_heads", None) or getattr(text_cfg, "n_head"))
        self.head_dim = self.d_model // self.n_heads
        self.model_type = str(getattr(self.config, "model_type", ""))
        self.arch = self.model_type if self.model_type in ("gpt2", "gptj") else "other"
        self.vocab_rows = int(self.model.get_input_embeddings().weight.shape[0])
        self.lm_head = self.model.get_output_embeddings()
        base = getattr(self.model, "transformer", None)
        self.final_norm = getattr(base, "ln_f", None) if base is not None else None
        self.data: dict[str, Any] = {}
        self._table: TokenTable | None = None
        self._fingerprint: str | None = None

    # ------------------------------------------------------------------------------------------ tokens
    @property
    def table(self) -> TokenTable:
        if self._table is None:
            self._table = TokenTable.from_tokenizer(self.tokenizer, self.vocab_rows)
        return self._table

    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text, add_special_tokens=False))

    @property
    def fingerprint(self) -> str:
        """A short hash of the config and a slice of the weights: prepared steering data (discriminator heads,
        contrast vectors) is tied to exactly this model, wherever its folder lies (the config's path and the
        library versions that wrote it are left out, or an installed copy would never find its shipped data).
        The weights are hashed rounded to bfloat16, the coarsest dtype a model is loaded in, so the same model
        loaded as float32, float16 or bfloat16 finds the same data."""
        if self._fingerprint is None:
            h = hashlib.sha256()
            if hasattr(self.config, "to_dict"):
                fields = {k: v for k, v in self.config.to_dict().items() if k not in _NOT_THE_MODEL}
                h.update(json.dumps(fields, sort_keys=True, default=str).encode("utf-8"))
            else:
                h.update(repr(self.config).encode())
            w = self.model.get_input_embeddings().weight.detach()
            h.update(_dtype_free_bytes(w[: min(64, w.shape[0])]))
            last = self.blocks[-1]
            for p in list(last.parameters())[:2]:
                h.update(_dtype_free_bytes(p.detach().flatten()[:4096]))
            self._fingerprint = h.hexdigest()[:16]
        return self._fingerprint

    @property
    def supports_top_stack(self) -> bool:
        return self.arch in ("gpt2", "gptj") and self.final_norm is not None and self.lm_head is not None

    def head_weight(self) -> torch.Tensor:
        return self.lm_head.weight

    def head_logits(self, hidden: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        """Logits for ``hidden`` [..., d] over all tokens, or only ``rows`` (a LongTensor of token ids)."""
        w = self.lm_head.weight
        b = getattr(self.lm_head, "bias", None)
        if rows is not None:
            w = w.index_select(0, rows)
            b = b.index_select(0, rows) if b is not None else None
        return F.linear(hidden, w, b)


class TopStack:
    """Runs blocks ``start..n_layers-1`` and the final norm for ONE new position.

    ``run(h_in, position, past)``: ``h_in`` [1, 1, d] is the input hidden state of block ``start`` at that
    position; ``past[i] = (K, V)`` are the keys/values of layer ``start + i`` for all earlier positions,
    [1, heads, position, head_dim] (perturbed or not). Returns the final (normed) hidden [1, 1, d] and the
    new position's (k, v) per layer. Differentiable with respect to anything in ``past``.
    """

    def __init__(self, mc: ModelContext, start: int):
        if not mc.supports_top_stack:
            raise UnsupportedModel(f"PPLM cannot run piecewise on model type '{mc.model_type}' (GPT-2 and "
                                   "GPT-J are supported)")
        self.mc = mc
        self.start = max(0, min(int(start), mc.n_layers))
        self.blocks = [mc.blocks[i] for i in range(self.start, mc.n_layers)]
        self.layers_run = 0  # counters for the benchmark (block evaluations)

    @property
    def n(self) -> int:
        return len(self.blocks)

    def run(self, h_in: torch.Tensor, position: int, past: list[tuple[torch.Tensor, torch.Tensor]]):
        self.layers_run += len(self.blocks)
        if self.mc.arch == "gpt2":
            return self._run_gpt2(h_in, past)
        return self._run_modules(h_in, position, past)

    # GPT-2, functionally (same maths as GPT2Block with sdpa, eval mode)
    def _run_gpt2(self, h, past):
        new_kv = []
        mc = self.mc
        H, hd, d = mc.n_heads, mc.head_dim, mc.d_model
        for block, (pk, pv) in zip(self.blocks, past):
            attn = block.attn
            x = F.layer_norm(h, (d,), block.ln_1.weight, block.ln_1.bias, block.ln_1.eps)
            qkv = torch.addmm(attn.c_attn.bias, x.view(-1, d), attn.c_attn.weight)
            q, k, v = qkv.split(d, dim=-1)
            q = q.view(1, 1, H, hd).transpose(1, 2)
            k = k.view(1, 1, H, hd).transpose(1, 2)
            v = v.view(1, 1, H, hd).transpose(1, 2)
            new_kv.append((k, v))
            K = torch.cat([pk, k], dim=2)
            V = torch.cat([pv, v], dim=2)
            a = F.scaled_dot_product_attention(q, K, V, scale=attn.scaling)
            a = a.transpose(1, 2).reshape(1, d)
            a = torch.addmm(attn.c_proj.bias, a, attn.c_proj.weight)
            h = h + a.view(1, 1, d)
            x = F.layer_norm(h, (d,), block.ln_2.weight, block.ln_2.bias, block.ln_2.eps)
            mlp = block.mlp
            x = torch.addmm(mlp.c_fc.bias, x.view(-1, d), mlp.c_fc.weight)
            x = mlp.act(x)
            x = torch.addmm(mlp.c_proj.bias, x, mlp.c_proj.weight)
            h = h + x.view(1, 1, d)
        norm = mc.final_norm
        h = F.layer_norm(h, (d,), norm.weight, norm.bias, norm.eps)
        return h, new_kv

    # Any block that reads its past through ``cache.update(k, v, layer_idx)`` (GPT-J)
    def _run_modules(self, h, position, past):
        overlay = _OverlayCache(self.start, past)
        pos = torch.tensor([[position]], dtype=torch.long, device=h.device)
        for block in self.blocks:
            if self.mc.arch == "gptj":
                out = block(h, layer_past=overlay, attention_mask=None, position_ids=pos, use_cache=True)
            else:
                out = block(h, past_key_values=overlay, attention_mask=None, position_ids=pos, use_cache=True)
            h = out[0] if isinstance(out, tuple) else out
        h = self.mc.final_norm(h)
        return h, overlay.new_kv


class _OverlayCache:
    """Duck-typed cache for one step: ``update`` returns past + the new position without storing anything."""

    def __init__(self, start: int, past):
        self.start = start
        self.past = past
        self.new_kv: list[tuple[torch.Tensor, torch.Tensor]] = []

    def update(self, key_states, value_states, layer_idx, *args, **kwargs):
        pk, pv = self.past[layer_idx - self.start]
        self.new_kv.append((key_states, value_states))
        return torch.cat([pk, key_states], dim=-2), torch.cat([pv, value_states], dim=-2)

    def get_seq_length(self, layer_idx: int = 0) -> int:
        return int(self.past[0][0].shape[-2])


def kl_to(log_p: torch.Tensor, log_q: torch.Tensor) -> torch.Tensor:
    """KL(p || q) for log-distributions over the last dimension."""
    return (log_p.exp() * (log_p - log_q)).sum(-1)


def safe_norm(t: torch.Tensor) -> float:
    v = float(t.norm())
    return v if math.isfinite(v) else 0.0
