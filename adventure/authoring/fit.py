"""Does a pack fit the bundled model's context window? ``adventure validate`` asks, so an author learns at
``file:line:col`` what a player would otherwise meet as a warning on the first turn ("작가의 말이 너무 길어…").

The check runs the real context manager with the bundled model's tokenizer (the ``tokenizers`` file alone, no
torch), so its verdict is exactly the game's. Packs that name another model are not checked: its tokenizer may
be on the hub, and validate never goes online.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Callable

from ..context.manager import ContextInput, ContextManager, memory_text
from ..context.worldinfo import entries_from
from ..engine.state import Passage
from ..generation.settings import SamplingSettings
from ..models.presets import PRESETS, bundled_model_dir
from ..packs.diagnostics import Diagnostic, Location, warning
from ..packs.loader import Pack
from ..ui_text import t

PROBE_ACTION = "주위를 둘러본다"


@lru_cache(maxsize=1)
def _bundled() -> tuple[Callable[[str], list[int]], int] | None:
    """(encode, n_ctx) of the bundled model, or None when this install has no bundled model."""
    from tokenizers import Tokenizer

    folder = bundled_model_dir()
    try:
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        n_ctx = int(json.loads((folder / "config.json").read_text(encoding="utf-8"))["n_positions"])
    except (OSError, ValueError, KeyError):
        return None
    return (lambda text: tokenizer.encode(text, add_special_tokens=False).ids), n_ctx


def context_fit_warnings(pack: Pack) -> list[Diagnostic]:
    """Warnings for the memory, constant world info and author's notes that the bundled model's window cuts."""
    narrator = pack.manifest.narrator
    if (narrator.model or "bundled") != "bundled":
        return []
    bundled = _bundled()
    if bundled is None:
        return []
    encode, n_ctx = bundled
    # The token budget a narration asks for, as the game sets it: the preset's default, then the pack's sampling.
    preset = SamplingSettings().with_overrides(**PRESETS["bundled"].default_sampling).max_new_tokens
    max_new = int((narrator.sampling or {}).get("max_new_tokens", preset))
    entries = entries_from(pack.world_info)
    doc = pack.manifest_doc
    narrator_loc = (lambda key: doc.loc(("narrator", key))) if doc is not None else \
        (lambda key: Location(str(pack.root)))
    out: list[Diagnostic] = []

    def assemble(note: str | None, scene_title: str | None):
        cm = ContextManager(encode, n_ctx)
        inp = ContextInput(passages=[Passage(kind="action", text=PROBE_ACTION, scene="")], memory=narrator.memory,
                           entries=entries, scan_depth=narrator.scan_depth, author_note=note,
                           scene_title=scene_title, action=PROBE_ACTION)
        assembly = cm.assemble(inp, max_new)
        return assembly, cm.config.caps(assembly.ledger.budget)

    first, caps = assemble(None, None)
    memory = memory_text(narrator.memory)
    memory_tokens = len(encode(memory))
    placed = [seg for seg in first.segments if seg.kind == "memory"]
    if memory and (not placed or placed[0].text != memory):
        out.append(warning(narrator_loc("memory"), "ADV050",
                           f"the narrator's memory takes {memory_tokens} tokens, more than the {caps['head']} the "
                           f"bundled model (n_ctx {n_ctx}) keeps for memory and constant world info; its end is cut"))
    lore = {seg.key for seg in first.segments if seg.kind == "lore"}
    for entry in entries:
        if entry.constant and entry.key not in lore:
            wdoc, wkey = pack.world_sources[entry.index]
            out.append(warning(wdoc.loc(wkey), "ADV051",
                               f"constant world-info entry {entry.key!r} does not fit beside the memory "
                               f"({memory_tokens} tokens) in the {caps['head']} tokens the bundled model keeps for "
                               "both, so it is left out of every prompt (shorten the memory or the entry, or drop "
                               "constant: true)"))
    notes = [(narrator.author_note, narrator_loc("author_note"), None)]
    for sid, scene in pack.scenes.items():
        src = pack.sources[sid]
        notes.append((scene.author_note, src.doc.loc(src.key + ("author_note",)), scene.title))
    for note, loc, title in notes:
        if not note:
            continue
        assembly, caps = assemble(note, title)
        if t("context.warn.note_cut") in assembly.ledger.warnings:
            size = len(encode(f"[{' '.join(note.split())}]"))
            out.append(warning(loc, "ADV052", f"this author's note takes {size} tokens, more than the {caps['note']} "
                                              "the bundled model keeps for it, so its end is cut"))
    return out
