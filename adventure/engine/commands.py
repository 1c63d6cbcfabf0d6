"""Slash-command parsing shared by every front end: ``/save 이름``, ``/set temperature 0.8``..."""

from __future__ import annotations

import shlex
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    name: str
    args: tuple[str, ...]


def parse_command(line: str) -> Command | None:
    """Parse ``/name arg...``; returns None when the line is not a command. Never raises."""
    text = line.strip()
    if not text.startswith("/"):
        return None
    body = text[1:]
    try:
        parts = shlex.split(body)
    except ValueError:  # unbalanced quotes: fall back to plain whitespace splitting
        parts = body.split()
    if not parts:
        return Command("help", ())
    return Command(parts[0].lower(), tuple(parts[1:]))


def parse_choice_number(line: str) -> int | None:
    """``3`` or ``3.`` picks choice 3; anything else is not a choice number."""
    text = line.strip().rstrip(".")
    if text.isascii() and text.isdigit() and len(text) <= 3:
        return int(text)
    return None
