"""Narrator models: presets (KoGPT2, KoGPT, ksjae's KoGPT2, the bundled model) and a loader with clear errors.

Names are imported lazily: ``loader`` pulls in torch and transformers, while ``presets`` (names, context sizes,
the bundled folder) must stay cheap for ``adventure validate`` and ``adventure models``.
"""

from __future__ import annotations

from .._lazy import lazy_getattr

_EXPORTS = {
    "PRESETS": "presets",
    "LoadedModel": "loader",
    "ModelLoadError": "loader",
    "ModelLoadWarning": "loader",
    "ModelPreset": "presets",
    "bundled_model_dir": "presets",
    "get_preset": "presets",
    "load_model": "loader",
    "model_availability": "loader",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
