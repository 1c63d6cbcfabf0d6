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

from ..context.manager import ContextInput, ContextManager
from ..context.worldinfo import entries_from
from ..engine.state import Passage
from ..packs.diagnostics import Diagnostic, Location, warning
from ..packs.loader import Pack
from ..ui_text import t

DEFAULT_MAX_NEW_TOKENS = 80   # SamplingSettings' default, which the bundled preset keeps
PROBE_ACTION = "주위를 둘러본다"


@lru_cache(maxsize=1)
def _bundled() -> tuple[Callable[[str], list[int]], int] | None:
    """(encode, n_ctx) of the bundled model, or None when this install has no bundled model."""
    from tokenizers import Tokenizer

    from ..models.presets import bundled_model_dir

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
    max_new = int((narrator.sampling or {}).get("max_new_tokens", DEFAULT_MAX_NEW_TOKENS))
    entries = entries_from(pack.world_info)
    where = _Locations(pack)
    out: list[Diagnostic] = []

    def assemble(note: str | None, scene_title: str | None):
        cm = ContextManager(encode, n_ctx)
        inp = ContextInput(passages=[Passage(kind="action", text=PROBE_ACTION, scene="")], memory=narrator.memory,
                           entries=entries, scan_depth=narrator.scan_depth, author_note=note,
                           scene_title=scene_title, action=PROBE_ACTION)
        return cm, cm.assemble(inp, max_new)

    cm, first = assemble(None, None)
    head_cap = int(first.ledger.budget * cm.config.head_fraction)
    memory = "\n".join(" ".join(line.split()) for line in (narrator.memory or "").splitlines() if line.strip())
    memory_tokens = len(encode(memory))
    placed = [seg for seg in first.segments if seg.kind == "memory"]
    if memory and (not placed or placed[0].text != memory):
        out.append(warning(where.narrator("memory"), "ADV050",
                           f"the narrator's memory takes {memory_tokens} tokens, more than the {head_cap} the bundled "
                           f"model (n_ctx {n_ctx}) keeps for memory and constant world info; its end is cut"))
    lore = {seg.key for seg in first.segments if seg.kind == "lore"}
    for entry in entries:
        if entry.constant and entry.key not in lore:
            out.append(warning(where.entry(entry.index), "ADV051",
                               f"constant world-info entry {entry.key!r} does not fit beside the memory "
                               f"({memory_tokens} tokens) in the {head_cap} tokens the bundled model keeps for both, "
                               "so it is left out of every prompt (shorten the memory or the entry, or drop "
                               "constant: true)"))
    notes = [(narrator.author_note, where.narrator("author_note"), None)]
    notes += [(s.author_note, where.scene(sid, "author_note"), s.title) for sid, s in pack.scenes.items()
              if s.author_note]
    for note, loc, title in notes:
        if not note:
            continue
        cm, assembly = assemble(note, title)
        if t("context.warn.note_cut") in assembly.ledger.warnings:
            cap = int(assembly.ledger.budget * cm.config.note_fraction)
            size = len(encode(f"[{' '.join(note.split())}]"))
            out.append(warning(loc, "ADV052", f"this author's note takes {size} tokens, more than the {cap} the "
                                              "bundled model keeps for it, so its end is cut"))
    return out


class _Locations:
    """Where the checked texts were written."""

    def __init__(self, pack: Pack):
        self.pack = pack

    def narrator(self, key: str) -> Location:
        doc = self.pack.manifest_doc
        return doc.loc(("narrator", key)) if doc is not None else Location(str(self.pack.root))

    def scene(self, scene_id: str, key: str) -> Location:
        src = self.pack.sources[scene_id]
        return src.doc.loc(src.key + (key,))

    def entry(self, index: int) -> Location:
        doc, key = self.pack.world_sources[index]
        return doc.loc(key)
