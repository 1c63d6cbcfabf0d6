"""Blind judging of narration quality: sheets for human (or helper) judges, and their scores.

Why: no Korean grammar checker runs offline, and corpus statistics (bench_quality.py) only track what a reader
notices. The quality bar is a reader's verdict, so this makes that verdict repeatable: play transcripts of
several setups are cut into narrations, split into sentences, shuffled together and written as sheets that do
not say which setup wrote what; judges label every sentence G (good), O (grammatical but odd in meaning) or
B (broken); ``score`` adds the labels up per setup.

    adventure play lantern --plain --new --seed 31 < scripts/judging/lantern-village.txt > runs/a_31.txt
    python scripts/judge_sheets.py make OUT --parts 2 base=runs/a_*.txt new=runs/b_*.txt
    # judges read OUT/instructions.md, label OUT/sheetK.md, write OUT/verdictK.jsonl
    python scripts/judge_sheets.py score OUT
"""

from __future__ import annotations

import argparse
import collections
import glob
import json
import pathlib
import random
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adventure.generation.sentence_rules import sentences_of  # noqa: E402

INSTRUCTIONS = """# Judging Korean narration sentences (blind)

A small Korean language model narrates a text adventure. Each item shows its context on one line (`장면:` the
authored scene text the model continues, or `행동:` the free action the player typed), then the model's
narration split into numbered sentences.

Label EVERY numbered sentence with exactly one letter:
- **G** good: a grammatical, natural Korean sentence in the story's register (plain written narration ending
  in -다, or a line of dialogue that fits its speaker), and it makes literal sense here.
- **O** odd: grammatical Korean, but the meaning is wrong or strange: an impossible or illogical action (a verb
  that does not fit its object, an animal that talks for no reason, an object never mentioned used as if
  known), a contradiction of the context or of the sentence before, a word said twice pointlessly, an abrupt
  jump to something unrelated.
- **B** broken: ungrammatical or garbled: a wrong particle or ending, a clause that does not connect, a word
  that does not exist, an incomplete sentence, a mix of speech levels no speaker would use.

Be strict and consistent: a native reader of a published Korean novel is the standard. Judge each sentence in
the context of its item. Items are shuffled; do not try to guess which system wrote what.

Write one JSON object per line, one line per item, in the order of the sheet, to your verdict file:

    {"id": 3, "labels": "GGOGB"}

(the labels string has exactly as many letters as the item has sentences).
"""

_CHOICE = re.compile(r"^\s+\d+\.\s+(.*\S)\s*$")
_TITLE = re.compile(r"^\[[^\]]+\]$")


def narrations(transcript: str) -> list[tuple[str, str]]:
    """(context, narration) for every model-written narration of a ``--plain`` play transcript: the line after a
    free action ("행동: ..."), and the line a scene's text continues with, which starts with one space ("장면: ...").
    A choice the pack authored ("> " followed by one of the listed choices) is not a free action."""
    lines = transcript.splitlines()
    out: list[tuple[str, str]] = []
    choices: set[str] = set()
    for i, line in enumerate(lines):
        m = _CHOICE.match(line)
        if m:
            choices.add(m.group(1))
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.startswith("> "):
            action = line[2:].strip()
            if action not in choices and nxt.strip() and not _TITLE.match(nxt.strip()):
                out.append(("행동: " + action, nxt.strip()))
            choices = set()
        elif _TITLE.match(line):
            j, scene = i + 1, []
            while j < len(lines) and lines[j].strip() and not lines[j].startswith(" "):
                scene.append(lines[j].strip())
                j += 1
            if j < len(lines) and lines[j].startswith(" ") and not _CHOICE.match(lines[j]):
                out.append(("장면: " + " ".join(scene), lines[j].strip()))
    return out


def make(out: pathlib.Path, parts: int, specs: list[str], seed: int = 11) -> list[dict]:
    """Write ``key.json`` (which setup wrote each item), ``sheet1..N.md`` and ``instructions.md`` to ``out``."""
    items = []
    for spec in specs:
        setup, _, pattern = spec.partition("=")
        if not pattern:
            raise SystemExit(f"judge_sheets: '{spec}' is not SETUP=GLOB")
        paths = sorted(glob.glob(pattern))
        if not paths:
            raise SystemExit(f"judge_sheets: no transcript matches {pattern}")
        for path in paths:
            for context, text in narrations(pathlib.Path(path).read_text(encoding="utf-8")):
                items.append({"setup": setup, "file": path, "context": context, "sentences": sentences_of(text)})
    random.Random(seed).shuffle(items)
    for n, item in enumerate(items, 1):
        item["id"] = n
    out.mkdir(parents=True, exist_ok=True)
    (out / "key.json").write_text(json.dumps(items, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / "instructions.md").write_text(INSTRUCTIONS, encoding="utf-8")
    for p in range(parts):
        with open(out / f"sheet{p + 1}.md", "w", encoding="utf-8") as f:
            for item in items[p::parts]:
                f.write(f"## item {item['id']}\n{item['context']}\n")
                f.writelines(f"  {k}. {s}\n" for k, s in enumerate(item["sentences"], 1))
                f.write("\n")
    return items


def score(folder: pathlib.Path) -> dict[tuple[str, str], collections.Counter]:
    """Label counts per (setup, "all" | "장면" | "행동") from ``verdict*.jsonl`` against ``key.json``."""
    key = {item["id"]: item for item in json.loads((folder / "key.json").read_text(encoding="utf-8"))}
    totals: dict[tuple[str, str], collections.Counter] = collections.defaultdict(collections.Counter)
    for path in sorted(folder.glob("verdict*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            verdict = json.loads(line)
            item = key[verdict["id"]]
            labels = verdict["labels"].upper()
            if len(labels) != len(item["sentences"]) or set(labels) - set("GOB"):
                raise SystemExit(f"judge_sheets: {path.name}: item {verdict['id']} has labels {labels!r} for "
                                 f"{len(item['sentences'])} sentences")
            kind = item["context"].split(":", 1)[0]
            totals[(item["setup"], "all")].update(labels)
            totals[(item["setup"], kind)].update(labels)
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_make = sub.add_parser("make", help="write blind sheets from play transcripts")
    p_make.add_argument("out", type=pathlib.Path)
    p_make.add_argument("specs", nargs="+", metavar="SETUP=GLOB")
    p_make.add_argument("--parts", type=int, default=2, help="sheets (one per judge)")
    p_score = sub.add_parser("score", help="add up the verdicts per setup")
    p_score.add_argument("folder", type=pathlib.Path)
    args = parser.parse_args(argv)
    if args.command == "make":
        items = make(args.out, args.parts, args.specs)
        per = collections.Counter(item["setup"] for item in items)
        print(f"{len(items)} items ({', '.join(f'{k} {v}' for k, v in sorted(per.items()))}) in {args.out}")
        return 0
    print(f"{'setup':<12}{'context':<8}{'sentences':>10}{'G':>8}{'O':>8}{'B':>8}")
    for (setup, kind), c in sorted(score(args.folder).items()):
        n = sum(c.values())
        print(f"{setup:<12}{kind:<8}{n:>10}{c['G'] / n:>8.1%}{c['O'] / n:>8.1%}{c['B'] / n:>8.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
