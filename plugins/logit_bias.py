"""Bag-of-words logit bias: the cheapest steering (about the cost of plain sampling).

Each step adds ``bias × strength`` to the score of every token that starts a word of the attribute's bag,
or continues one already started (multi-token Korean words and attached particles included, see
``adventure.steering.bags``). Negative strengths push the words away.

Parameters (``params: {logit-bias: {...}}`` in an attribute file, or options): ``bias`` (default 2.5),
``continue_bias`` (extra bonus for finishing a started word, default 2.0). Defaults tuned on the bundled model
(bench_steering: held-out hit rate about 2x at under +25% self-perplexity).
"""

from __future__ import annotations

import torch

from adventure.steering.api import Plugin
from adventure.steering.helpers import bag_index


class LogitBias(Plugin):
    name = "logit-bias"
    version = "1.0"
    description = "bag-of-words logit bias (≈1× cost)"
    default_enabled = False

    def handles(self, attribute) -> bool:
        return bool(attribute.bag)

    def begin_turn(self, turn) -> None:
        self._bags = []
        for name, strength in turn.steer.items():
            attr = turn.attributes[name]
            bias = float(turn.param(name, self.name, "bias", 1.8))
            cont = float(turn.param(name, self.name, "continue_bias", 2.0))
            self._bags.append((bag_index(turn.model, attr), bias * strength, cont * strength))

    def edit_logits(self, input_ids, scores, turn):
        tail = turn.step.tail if turn.step is not None else b""
        for index, bias, cont in self._bags:
            ids = index.ids_for_tail(tail).to(scores.device)
            if ids.numel():
                scores[:, ids] += bias
            if cont:
                more = index.continuation_ids(tail).to(scores.device)
                if more.numel():
                    scores[:, more] += cont
        return scores


plugin = LogitBias()
