"""Generation: sampling settings, our decode loop with KV-cache reuse, streaming detokenizer, stop handling."""

from .detokenize import IncrementalDetokenizer
from .loop import GenerationCancelled, GenerationResult, Generator
from .settings import SamplingSettings
from .stopping import find_stop, last_sentence_end, stop_holdback, trim_to_sentence_end

__all__ = [
    "GenerationCancelled",
    "GenerationResult",
    "Generator",
    "IncrementalDetokenizer",
    "SamplingSettings",
    "find_stop",
    "last_sentence_end",
    "stop_holdback",
    "trim_to_sentence_end",
]
