"""The prompt format the narrator model reads, and a one-shot builder over the context manager.

The format matches what the bundled model was trained on: plain first-person narration, passages separated
by a blank line, and the player's action as a line starting with ``> `` directly followed by its narration::

    나는 뭍에서 지친 몸으로 남쪽 바다의 물비늘섬에 왔다. ...        <- memory (pinned head)

    이모 윤슬은 스무 해 전 뭍에서 건너와 바람찻집을 열었다. ...      <- world info

    나는 찻집 문을 열었다. 먼지 냄새가 났다.                          <- story

    [느긋하고 따뜻한 섬 생활. 1인칭 해라체.]                          <- author's note + state line
    [장소: 바람찻집 · 가진 것: 열쇠]

    > 창문을 연다                                                     <- this turn's action
    (the model writes the narration here)

The layout, budget and cache policy live in :mod:`adventure.context.manager`; ``ModelNarrator`` keeps one
``ContextManager`` per model so the layout stays sticky between turns. :func:`build_prompt` lays out a
single prompt from scratch (tools, previews, tests).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..context.manager import ACTION_PREFIX, Assembly, ContextInput, ContextManager
from .narrator import NarrationRequest
from .state import Passage

__all__ = ["ACTION_PREFIX", "build_prompt", "passage_line"]


def passage_line(p: Passage) -> str:
    return ACTION_PREFIX + p.text if p.kind == "action" else p.text


def build_prompt(request: NarrationRequest, encode: Callable[[str], Sequence[int]], n_ctx: int,
                 max_new_tokens: int) -> Assembly:
    """The prompt for ``request`` as token ids within ``n_ctx - max_new_tokens``, laid out from scratch."""
    return ContextManager(encode, n_ctx).assemble(ContextInput.from_request(request), max_new_tokens)
