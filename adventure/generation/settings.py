"""Sampling settings: validated, immutable, and settable by the player (`/set temperature 0.8`)."""

from __future__ import annotations

import codecs
import json
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

_TRUE = {"1", "true", "yes", "on", "y", "예", "네", "켜기", "켬"}
_FALSE = {"0", "false", "no", "off", "n", "아니오", "아니요", "끄기", "끔"}


class SamplingSettings(BaseModel):
    """How the narrator samples. Neutral values switch a filter off (top_k 0, top_p 1, typical_p 1, penalty 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    temperature: float = Field(0.8, ge=0.0, le=5.0, description="0 = greedy (always the likeliest token)")
    top_k: int = Field(50, ge=0, le=100_000, description="keep the k likeliest tokens; 0 = off")
    top_p: float = Field(0.95, gt=0.0, le=1.0, description="nucleus sampling mass; 1 = off")
    typical_p: float = Field(1.0, gt=0.0, le=1.0, description="typical sampling mass; 1 = off")
    repetition_penalty: float = Field(1.1, ge=0.1, le=5.0, description="1 = off; >1 discourages repeats")
    repetition_range: int = Field(256, ge=0, le=100_000,
                                  description="penalise only the last N tokens of the context; 0 = all")
    no_repeat_ngram_size: int = Field(0, ge=0, le=20, description="forbid repeating any n-gram; 0 = off")
    max_new_tokens: int = Field(80, ge=1, le=4096, description="token budget of one narration")
    min_new_tokens: int = Field(0, ge=0, le=4096, description="no end-of-text before this many tokens")
    stop_strings: list[str] = Field(default_factory=lambda: ["\n>"], max_length=32,
                                    description="stop when the text contains one (the stop string is dropped)")
    trim_to_sentence: bool = Field(True, description="when the budget runs out, cut back to the last sentence end")
    known_words: bool = Field(True, description="write only words the model's word list or the context contains "
                                                "(models that ship a lexicon.txt, such as the bundled one)")
    sentence_candidates: int = Field(1, ge=1, le=16,
                                     description="sample this many versions of each sentence and keep the one "
                                                 "the model finds likeliest in context; 1 = off (plain streaming)")

    # What `/set KEY VALUE` accepts, with the allowed range (shown by the game's help).
    SETTABLE_KEYS: ClassVar[dict[str, str]] = {
        "temperature": "number 0–5 (0 = greedy)",
        "top_k": "whole number ≥ 0 (0 = off)",
        "top_p": "number above 0, at most 1 (1 = off)",
        "typical_p": "number above 0, at most 1 (1 = off)",
        "repetition_penalty": "number 0.1–5 (1 = off)",
        "repetition_range": "whole number ≥ 0 (0 = whole context)",
        "no_repeat_ngram_size": "whole number 0–20 (0 = off)",
        "max_new_tokens": "whole number 1–4096",
        "min_new_tokens": "whole number 0–4096, not above max_new_tokens",
        "stop_strings": 'JSON list like ["\\n>", "끝."], or one string with \\n escapes, or "none"',
        "trim_to_sentence": "on/off",
        "known_words": "on/off",
        "sentence_candidates": "whole number 1–16 (1 = off)",
    }

    @field_validator("stop_strings")
    @classmethod
    def _non_empty_stops(cls, value: list[str]) -> list[str]:
        if any(not s for s in value):
            raise ValueError("stop strings must not be empty")
        return list(dict.fromkeys(value))  # drop duplicates, keep order

    @model_validator(mode="after")
    def _min_not_above_max(self) -> "SamplingSettings":
        if self.min_new_tokens > self.max_new_tokens:
            raise ValueError(f"min_new_tokens ({self.min_new_tokens}) must not exceed max_new_tokens "
                             f"({self.max_new_tokens})")
        return self

    @property
    def greedy(self) -> bool:
        return self.temperature == 0.0

    def with_overrides(self, **kw: Any) -> "SamplingSettings":
        """A validated copy; keys whose value is None are left as they are (handy for optional CLI flags)."""
        changes = {k: v for k, v in kw.items() if v is not None}
        if not changes:
            return self
        return type(self).model_validate({**self.model_dump(), **changes})

    @classmethod
    def describe_error(cls, exc: Exception) -> str:
        """One sentence for a failed ``with_overrides``/validation, e.g. for a CLI flag out of range."""
        if isinstance(exc, ValidationError) and exc.errors():
            err = exc.errors()[0]
            loc = err.get("loc") or ()
            name = str(loc[0]) if loc else ""
            if name in cls.SETTABLE_KEYS:
                return f"{name} must be a {cls.SETTABLE_KEYS[name]}, not {err.get('input')!r}."
            msg = str(err.get("msg", "")).removeprefix("Value error, ")
            return f"Invalid sampling settings: {msg}."
        return " ".join(str(exc).split())

    @classmethod
    def canonical_key(cls, key: str) -> str:
        """``Max-New-Tokens`` -> ``max_new_tokens``; raises ValueError for keys `/set` does not accept."""
        name = key.strip().lower().replace("-", "_")
        if name not in cls.SETTABLE_KEYS:
            raise ValueError(f"Unknown setting '{key}'; settable keys are: {', '.join(cls.SETTABLE_KEYS)}.")
        return name

    def set_from_text(self, key: str, value: str) -> "SamplingSettings":
        """Parse the player's `/set KEY VALUE`; raises ValueError with one sentence naming the key and range.

        KEY may use dashes or capitals; use ``canonical_key(key)`` to read the value back from the result.
        """
        name = self.canonical_key(key)
        allowed = self.SETTABLE_KEYS[name]
        raw = value.strip()
        try:
            parsed = self.parse_value(name, raw)
            return self.with_overrides(**{name: parsed})
        except (ValueError, ValidationError) as exc:
            detail = _first_error(exc)
            raise ValueError(f"{name} must be a {allowed}, not '{raw}'{detail}.") from None

    @staticmethod
    def parse_value(name: str, raw: str) -> Any:
        """Text to a field value (bool on/off/예/아니오, numbers, stop strings as JSON list or escaped text)."""
        annotation = SamplingSettings.model_fields[name].annotation
        if annotation is bool:
            low = raw.lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError("not on/off")
        if annotation is int:
            number = float(raw)
            if not number.is_integer():
                raise ValueError("not a whole number")
            return int(number)
        if annotation is float:
            number = float(raw)
            if number != number or number in (float("inf"), float("-inf")):
                raise ValueError("not a finite number")
            return number
        # stop_strings
        if raw.lower() in {"none", "off", "[]", '""', "없음"}:
            return []
        if raw.startswith("["):
            items = json.loads(raw)
            if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
                raise ValueError("not a list of strings")
            return items
        if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
            raw = raw[1:-1]
        return [codecs.decode(raw.encode("utf-8"), "unicode_escape").encode("latin-1").decode("utf-8")]


def _first_error(exc: Exception) -> str:
    """The constraint pydantic reports, as a short clause (e.g. ' (min_new_tokens ... must not exceed ...)')."""
    if isinstance(exc, ValidationError):
        errors = exc.errors()
        if errors:
            msg = str(errors[0].get("msg", "")).removeprefix("Value error, ")
            return f" ({msg})" if msg else ""
    return ""
