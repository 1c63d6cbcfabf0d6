"""Steering: plugins that tilt the narration toward story attributes (공포, 전투, 로맨스, 미스터리, ...).

- ``api``: the plugin API (``Plugin``, ``TurnContext``, ``StepContext``) and the hook order;
- ``registry``: discovery (project ``plugins/`` folder, ``adventure.plugins`` entry points, user folder);
- ``attributes``: attributes as data (bags, held-out bags, contrast sentences);
- ``bags``: bags of words over a tokenizer with multi-token words and particles handled;
- ``session``: ``SteeringSession``, what ``Generator.generate(..., steering=session)`` takes;
- ``model_access``/``helpers``/``resources``: model internals, shared plugin helpers, prepared data.
"""

from .api import Plugin, StepContext, TurnContext
from .attributes import Attribute, AttributeRegistry, builtin_attributes, count_hits
from .registry import PluginInfo, PluginRegistry, default_registry, discover
from .session import SteeringSession, filter_input

__all__ = ["Attribute", "AttributeRegistry", "Plugin", "PluginInfo", "PluginRegistry", "StepContext",
           "SteeringSession", "TurnContext", "builtin_attributes", "count_hits", "default_registry", "discover",
           "filter_input"]
