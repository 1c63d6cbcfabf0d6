"""The context window manager: assembles the prompt as token ids, exactly within ``n_ctx``, cache-friendly.

Layout
------
::

    head    memory · constant world info                     (changes only when the player edits memory)
    stream  story passages from the window start, with sticky inserts:
              - world info that fires is inserted just before the passage that triggered it,
              - the note block ([author's note] + [scene · inventory]) just before the action when it
                was placed; when it changes, the new block goes before the current action and the old
                one stays where it was, like a scene marker, until the next eviction
    tail    this turn's action (the last passage, "> ..." + newline), or the scene's narrate prompt

Every part is tokenized on its own (cached) and the prompt is the concatenation of those ids, so the token
count is exact and is what :meth:`Generator.generate` receives. Text is only ever cut at a text boundary
(sentence, then word, then a whole character; see :mod:`adventure.context.korean`) and then tokenized
again, so nothing is cut inside a syllable or a token sequence.

Why this shape (GPT-2 has absolute positions)
---------------------------------------------
The generator reuses the KV cache for the longest common token prefix of the previous prompt + narration
and the new prompt. With this layout a normal turn's prompt *extends* the previous one: the narration the
model just wrote (kept as the model's own token ids when they decode to the passage text), a blank line and
the new action. The parts that churn (triggered lore, the author's note, the scene line) are sticky instead
of being re-appended at the end every turn, which would force the last turn to be read again. Nothing is
ever removed from the middle of the stream between evictions (an entry that no longer fires stays; a new
one that finds the lore budget full waits), because a removal costs a re-read of everything after it.

When the stream no longer fits, the oldest story is evicted in one chunk at a passage boundary, down to
``keep_fraction`` of the story room (topped up with the last whole sentences of the passage before, when
they fit). The lore that fires now is regrouped at the top of the stream in priority order (so the next
eviction re-reads only from the first entry that differs), stale inserts leave, and the note block goes
before the current action. That one re-read buys room for several turns. Undo/retry/load simply produce a
different token sequence: the generator reuses only the exact common prefix, so the cache is never stale;
the layout plan here is validated against passage fingerprints and cut back (or laid out afresh) when the
history changed under it.
"""

from __future__ import annotations

import time
import zlib
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..ui_text import t
from .korean import as_sentence, keep_end, keep_start, key_pattern
from .ledger import ContextLedger, DropRow, PartRow
from .worldinfo import Entry, by_priority, entries_from, triggered

ACTION_PREFIX = "> "
STORY_KINDS = frozenset({"authored", "narration", "action"})
PASSAGE_SEP = "\n\n"   # between passages (and after head parts and inserts): a blank line, as in training
ACTION_SEP = "\n"      # after an action line: its narration follows on the next line


@dataclass(frozen=True)
class ContextConfig:
    """Shares of the prompt budget (n_ctx - max_new_tokens) and the eviction policy."""

    keep_fraction: float = 0.35     # after an eviction, the story keeps this share of the story room
    head_fraction: float = 0.4      # memory + constant world info at most
    lore_fraction: float = 0.15     # triggered world info at most
    note_fraction: float = 0.1      # author's note + state line at most
    prompt_fraction: float = 0.1    # a scene's narrate prompt at most
    passage_fraction: float = 0.2   # any single passage at most (longer ones keep their last sentences)
    max_new_fraction: float = 0.5   # max_new_tokens is clamped to this share of n_ctx
    min_fill_tokens: int = 12       # smallest partial passage worth keeping at the window start

    def caps(self, budget: int) -> dict[str, int]:
        """The most tokens each part may take of a prompt ``budget``: head, lore, note, prompt, passage."""
        return {k: max(0, int(budget * getattr(self, f"{k}_fraction")))
                for k in ("head", "lore", "note", "prompt", "passage")}


def memory_text(memory: str | None) -> str:
    """The memory as the prompt holds it: its non-blank lines, each with its spaces collapsed."""
    return "\n".join(" ".join(line.split()) for line in (memory or "").splitlines() if line.strip())


