"""The context ledger: what went into the window last turn, what was left out and why, what the cache saved.

A plain dataclass so every front end can render it: ``/context`` prints :func:`format_ledger` in plain mode,
and ``ModelNarrator.last_info`` carries :meth:`ContextLedger.info` (flat numbers plus lists of rows) for the
TUI's context panel.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..ui_text import t


@dataclass
class PartRow:
    section: str          # "head" | "story" | "tail"
    kind: str             # "memory" | "lore" | "story" | "note" | "state" | "action" | "prompt"
    name: str             # shown to the player (Korean)
    tokens: int
    detail: str = ""      # e.g. "cut at a sentence", "sticky since passage 12"


@dataclass
class DropRow:
    kind: str             # "memory" | "lore" | "story" | "note" | "state" | "action" | "prompt"
    name: str
    tokens: int | None    # None when not measured (old story outside the window)
    reason: str           # shown to the player (Korean)


@dataclass
class ContextLedger:
    n_ctx: int
    max_new_tokens: int
    budget: int                       # n_ctx - max_new_tokens: the most the prompt may take
    prompt_tokens: int = 0
    parts: list[PartRow] = field(default_factory=list)
    dropped: list[DropRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    passages_total: int = 0           # story passages in the game so far
    passages_in_window: int = 0
    evicted_passages: int = 0         # dropped this turn by an eviction (0 on most turns)
    evicted_tokens: int = 0
    changes: list[str] = field(default_factory=list)  # layout changes this turn: evict, note, lore, history, head
    layout_change: str = ""           # the same, for the player (set when the prompt diverges from the cache)
    cached_tokens_before: int = 0
    common_prefix: int | None = None  # tokens shared with the cache before this turn
    changed_part: str = ""            # the part where the prompt first differs from the cache
    assembly_ms: float = 0.0
    # filled in after generation
    reused_tokens: int | None = None
    processed_tokens: int | None = None
    prefill_seconds: float | None = None
    seconds: float | None = None
    finish_reason: str | None = None

    def record_generation(self, result: Any) -> None:
        self.reused_tokens = int(result.reused_tokens)
        self.processed_tokens = int(result.processed_tokens)
        self.prefill_seconds = round(float(result.ttft_seconds), 3)
        self.seconds = round(float(result.seconds), 3)
        self.finish_reason = result.finish_reason

    def info(self) -> dict[str, Any]:
        """The ``last_info`` view: the numbers the TUI panel reads, plus the ledger rows."""
        out: dict[str, Any] = {
            "prompt_tokens": self.prompt_tokens,
            "reused_tokens": self.reused_tokens,
            "processed_tokens": self.processed_tokens,
            "n_ctx": self.n_ctx,
            "budget": self.budget,
            "max_new_tokens": self.max_new_tokens,
            "passages_in_window": self.passages_in_window,
            "passages_total": self.passages_total,
            "dropped_passages": self.passages_total - self.passages_in_window,
            "evicted_passages": self.evicted_passages,
            "assembly_ms": round(self.assembly_ms, 2),
        }
        if self.seconds is not None:
            out["seconds"] = self.seconds
            out["prefill_seconds"] = self.prefill_seconds
            out["finish_reason"] = self.finish_reason
        if self.layout_change:
            out["layout_change"] = self.layout_change
        if self.changed_part:
            out["changed_part"] = self.changed_part
        out["parts"] = [{"part": p.name, "section": t(f"context.section.{p.section}"), "tokens": p.tokens,
                         **({"detail": p.detail} if p.detail else {})} for p in self.parts]
        if self.dropped:
            out["dropped"] = [{"part": d.name, "tokens": "—" if d.tokens is None else d.tokens,
                               "reason": d.reason} for d in self.dropped]
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def format_ledger(ledger: ContextLedger, narrator_name: str = "") -> str:
    """The ledger as plain text lines (for ``/context`` in plain mode)."""
    lines = [t("context.header", name=narrator_name or "—", n_ctx=ledger.n_ctx, max_new=ledger.max_new_tokens,
               budget=ledger.budget, used=ledger.prompt_tokens)]
    if ledger.reused_tokens is not None:
        lines.append(t("context.reuse", reused=ledger.reused_tokens, processed=ledger.processed_tokens,
                       seconds=f"{ledger.prefill_seconds or 0:.2f}"))
    if ledger.changed_part:
        lines.append(t("context.changed", part=ledger.changed_part,
                       reason=ledger.layout_change or t("context.change.new_text")))
    if ledger.evicted_passages:
        lines.append(t("context.evicted", count=ledger.evicted_passages, tokens=ledger.evicted_tokens))
    lines.append(t("context.parts"))
    width = max([len(p.name) for p in ledger.parts] + [8])
    for p in ledger.parts:
        section = t(f"context.section.{p.section}")
        detail = f"  ({p.detail})" if p.detail else ""
        lines.append(f"  {section:<4} {p.name:<{width}} {p.tokens:>5}{detail}")
    lines.append(f"  {t('context.total'):<4} {'':<{width}} {ledger.prompt_tokens:>5} / {ledger.budget}")
    lines.append(t("context.window", shown=ledger.passages_in_window, total=ledger.passages_total))
    if ledger.dropped:
        lines.append(t("context.dropped"))
        for d in ledger.dropped:
            tokens = "—" if d.tokens is None else str(d.tokens)
            lines.append(f"  {d.name:<{width}} {tokens:>5}  {d.reason}")
    for w in ledger.warnings:
        lines.append("! " + w)
    return "\n".join(lines)
