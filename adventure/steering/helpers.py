"""Shared helpers for steering plugins: per-model bag indexes and contrast vectors (cached on the model)."""

from __future__ import annotations

import torch

from .attributes import Attribute
from .bags import BagIndex
from .model_access import ModelContext


def bag_index(mc: ModelContext, attribute: Attribute, which: str = "bag") -> BagIndex:
    """The BagIndex of an attribute's steering bag (``which="heldout"`` for the evaluation bag) on this model."""
    cache = mc.data.setdefault("__bags__", {})
    key = (attribute.name, which, getattr(attribute, which))
    index = cache.get(key)
    if index is None:
        index = BagIndex(getattr(attribute, which), mc.table, encode=mc.encode, vocab_rows=mc.vocab_rows)
        cache[key] = index
    return index


def contrast_vectors(mc: ModelContext, attribute: Attribute) -> tuple[torch.Tensor | None, str]:
    """[n_layers, d] contrast vector of ``attribute`` on this model and where it came from: the prepared
    corpus vectors when they exist for this exact model, else the attribute's contrast sentences."""
    cache = mc.data.setdefault("__vectors__", {})
    if attribute.name in cache:
        return cache[attribute.name]
    from .resources import contrast_vector, load_prepared

    result: tuple[torch.Tensor | None, str] = (None, "none")
    prepared = load_prepared(mc)
    if prepared is not None and attribute.label and attribute.label in prepared["vectors"]:
        result = (prepared["vectors"][attribute.label], "corpus")
    elif attribute.contrast_positive and attribute.contrast_negative:
        result = (contrast_vector(mc, list(attribute.contrast_positive), list(attribute.contrast_negative)),
                  "sentences")
    cache[attribute.name] = result
    return result


def discriminator(mc: ModelContext, kind: str = "mean"):
    """(weight [classes, d], bias [classes], labels) of a prepared discriminator head, or None.

    ``kind="mean"``: the paper's head over the mean final hidden state of a passage; ``"token"``: the head over
    single positions (None when the prepared file predates it)."""
    from .resources import load_prepared

    prepared = load_prepared(mc)
    key = "token_head" if kind == "token" else "head"
    if prepared is None or prepared.get(f"{key}_weight") is None:
        return None
    return prepared[f"{key}_weight"], prepared[f"{key}_bias"], prepared["labels"]
