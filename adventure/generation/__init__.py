"""Generation: sampling settings, our decode loop with KV-cache reuse, streaming detokenizer, stop handling.

Names are imported lazily: ``loop`` pulls in torch and transformers (about 2 s), and the command line
imports this package just to describe ``/set`` keys, which must not delay the first screen.
"""

from __future__ import annotations

from .._lazy import lazy_getattr

_EXPORTS = {
    "GenerationCancelled": "loop",
    "GenerationResult": "loop",
    "Generator": "loop",
    "IncrementalDetokenizer": "detokenize",
    "SamplingSettings": "settings",
    "find_stop": "stopping",
    "last_sentence_end": "stopping",
    "stop_holdback": "stopping",
    "trim_to_sentence_end": "stopping",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
