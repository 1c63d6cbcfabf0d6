"""Training tools: the pipeline that builds the small Korean GPT-2 bundled with the package.

Importing this package is cheap; the heavy libraries (torch, transformers, tokenizers) are imported
by :mod:`adventure.training.bundled` only when it is used.
"""

from __future__ import annotations

__all__ = ["bundled"]
