"""Prompt text for the narrator: the pack's memory, lore, recent story and the action, in the corpus format.

The format matches what the bundled model was trained on: plain first-person narration, one passage per
line, and the player's action as a line starting with ``> ``.
"""

from __future__ import annotations

from typing import Callable

from .narrator import NarrationRequest
from .state import Passage

ACTION_PREFIX = "> "


def passage_line(p: Passage) -> str:
    return ACTION_PREFIX + p.text if p.kind == "action" else p.text


def build_prompt(request: NarrationRequest, count_tokens: Callable[[str], int], budget: int) -> tuple[str, dict]:
    """Assemble memory | story | tail and drop the oldest story until it fits ``budget`` tokens."""
    narrator = request.pack.manifest.narrator
    head: list[str] = []
    memory = request.state.memory if request.state.memory is not None else narrator.memory
    if memory:
        head.append(memory.strip())
    head += [w.content.strip() for w in request.pack.world_info if w.constant]
    story = [passage_line(p) for p in request.state.passages]
    tail: list[str] = []
    note = (request.state.author_note or request.pack.scenes[request.state.scene].author_note
            or narrator.author_note)
    if note:
        tail.append(f"[{note.strip()}]")
    if request.action is None and request.prompt:
        tail.append(request.prompt.strip())
    ending = "\n"
    if request.action is not None and story and story[-1] == ACTION_PREFIX + request.action:
        pass  # the action is already the last story line; the model continues after it
    dropped = 0
    while True:
        text = "\n".join(head + story + tail) + ending
        if count_tokens(text) <= budget or not story:
            break
        story.pop(0)
        dropped += 1
    while count_tokens(text) > budget and head:
        head.pop()
        text = "\n".join(head + story + tail) + ending
    return text, {"dropped_passages": dropped}
