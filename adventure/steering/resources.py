"""Per-model steering data prepared from the labelled corpus: discriminator heads and contrast vectors.

``prepare(mc, corpus_dir)`` runs the model over the corpus passages once and stores, in one safetensors file
named by the model's fingerprint:

- ``head.weight`` / ``head.bias``: a linear classifier over the mean final hidden state of a passage
  (the PPLM paper's discriminator: one linear layer on the frozen model's mean hidden state), trained on the
  corpus labels; its held-out accuracy is in the metadata;
- ``token_head.weight`` / ``token_head.bias``: the same over single positions (each labelled with its
  passage's label), which PPLM's per-token gradient step can use directly;
- ``vector.<label>``: [n_layers, d] mean residual-stream output of every block over that label's passages
  minus the same over ``neutral`` passages (activation addition's contrast vectors).

The file for the bundled model ships in ``adventure/steering/data/``; others go to the user's cache. A model
whose weights change gets a new fingerprint, so stale data is never used (run ``adventure plugins prepare``).
"""

from __future__ import annotations

import json
import pathlib
import time
from typing import Any

import torch

from .model_access import ModelContext

DATA_DIR = pathlib.Path(__file__).resolve().parent / "data"
CORPUS_DIR = pathlib.Path(__file__).resolve().parents[2] / "corpus"
NEUTRAL = "neutral"


def user_data_dir() -> pathlib.Path:
    import platformdirs

    return pathlib.Path(platformdirs.user_cache_dir("adventure")) / "steering"


def prepared_paths(mc: ModelContext) -> list[pathlib.Path]:
    name = f"{mc.fingerprint}.safetensors"
    return [DATA_DIR / name, user_data_dir() / name]


def load_prepared(mc: ModelContext) -> dict[str, Any] | None:
    """{"labels": [...], "head_weight", "head_bias", "vectors": {label: [n_layers, d]}, "meta": {...}} or None."""
    key = "__prepared__"
    if key in mc.data:
        return mc.data[key]
    result = None
    for path in prepared_paths(mc):
        if path.is_file():
            from safetensors import safe_open

            try:
                with safe_open(str(path), framework="pt") as fh:
                    meta = dict(fh.metadata() or {})
                    tensors = {k: fh.get_tensor(k) for k in fh.keys()}
            except Exception:
                continue
            if meta.get("fingerprint") != mc.fingerprint:
                continue
            labels = json.loads(meta.get("labels", "[]"))
            dev, dt = mc.device, mc.dtype
            result = {
                "labels": labels,
                "head_weight": tensors["head.weight"].to(dev, torch.float32) if "head.weight" in tensors else None,
                "head_bias": tensors["head.bias"].to(dev, torch.float32) if "head.bias" in tensors else None,
                "token_head_weight": (tensors["token_head.weight"].to(dev, torch.float32)
                                      if "token_head.weight" in tensors else None),
                "token_head_bias": (tensors["token_head.bias"].to(dev, torch.float32)
                                    if "token_head.bias" in tensors else None),
                "vectors": {k.split(".", 1)[1]: v.to(dev, dt) for k, v in tensors.items() if k.startswith("vector.")},
                "meta": meta,
                "path": str(path),
            }
            break
    mc.data[key] = result
    return result


def _read_jsonl(path: pathlib.Path) -> list[dict]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                out.append(json.loads(line))
    return out


