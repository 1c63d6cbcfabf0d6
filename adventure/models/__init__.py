"""Narrator models: presets (KoGPT2, KoGPT, ksjae's KoGPT2, the bundled model) and a loader with clear errors."""

from .loader import LoadedModel, ModelLoadError, ModelLoadWarning, load_model, model_availability
from .presets import PRESETS, ModelPreset, bundled_model_dir, get_preset

__all__ = [
    "PRESETS",
    "LoadedModel",
    "ModelLoadError",
    "ModelLoadWarning",
    "ModelPreset",
    "bundled_model_dir",
    "get_preset",
    "load_model",
    "model_availability",
]
