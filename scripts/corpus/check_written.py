"""Check hand-written corpus files (scripts/corpus/written/<label>/*.txt) before they are built.

Format, one passage per block, blocks separated by one blank line::

    > 횃불을 들고 동굴 안으로 들어간다.          <- optional player action line
    나는 횃불을 높이 들고 ... 했다. "..." ...     <- the narration, one line

Usage: python scripts/corpus/check_written.py [FILE_OR_DIR ...]   (default: the whole written/ folder)
Exit status 1 when a file has errors; warnings (repeated sentences) do not fail.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

WRITTEN = Path(__file__).resolve().parent / "written"
LABELS = ("neutral", "horror", "mystery", "battle", "romance")
ALLOWED = re.compile(r"^[\uac00-\ud7a3 0-9.,!?\"'…~\-·:;()%]+$")
SENTENCE_END = re.compile(r'[.!?…]["\']?$')
SENTENCES = re.compile(r'[^.!?…]+[.!?…]+["\']?')


def split_blocks(text: str) -> list[tuple[int, list[str]]]:
    """(first line number, lines) of each blank-line separated block."""
    blocks, current, start = [], [], 0
    for no, line in enumerate(text.split("\n"), 1):
        if line.strip():
            if not current:
                start = no
            current.append(line.strip())
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def read_passages(path: Path) -> list[str]:
    """The passages of one file as corpus texts (action line + newline + narration)."""
    text = unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
    return ["\n".join(lines) for _, lines in split_blocks(text)]


def check_file(path: Path, seen: Counter) -> tuple[list[str], int, int]:
    errors: list[str] = []
    if path.resolve().parent.name not in LABELS:
        errors.append(f"{path}: folder must be one of {', '.join(LABELS)}")
    try:
        text = unicodedata.normalize("NFC", path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        return [f"{path}: not UTF-8 ({exc})"], 0, 0
    blocks = split_blocks(text)
    chars = 0
    for start, lines in blocks:
        where = f"{path}:{start}"
        if len(lines) > 2 or (len(lines) == 2 and not lines[0].startswith("> ")):
            errors.append(f"{where}: a passage is one narration line, optionally after one '> action' line")
            continue
        if lines[0].startswith("> ") and len(lines) == 1:
            errors.append(f"{where}: action line without narration")
            continue
        for line in lines:
            body = line[2:] if line.startswith("> ") else line
            if not ALLOWED.match(body):
                bad = sorted({c for c in body if not ALLOWED.match(c)})
                errors.append(f"{where}: characters outside Hangul/digits/basic punctuation: {''.join(bad)!r}")
            if not SENTENCE_END.search(body):
                errors.append(f"{where}: line does not end a sentence: {body[-15:]!r}")
            if body.count('"') % 2:
                errors.append(f"{where}: unbalanced double quotes")
        narration = lines[-1]
        sentences = [s.strip() for s in SENTENCES.findall(narration)]
        if not 3 <= len(sentences) <= 12:
            errors.append(f"{where}: {len(sentences)} sentences (want 3-12)")
        if not 60 <= len(narration) <= 600:
            errors.append(f"{where}: narration is {len(narration)} characters (want 60-600)")
        chars += len(narration)
        for s in sentences:
            if len(s) > 12:
                seen[s] += 1
    return errors, len(blocks), chars


def main(argv: list[str]) -> int:
    targets = [Path(a) for a in argv] or [WRITTEN]
    files = sorted(p for t in targets for p in ([t] if t.is_file() else t.rglob("*.txt")))
    seen: Counter = Counter()
    all_errors: list[str] = []
    total_blocks = total_chars = 0
    for f in files:
        errors, n, chars = check_file(f, seen)
        all_errors += errors
        total_blocks += n
        total_chars += chars
        print(f"{f}: {n} passages, {chars} characters, {len(errors)} errors")
    for e in all_errors[:200]:
        print("error:", e)
    repeated = [(s, n) for s, n in seen.items() if n > 1]
    if repeated:
        print(f"warning: {len(repeated)} sentences occur more than once, e.g.:")
        for s, n in sorted(repeated, key=lambda x: -x[1])[:15]:
            print(f"  {n}x {s}")
    print(f"total: {len(files)} files, {total_blocks} passages, {total_chars} characters, {len(all_errors)} errors")
    return 1 if all_errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