@torch.inference_mode()
def passage_features(mc: ModelContext, texts: list[str], max_tokens: int = 128, batch: int = 16,
                     tokens_per_passage: int = 0, seed: int = 0):
    """Per passage: mean final hidden [N, d] and mean block outputs [N, n_layers, d] (float32, CPU); with
    ``tokens_per_passage`` also the final hidden of that many sampled positions per passage
    ([N * k, d], passage index [N * k])."""
    model = mc.model
    outs: dict[int, torch.Tensor] = {}
    handles = []

    def block_hook(i):
        def hook(module, args, output):
            outs[i] = output[0] if isinstance(output, tuple) else output
        return hook

    for i, block in enumerate(mc.blocks):
        handles.append(block.register_forward_hook(block_hook(i)))
    handles.append(mc.final_norm.register_forward_hook(block_hook(-1)))
    finals, layers = [], []
    token_feats: list[torch.Tensor] = []
    token_owner: list[int] = []
    gen = torch.Generator().manual_seed(seed)
    pad = mc.tokenizer.pad_token_id if mc.tokenizer.pad_token_id is not None else 0
    try:
        encoded = [mc.encode(t)[:max_tokens] or [pad] for t in texts]
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        result_f = [None] * len(encoded)
        result_l = [None] * len(encoded)
        for s in range(0, len(order), batch):
            idx = order[s:s + batch]
            n = max(len(encoded[i]) for i in idx)
            ids = torch.full((len(idx), n), pad, dtype=torch.long)
            mask = torch.zeros((len(idx), n), dtype=torch.long)
            for r, i in enumerate(idx):
                ids[r, :len(encoded[i])] = torch.tensor(encoded[i])
                mask[r, :len(encoded[i])] = 1
            ids, mask = ids.to(mc.device), mask.to(mc.device)
            model(input_ids=ids, attention_mask=mask, use_cache=False)
            m = mask.unsqueeze(-1).float()
            cnt = m.sum(1)
            fin = (outs[-1].float() * m).sum(1) / cnt
            lay = torch.stack([(outs[j].float() * m).sum(1) / cnt for j in range(mc.n_layers)], dim=1)
            for r, i in enumerate(idx):
                result_f[i] = fin[r].cpu()
                result_l[i] = lay[r].cpu()
                if tokens_per_passage:
                    n_i = len(encoded[i])
                    pick = torch.randperm(n_i, generator=gen)[:tokens_per_passage]
                    token_feats.append(outs[-1][r, pick.to(outs[-1].device)].float().cpu())
                    token_owner += [i] * len(pick)
        finals = torch.stack(result_f)
        layers = torch.stack(result_l)
    finally:
        for h in handles:
            h.remove()
    if tokens_per_passage:
        return finals, layers, torch.cat(token_feats), torch.tensor(token_owner)
    return finals, layers


def train_head(x: torch.Tensor, y: torch.Tensor, n_classes: int, steps: int = 400, lr: float = 0.05,
               weight_decay: float = 1e-3, seed: int = 0) -> torch.nn.Linear:
    gen = torch.Generator().manual_seed(seed)
    head = torch.nn.Linear(x.shape[1], n_classes)
    with torch.no_grad():
        head.weight.normal_(0.0, 0.01, generator=gen)
        head.bias.zero_()
    opt = torch.optim.Adam(head.parameters(), lr=lr, weight_decay=weight_decay)
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(head(x), y)
        loss.backward()
        opt.step()
    return head


