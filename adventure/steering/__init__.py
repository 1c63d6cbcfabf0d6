"""Steering: plugins that tilt the narration toward story attributes (공포, 전투, 로맨스, 미스터리, ...).

- ``api``: the plugin API (``Plugin``, ``TurnContext``, ``StepContext``) and the hook order;
- ``registry``: discovery (project ``plugins/`` folder, ``adventure.plugins`` entry points, user folder);
- ``attributes``: attributes as data (bags, held-out bags, contrast sentences);
- ``bags``: bags of words over a tokenizer with multi-token words and particles handled;
- ``session``: ``SteeringSession``, what ``Generator.generate(..., steering=session)`` takes;
- ``model_access``/``helpers``/``resources``: model internals, shared plugin helpers, prepared data.

Names are imported lazily: ``session`` pulls in torch, while the engine only needs ``attributes`` (to resolve
``/steer 공포`` and ``/steer horror`` to one name) and must not load torch for that.
"""

from __future__ import annotations

from .._lazy import lazy_getattr

_EXPORTS = {
    "Plugin": "api", "StepContext": "api", "TurnContext": "api",
    "Attribute": "attributes", "AttributeRegistry": "attributes", "builtin_attributes": "attributes",
    "count_hits": "attributes",
    "PluginInfo": "registry", "PluginRegistry": "registry", "default_registry": "registry", "discover": "registry",
    "SteeringSession": "session", "filter_input": "session",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_getattr(__name__, _EXPORTS)
