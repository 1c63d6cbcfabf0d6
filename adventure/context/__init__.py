"""The context window manager: what the narrator model reads each turn, within its window, cache-friendly.

- :mod:`.manager` assembles the prompt (pinned head | story stream with sticky inserts | tail) as token ids,
  never longer than ``n_ctx - max_new_tokens``, and evicts old story in large chunks.
- :mod:`.worldinfo` decides which world-info entries fire; :mod:`.korean` matches keys with particles and
  finds safe cut points.
- :mod:`.ledger` records what went in, what was left out and why, and what the cache saved (``/context``).

Nothing here imports torch: the assembler only needs a tokenizer's ``encode``.
"""

from .ledger import ContextLedger, format_ledger
from .manager import Assembly, ContextConfig, ContextInput, ContextManager
from .worldinfo import Entry, entries_from, triggered

__all__ = ["Assembly", "ContextConfig", "ContextInput", "ContextLedger", "ContextManager", "Entry",
           "entries_from", "format_ledger", "triggered"]