@dataclass
class ContextInput:
    """Everything the assembler reads, independent of packs and models (tests build it directly)."""

    passages: Sequence[Any]                 # objects with .kind and .text (GameState.passages)
    memory: str | None = None
    entries: tuple[Entry, ...] = ()
    scan_depth: int = 3
    author_note: str | None = None
    scene_title: str | None = None
    inventory: Sequence[str] | None = None
    action: str | None = None
    prompt: str | None = None               # a scene's narrate prompt (used when there is no action)

    @classmethod
    def from_request(cls, request: Any, entries: tuple[Entry, ...] | None = None) -> "ContextInput":
        pack, state = request.pack, request.state
        narrator = pack.manifest.narrator
        scene = pack.scenes.get(state.scene)
        memory = state.memory if state.memory is not None else narrator.memory
        note = state.author_note or (scene.author_note if scene else None) or narrator.author_note
        inventory = state.values.get("inventory")
        return cls(
            passages=state.passages, memory=memory,
            entries=entries if entries is not None else entries_from(pack.world_info),
            scan_depth=narrator.scan_depth, author_note=note,
            scene_title=(scene.title if scene else None) or None,
            inventory=[str(v) for v in inventory] if isinstance(inventory, (list, tuple, set)) else None,
            action=request.action, prompt=request.prompt if request.action is None else None,
        )


@dataclass(frozen=True)
class Segment:
    section: str            # head | story | tail
    kind: str               # memory | lore | passage | note | prompt
    key: str                # entry key, passage index, ...
    text: str
    sep: str                # separator text after it (its ids are included in ``ids``)
    ids: tuple[int, ...]


@dataclass
class _Insert:
    anchor: int             # placed before story passage ``anchor`` (== number of passages: after the last)
    kind: str               # lore | note
    key: str
    text: str


@dataclass
class _Plan:
    start: int = 0                                  # first story passage in the window
    offset: int = 0                                 # characters cut from the front of that passage
    inserts: list[_Insert] = field(default_factory=list)
    prints: list[int] = field(default_factory=list)  # fingerprints of story[start:] when planned


@dataclass
class Assembly:
    ids: list[int]
    max_new_tokens: int
    ledger: ContextLedger
    segments: list[Segment]

    @property
    def text(self) -> str:
        return "".join(s.text + s.sep for s in self.segments)


def _fingerprint(p: Any) -> int:
    return zlib.crc32(f"{p.kind}\x00{p.text}".encode("utf-8", "surrogatepass"))