def prepare(mc: ModelContext, corpus_dir: pathlib.Path | None = None, out_path: pathlib.Path | None = None,
            max_per_label: int | None = None, max_tokens: int = 128, log=print) -> dict[str, Any]:
    """Train the discriminator head and contrast vectors of ``mc`` on the corpus; write them; return a summary."""
    corpus_dir = pathlib.Path(corpus_dir or CORPUS_DIR)
    train = _read_jsonl(corpus_dir / "train.jsonl")
    held_path = corpus_dir / "heldout.jsonl"
    held = _read_jsonl(held_path) if held_path.is_file() else []
    labels = sorted({r["label"] for r in train})
    if NEUTRAL in labels:  # neutral first: class 0
        labels.remove(NEUTRAL)
        labels.insert(0, NEUTRAL)
    if max_per_label:
        per: dict[str, int] = {}
        kept = []
        for r in train:
            if per.get(r["label"], 0) < max_per_label:
                per[r["label"]] = per.get(r["label"], 0) + 1
                kept.append(r)
        train = kept
    t0 = time.perf_counter()
    xf, xl, xt, owner = passage_features(mc, [r["text"] for r in train], max_tokens=max_tokens,
                                         tokens_per_passage=24)
    y = torch.tensor([labels.index(r["label"]) for r in train])
    log(f"features of {len(train)} passages in {time.perf_counter() - t0:.1f} s")
    mean, std = xf.mean(0), xf.std(0) + 1e-6
    with torch.inference_mode(False), torch.enable_grad():
        head = train_head(((xf - mean) / std).clone(), y.clone(), len(labels))
    # Fold the standardisation into the head so it reads raw hidden states.
    w = (head.weight.detach() / std)
    b = head.bias.detach() - (head.weight.detach() * mean / std).sum(1)
    train_acc = float(((xf @ w.T + b).argmax(1) == y).float().mean())
    held_acc = None
    if held:
        hf, _ = passage_features(mc, [r["text"] for r in held], max_tokens=max_tokens)[:2]
        hy = torch.tensor([labels.index(r["label"]) if r["label"] in labels else -1 for r in held])
        held_acc = float(((hf @ w.T + b).argmax(1) == hy).float().mean())
    # A second head over single positions (each labelled with its passage's label): its gradient at one
    # position is meaningful, which is what PPLM's per-token step needs.
    yt = y[owner]
    tmean, tstd = xt.mean(0), xt.std(0) + 1e-6
    with torch.inference_mode(False), torch.enable_grad():
        thead = train_head(((xt - tmean) / tstd).clone(), yt.clone(), len(labels), steps=300)
    tw = thead.weight.detach() / tstd
    tb = thead.bias.detach() - (thead.weight.detach() * tmean / tstd).sum(1)
    token_acc = float(((xt @ tw.T + tb).argmax(1) == yt).float().mean())
    log(f"token head: accuracy {token_acc:.3f} on {len(yt)} positions")
    vectors = {}
    if NEUTRAL in labels:
        base = xl[y == 0].mean(0)
        for i, lab in enumerate(labels):
            if lab != NEUTRAL:
                vectors[f"vector.{lab}"] = (xl[y == i].mean(0) - base).contiguous()
    meta = {
        "fingerprint": mc.fingerprint, "model": str(mc.loaded.name), "labels": json.dumps(labels),
        "train_accuracy": f"{train_acc:.4f}", "heldout_accuracy": "" if held_acc is None else f"{held_acc:.4f}",
        "passages": str(len(train)), "max_tokens": str(max_tokens),
        "feature": "mean final hidden (after the final layer norm)",
        "vector": "mean block output over label passages minus over neutral passages, per block",
    }
    meta["token_head_accuracy"] = f"{token_acc:.4f}"
    tensors = {"head.weight": w.contiguous().float(), "head.bias": b.contiguous().float(),
               "token_head.weight": tw.contiguous().float(), "token_head.bias": tb.contiguous().float(), **vectors}
    out = pathlib.Path(out_path) if out_path else prepared_paths(mc)[1]
    out.parent.mkdir(parents=True, exist_ok=True)
    from safetensors.torch import save_file

    save_file({k: v.cpu() for k, v in tensors.items()}, str(out), metadata=meta)
    mc.data.pop("__prepared__", None)
    log(f"wrote {out}: head accuracy train {train_acc:.3f}"
        + (f", held-out {held_acc:.3f}" if held_acc is not None else ""))
    return {"path": str(out), "labels": labels, "train_accuracy": train_acc, "heldout_accuracy": held_acc}


@torch.inference_mode()
def contrast_vector(mc: ModelContext, positive: list[str], negative: list[str]) -> torch.Tensor:
    """[n_layers, d]: mean block outputs over ``positive`` sentences minus over ``negative`` ones."""
    _, pos = passage_features(mc, list(positive), max_tokens=64)
    _, neg = passage_features(mc, list(negative), max_tokens=64)
    return (pos.mean(0) - neg.mean(0)).to(mc.device, mc.dtype)
