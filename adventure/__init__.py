"""adventure: a terminal text-adventure engine narrated by a Korean language model."""

__version__ = "0.1.0"