class _LRU(OrderedDict):
    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def get_(self, key):
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def put(self, key, value) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class ContextManager:
    """Builds each turn's prompt (token ids + ledger) for one model; keeps the sticky layout between turns."""

    def __init__(self, encode: Callable[[str], Sequence[int]], n_ctx: int, config: ContextConfig | None = None):
        self.encode = encode
        self.n_ctx = int(n_ctx)
        self.config = config or ContextConfig()
        self._enc = _LRU(8192)
        self._pseg = _LRU(4096)
        self._known = _LRU(1024)        # narration text -> the token ids the model generated for it
        self._plan = _Plan()
        self._last_head: tuple[int, ...] | None = None
        self._entries_src: Any = None
        self._entries: tuple[Entry, ...] = ()
        self._sep = {s: self._sep_ids(s) for s in ("", ACTION_SEP, PASSAGE_SEP)}

    # ------------------------------------------------------------------------------------------ tokens
    def _encode(self, text: str) -> tuple[int, ...]:
        ids = self._enc.get_(text)
        if ids is None:
            ids = tuple(int(i) for i in self.encode(text)) if text else ()
            self._enc.put(text, ids)
        return ids

    def _sep_ids(self, sep: str) -> tuple[int, ...]:
        """The separator's ids as they follow a sentence (so ``text ids + sep ids`` reads like one text)."""
        if not sep:
            return ()
        base, both = self._encode("다."), self._encode("다." + sep)
        if len(both) > len(base) and both[:len(base)] == base:
            return both[len(base):]
        return self._encode(sep)

    def remember(self, text: str, ids: Sequence[int]) -> None:
        """Use these ids (what the model generated) for a narration passage with exactly this text."""
        if text and ids:
            self._known.put(text, tuple(int(i) for i in ids))

    def reset(self) -> None:
        """Forget the sticky layout (the next prompt is laid out afresh)."""
        self._plan = _Plan()
        self._last_head = None

    def entries_for(self, world_info: Sequence[Any]) -> tuple[Entry, ...]:
        """The pack's world info as entries (cached per pack object), with their key patterns compiled now
        rather than on the turn that first mentions them."""
        if world_info is not self._entries_src:
            self._entries_src, self._entries = world_info, entries_from(world_info)
            for e in self._entries:
                key_pattern(e.keys, e.substring)
                key_pattern(e.secondary_keys, e.substring)
        return self._entries

    def _seg(self, section: str, kind: str, key: str, text: str, sep: str,
             ids: Sequence[int] | None = None) -> Segment:
        body = tuple(ids) if ids is not None else self._encode(text)
        return Segment(section, kind, key, text, sep, body + self._sep[sep])

    def _size(self, text: str, sep: str) -> int:
        return len(self._encode(text)) + len(self._sep[sep])

    def _fit(self, text: str, sep: str, cap: int, keep: str, wrap: Callable[[str], str] = lambda s: s
             ) -> tuple[str, str]:
        """``text`` cut (at the end or start) so that ``wrap(text)`` + separator takes at most ``cap`` tokens."""
        fits = lambda s: bool(s) and self._size(wrap(s), sep) <= cap  # noqa: E731
        return (keep_end if keep == "end" else keep_start)(text, fits)

    # ------------------------------------------------------------------------------------------ passages
    def _passage(self, p: Any, index: int, cap: int, offset: int = 0) -> tuple[Segment | None, str]:
        """A story passage as a segment (capped to ``cap`` tokens, keeping its end), and the cut level."""
        action = p.kind == "action"
        sep = ACTION_SEP if action else PASSAGE_SEP
        if p.kind == "narration" and not offset:
            body = p.text.strip()
            known = self._known.get_(body)
            if known is not None and len(known) + len(self._sep[sep]) <= cap:
                return self._seg("story", "passage", str(index), body, sep, known), "whole"
        key = (p.kind, p.text, cap, offset)
        hit = self._pseg.get_(key)
        if hit is None:
            prefix = ACTION_PREFIX if action else ""
            text = as_sentence(p.text) if action else p.text.strip()
            body, level = self._fit(text, sep, cap, "end", lambda s: prefix + s)
            if offset:
                body = body[offset:].lstrip()
                level = "sentence" if level == "whole" else level
            seg = self._seg("story", "passage", "", prefix + body, sep) if body else None
            if seg is not None and len(seg.ids) > cap:
                seg = None
            hit = (seg, level)
            self._pseg.put(key, hit)
        seg, level = hit
        return (Segment("story", "passage", str(index), seg.text, seg.sep, seg.ids) if seg else None), level

    def _partial(self, p: Any, index: int, cap: int, room: int) -> tuple[Segment | None, int]:
        """The last sentences of passage ``p`` that fit ``room`` tokens, and the character offset of the cut."""
        whole, _ = self._passage(p, index, cap)
        if whole is None or room <= 0:
            return None, 0
        action = p.kind == "action"
        body = whole.text[len(ACTION_PREFIX):] if action else whole.text
        prefix = ACTION_PREFIX if action else ""
        kept, level = keep_end(body, lambda s: bool(s) and self._size(prefix + s, whole.sep) <= room)
        if not kept or level != "sentence":
            return None, 0  # the window starts at a sentence, never inside one
        offset = len(body) - len(kept)
        seg, _ = self._passage(p, index, cap, offset)
        return (seg, offset) if seg is not None and len(seg.ids) <= room else (None, 0)

    # ------------------------------------------------------------------------------------------ plan
    def _validated_plan(self, story: Sequence[Any]) -> tuple[_Plan, bool]:
        """The previous layout, cut back to the part still consistent with ``story``; (plan, history changed)."""
        plan = self._plan
        limit = min(len(story), plan.start + len(plan.prints))
        m = plan.start
        while m < limit and _fingerprint(story[m]) == plan.prints[m - plan.start]:
            m += 1
        changed = m < plan.start + len(plan.prints)
        if (plan.start or plan.offset) and m <= plan.start:
            return _Plan(), True
        if plan.start > len(story):
            return _Plan(), True
        inserts = [ins for ins in plan.inserts if ins.anchor <= m]
        return _Plan(plan.start, plan.offset, inserts), changed

    @staticmethod
    def _state_lines(inp: ContextInput) -> list[str]:
        """The [scene · inventory] line, fullest first, then shorter versions to fall back on (the place
        alone); empty when there is nothing to say."""
        place = f"장소: {' '.join(inp.scene_title.split())}" if inp.scene_title and inp.scene_title.strip() else ""
        items = [str(i).strip() for i in (inp.inventory or []) if str(i).strip()]
        carried = f"가진 것: {', '.join(items)}" if items else ""
        lines = [f"[{' · '.join(b for b in (place, carried) if b)}]"] if place or carried else []
        if place and carried:
            lines.append(f"[{place}]")
        return lines

    # ------------------------------------------------------------------------------------------ assemble
    def assemble(self, inp: ContextInput, max_new_tokens: int, cached_ids: Sequence[int] = ()) -> Assembly:
        """The prompt for this turn; ``len(ids) + max_new_tokens <= n_ctx`` always (max_new may be clamped)."""
        t0 = time.perf_counter()
        cfg = self.config
        n = max(2, self.n_ctx)
        want_new = max(1, int(max_new_tokens))
        max_new = min(want_new, max(1, int(n * cfg.max_new_fraction)))
        budget = n - max_new
        led = ContextLedger(n_ctx=self.n_ctx, max_new_tokens=max_new, budget=budget)
        if max_new < want_new:
            led.warnings.append(t("context.warn.max_new", want=want_new, got=max_new))
        cap = cfg.caps(budget)
        story = [p for p in inp.passages if p.kind in STORY_KINDS and p.text and p.text.strip()]
        led.passages_total = len(story)

        # ---- tail: the scene's narrate prompt (the model continues it)
        prompt_seg = None
        if inp.prompt and inp.prompt.strip():
            text = " ".join(inp.prompt.split())
            kept, level = self._fit(text, "", cap["prompt"], "end")
            if kept:
                prompt_seg = self._seg("tail", "prompt", "prompt", kept, "")
                if level != "whole":
                    led.warnings.append(t("context.warn.prompt_cut", kept=len(prompt_seg.ids),
                                          total=self._size(text, "")))
            else:
                led.dropped.append(DropRow("prompt", t("context.part.prompt"), self._size(text, ""),
                                           t("context.reason.too_long", cap=cap["prompt"])))
                led.warnings.append(t("context.warn.prompt_dropped"))

        # ---- head: memory, then constant world info by priority
        head: list[Segment] = []
        head_used = 0
        memory = memory_text(inp.memory)
        if memory:
            kept, level = self._fit(memory, PASSAGE_SEP, cap["head"], "start")
            if kept:
                seg = self._seg("head", "memory", "memory", kept, PASSAGE_SEP)
                head.append(seg)
                head_used += len(seg.ids)
                if level != "whole":
                    led.warnings.append(t("context.warn.memory_cut", kept=len(seg.ids),
                                          total=self._size(memory, PASSAGE_SEP), cap=cap["head"]))
            else:
                led.dropped.append(DropRow("memory", t("context.part.memory"), self._size(memory, PASSAGE_SEP),
                                           t("context.reason.too_long", cap=cap["head"])))
                led.warnings.append(t("context.warn.memory_dropped", cap=cap["head"]))
        for e in by_priority([e for e in inp.entries if e.constant]):
            seg = self._seg("head", "lore", e.key, e.content, PASSAGE_SEP)
            if head_used + len(seg.ids) <= cap["head"]:
                head.append(seg)
                head_used += len(seg.ids)
            else:
                led.dropped.append(DropRow("lore", t("context.part.lore", entry=e.key), len(seg.ids),
                                           t("context.reason.head_budget", cap=cap["head"])))
                led.warnings.append(t("context.warn.constant_dropped", entry=e.key))

        # ---- note block: [author's note] and [scene · inventory]
        # The author's words stay whole while they fit: the state line gives way first (the place alone, then
        # nothing), and the note is cut, with a warning, only when it is over the cap by itself.
        note_seg = None
        note = " ".join((inp.author_note or "").split())
        state_lines = self._state_lines(inp)
        state_line = state_lines[0] if state_lines else ""
        if note:
            for line in state_lines + [""]:
                text = f"[{note}]" + ("\n" + line if line else "")
                if self._size(text, PASSAGE_SEP) <= cap["note"]:
                    note_seg = self._seg("story", "note", "note", text, PASSAGE_SEP)
                    break
            else:  # over the cap by itself: cut, keeping the full state line when there is room for both
                for tail_line in ("\n" + state_line, "") if state_line else ("",):
                    kept, _ = self._fit(note, PASSAGE_SEP, cap["note"], "start", lambda s: f"[{s}]" + tail_line)
                    if kept:
                        note_seg = self._seg("story", "note", "note", f"[{kept}]" + tail_line, PASSAGE_SEP)
                        led.warnings.append(t("context.warn.note_cut"))
                        break
        else:
            for line in state_lines:
                if self._size(line, PASSAGE_SEP) <= cap["note"]:
                    note_seg = self._seg("story", "note", "note", line, PASSAGE_SEP)
                    break
        if note_seg is None and (note or state_line):
            led.dropped.append(DropRow("note", t("context.part.note"), self._size(
                "\n".join(x for x in (f"[{note}]" if note else "", state_line) if x), PASSAGE_SEP),
                t("context.reason.too_long", cap=cap["note"])))
        elif note_seg is not None and state_line and state_line not in note_seg.text:
            led.dropped.append(DropRow("state", t("context.part.state"), self._size(state_line, ""),
                                       t("context.reason.too_long", cap=cap["note"])))

        # ---- world info triggered by the recent story. Entries already in the stream are sticky: they stay
        # (removing one would make the model re-read everything after it) until the next eviction regroups
        # the lore; newly triggered entries join while the lore budget has room.
        depth = max(0, int(inp.scan_depth))
        scan = [p.text for p in story[-depth:]] if depth else []
        if prompt_seg is not None:
            scan.append(prompt_seg.text)
        fired = triggered(inp.entries, "\n".join(scan))
        fired_keys = {e.key for e in fired}
        plan, history_changed = self._validated_plan(story)
        current = {e.key: e for e in inp.entries if not e.constant}
        present = [current[ins.key] for ins in plan.inserts
                   if ins.kind == "lore" and ins.key in current and ins.text == current[ins.key].content]

        def select(candidates: list[Entry]) -> tuple[list[Entry], int, list[Entry]]:
            chosen, used, left = [], 0, []
            for e in candidates:
                size = self._size(e.content, PASSAGE_SEP)
                if e not in chosen and used + size <= cap["lore"]:
                    chosen.append(e)
                    used += size
                elif e not in chosen:
                    left.append(e)
            return chosen, used, left

        sticky, sticky_used, _ = select(present + [e for e in fired if e not in present])

        # ---- the story room and the stream
        note_used = len(note_seg.ids) if note_seg else 0
        prompt_used = len(prompt_seg.ids) if prompt_seg else 0
        anchor = len(story) - 1 if (inp.action is not None and story and story[-1].kind == "action") else len(story)

        def story_room(lore_used: int) -> tuple[int, int]:
            room = budget - head_used - lore_used - note_used - prompt_used
            return room, max(0, min(cap["passage"], room))

        def window_tokens(start: int, offset: int, pcap: int) -> int:
            total = 0
            for i in range(start, len(story)):
                seg, _ = self._passage(story[i], i, pcap, offset if i == start else 0)
                total += len(seg.ids) if seg else 0
            return total

        changes: list[str] = []
        old_start = plan.start
        if history_changed and self._plan.prints:
            changes.append("history")
        # Note blocks already in the stream: the last one is current when it still says the same; earlier (or
        # changed) ones stay as they are, like scene markers in the story, until the next eviction: removing one
        # would make the model re-read everything after it, which costs more than the few tokens it takes.
        notes = [ins for ins in plan.inserts if ins.kind == "note"]
        note_current = bool(notes) and note_seg is not None and notes[-1].text == note_seg.text
        stale_notes = notes[:-1] if note_current else notes
        stale_used = sum(self._size(ins.text, PASSAGE_SEP) for ins in stale_notes)
        room, pcap = story_room(sticky_used)
        evict = window_tokens(plan.start, plan.offset, pcap) + stale_used > room
        if not evict:
            selected, left = sticky, [e for e in fired if e not in sticky]
            kept: list[_Insert] = []
            for ins in plan.inserts:
                if ins.kind == "note":
                    kept.append(ins)
                elif current.get(ins.key) in selected and ins.text == current[ins.key].content:
                    kept.append(ins)
                else:
                    changes.append("lore")
            placed = {ins.key for ins in kept if ins.kind == "lore"}
            kept += [_Insert(anchor, "lore", e.key, e.content) for e in selected if e.key not in placed]
            if note_seg is not None and not note_current:
                kept.append(_Insert(anchor, "note", "note", note_seg.text))
            plan = _Plan(plan.start, plan.offset, kept)
        else:
            # Evict: keep the latest story up to keep_fraction of the room; regroup the lore that fires now
            # (stale sticky entries leave) at the top of the stream and the note block before the current action.
            changes.append("evict")
            selected, lore_used, left = select(fired)
            room, pcap = story_room(lore_used)
            target = max(0, int(cfg.keep_fraction * room))
            start, used = len(story), 0
            for i in range(len(story) - 1, -1, -1):
                seg, _ = self._passage(story[i], i, pcap)
                size = len(seg.ids) if seg else 0
                if used + size > target and i != len(story) - 1:
                    break
                used, start = used + size, i
            offset = 0
            if 0 < start and target - used >= cfg.min_fill_tokens:
                part, off = self._partial(story[start - 1], start - 1, pcap, target - used)
                if part is not None:
                    start, offset = start - 1, off
            # The lore goes to the top of the kept story in priority order, so the next eviction re-reads only
            # from the first entry that differs (islands, main characters and places recur).
            inserts = [_Insert(start, "lore", e.key, e.content) for e in by_priority(selected)]
            if note_seg is not None:
                inserts.append(_Insert(anchor, "note", "note", note_seg.text))
            plan = _Plan(start, offset, inserts)
            if start > old_start:
                led.evicted_passages = start - old_start
                led.evicted_tokens = sum(len(s.ids) for i in range(old_start, start)
                                         if (s := self._passage(story[i], i, pcap)[0]) is not None)
        for e in left:
            if e.key in fired_keys:
                led.dropped.append(DropRow("lore", t("context.part.lore", entry=e.key),
                                           self._size(e.content, PASSAGE_SEP),
                                           t("context.reason.lore_budget", cap=cap["lore"])))

        # ---- render the stream
        by_anchor: dict[int, list[_Insert]] = defaultdict(list)
        for ins in plan.inserts:
            by_anchor[max(ins.anchor, plan.start)].append(ins)
        last_note = next((ins for ins in reversed(plan.inserts) if ins.kind == "note"), None)
        stream: list[Segment] = []
        trimmed_current = ""
        dropped_in_window = 0
        for i in range(plan.start, len(story) + 1):
            for ins in by_anchor.get(i, ()):
                if ins.kind == "lore":
                    stream.append(self._seg("story", "lore", ins.key, ins.text, PASSAGE_SEP))
                else:
                    stream.append(self._seg("story", "note", "note" if ins is last_note else "note_old", ins.text,
                                            PASSAGE_SEP))
            if i == len(story):
                break
            seg, level = self._passage(story[i], i, pcap, plan.offset if i == plan.start else 0)
            if seg is None:
                dropped_in_window += 1
                continue
            if i == len(story) - 1 and level not in ("whole",):
                trimmed_current = level
            stream.append(seg)
        plan.prints = [_fingerprint(p) for p in story[plan.start:]]
        self._plan = plan

        segments = head + stream + ([prompt_seg] if prompt_seg else [])
        ids = [i for s in segments for i in s.ids]
        if len(ids) > budget:  # defensive: cannot happen by construction, but never overflow the model
            led.warnings.append(t("context.warn.overflow", tokens=len(ids), budget=budget))
            while len(ids) > budget and segments:
                victim = next((s for s in segments if s.section == "story"), None) or segments[-1]
                segments.remove(victim)
                ids = [i for s in segments for i in s.ids]
            self._plan = _Plan()

        head_ids = tuple(i for s in head for i in s.ids)
        if self._last_head is not None and head_ids != self._last_head:
            changes.insert(0, "head")
        self._last_head = head_ids

        # ---- ledger
        led.prompt_tokens = len(ids)
        led.passages_in_window = max(0, len(story) - plan.start - dropped_in_window)
        self._fill_rows(led, segments, story, plan, anchor, inp, trimmed_current, cap)
        if plan.start > 0:
            led.dropped.insert(0, DropRow("story", t("context.part.old_story", count=plan.start), None,
                                          t("context.reason.window")))
        led.changes = list(dict.fromkeys(changes))
        led.cached_tokens_before = len(cached_ids)
        if cached_ids:
            common = _common_prefix(cached_ids, ids)
            led.common_prefix = common
            if common < len(ids):
                pos = 0
                for s in segments:
                    pos += len(s.ids)
                    if pos > common:
                        led.changed_part = self._part_name(s, len(story), anchor)
                        break
                if led.changes:
                    led.layout_change = ", ".join(t(f"context.change.{c}") for c in led.changes)
        led.assembly_ms = (time.perf_counter() - t0) * 1000.0
        return Assembly(ids=ids, max_new_tokens=max_new, ledger=led, segments=segments)

    # ------------------------------------------------------------------------------------------ ledger
    @staticmethod
    def _part_name(s: Segment, n_story: int, anchor: int) -> str:
        if s.kind == "memory":
            return t("context.part.memory")
        if s.kind == "lore":
            return t("context.part.lore", entry=s.key)
        if s.kind == "note":
            return t("context.part.note")
        if s.kind == "prompt":
            return t("context.part.prompt")
        if s.kind == "passage" and int(s.key) == n_story - 1 and anchor == n_story - 1:
            return t("context.part.action")
        return t("context.part.passage", index=int(s.key) + 1)

    def _fill_rows(self, led: ContextLedger, segments: list[Segment], story: Sequence[Any], plan: _Plan,
                   anchor: int, inp: ContextInput, trimmed_current: str, cap: dict[str, int]) -> None:
        story_tokens = 0
        story_count = 0
        rows: list[PartRow] = []
        tail: list[PartRow] = []
        for s in segments:
            if s.kind == "memory":
                rows.append(PartRow("head", "memory", t("context.part.memory"), len(s.ids)))
            elif s.kind == "lore" and s.section == "head":
                rows.append(PartRow("head", "lore", t("context.part.lore", entry=s.key), len(s.ids),
                                    t("context.detail.constant")))
            elif s.kind == "lore":
                rows.append(PartRow("story", "lore", t("context.part.lore", entry=s.key), len(s.ids),
                                    t("context.detail.sticky")))
            elif s.kind == "note":
                rows.append(PartRow("story", "note", t("context.part.note"), len(s.ids),
                                    t("context.detail.sticky" if s.key == "note" else "context.detail.stale")))
            elif s.kind == "prompt":
                tail.append(PartRow("tail", "prompt", t("context.part.prompt"), len(s.ids)))
            elif s.kind == "passage" and int(s.key) == anchor:
                detail = t("context.detail.cut", level=t(f"context.level.{trimmed_current}")) if trimmed_current else ""
                tail.append(PartRow("tail", "action", t("context.part.action"), len(s.ids), detail))
                if trimmed_current:
                    led.warnings.append(t("context.warn.action_cut", cap=cap["passage"]))
            else:
                story_tokens += len(s.ids)
                story_count += 1
        detail = t("context.detail.cut", level=t("context.level.sentence")) if plan.offset else ""
        rows.insert(sum(1 for r in rows if r.section == "head"),
                    PartRow("story", "story", t("context.part.story", count=story_count), story_tokens, detail))
        led.parts = rows + tail


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i
