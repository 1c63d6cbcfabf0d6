"""Build the Korean narration training corpus (corpus/train.jsonl, heldout.jsonl, README.md).

Two sources per label: the hand-written passage files in
scripts/corpus/written/<label>/*.txt (blank-line separated, checked by
scripts/corpus/check_written.py), then the attribute module in scripts/corpus/
(neutral, horror, mystery, battle, romance), which exposes ``LABEL`` and
``passages(rng)`` (its own hand-written passages, then slot-filled grammar
ones, capped at MODULE_BYTES so the written prose dominates).  This script
reads both with a fixed seed, normalises and de-duplicates the text,
assigns ids, splits train/heldout by a hash of the text and writes JSONL.
The output is byte-for-byte reproducible, so the committed corpus can be
checked against a fresh build.

Usage: python scripts/build_corpus.py [--out DIR] [--quiet]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.util
import json
import random
import re
import sys
import unicodedata
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
# scripts/ first so `import corpus` finds scripts/corpus (not the output folder);
# the repository root too, for modules that import `scripts.corpus.common`.
for _p in (str(ROOT), str(SCRIPTS)):
    if _p in sys.path:
        sys.path.remove(_p)
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(SCRIPTS))

# Label order matters: it fixes which copy survives cross-label de-duplication.
LABELS = ("neutral", "horror", "mystery", "battle", "romance")
SEEDS = {"neutral": 20240101, "horror": 20240102, "mystery": 20240103, "battle": 20240104, "romance": 20240105}
WRITTEN = SCRIPTS / "corpus" / "written"
# Bytes taken from each module's passages (its hand-written ones come first). The grammar-expanded rest is
# grammatical but formulaic; capping it keeps the model from learning the formulas instead of the language.
MODULE_BYTES = 150_000
HELDOUT_MOD = 20  # a record is held out iff int(sha1(text), 16) % 20 == 0 (about 5%)

_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_NEAR = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """NFC, strip each line, collapse runs of spaces, keep single line breaks.

    Blank lines at the ends are removed and runs of blank lines become one,
    so the action-line / narration structure survives unchanged.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines: list[str] = []
    for line in text.split("\n"):
        line = _SPACES.sub(" ", line).strip()
        if not line and (not lines or not lines[-1]):
            continue
        lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def near_key(text: str) -> str:
    """Text without whitespace or punctuation; equal keys count as near-duplicates."""
    return _NEAR.sub("", text)


def is_heldout(text: str) -> bool:
    return int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16) % HELDOUT_MOD == 0


def load_modules(log) -> list:
    """Import every attribute module that exists; note the missing ones."""
    modules = []
    for label in LABELS:
        name = f"corpus.{label}"
        if importlib.util.find_spec(name) is None:
            log(f"note: scripts/corpus/{label}.py not found, skipping label {label!r}")
            continue
        module = importlib.import_module(name)
        if getattr(module, "LABEL", None) != label:
            raise SystemExit(f"{name}.LABEL is {getattr(module, 'LABEL', None)!r}, expected {label!r}")
        modules.append(module)
    return modules


def written_passages(label: str) -> list[tuple[str, str]]:
    """(text, source) of the passages of scripts/corpus/written/<label>/*.txt, files in name order, passages
    in file order; the source ("<label>/<file stem>") lets training keep a file's passages together."""
    from corpus.check_written import read_passages

    folder = WRITTEN / label
    if not folder.is_dir():
        return []
    return [(t, f"{label}/{f.stem}") for f in sorted(folder.glob("*.txt")) for t in read_passages(f)]


def capped(texts: list[str], limit: int) -> list[str]:
    """The leading passages of ``texts`` whose UTF-8 size stays within ``limit`` bytes."""
    out, size = [], 0
    for t in texts:
        size += len(t.encode("utf-8"))
        if size > limit:
            break
        out.append(t)
    return out


def build(log=print) -> list[dict]:
    """Return the records (id, label, source, text, split) in id order (source: the written file, or None
    for the grammar-expanded passages)."""
    records: list[dict] = []
    seen: set[str] = set()
    for module in load_modules(log):
        label = module.LABEL
        texts = module.passages(random.Random(SEEDS[label]))
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise SystemExit(f"{module.__name__}.passages() must return list[str]")
        sourced = written_passages(label) + [(t, None) for t in capped(texts, MODULE_BYTES)]
        count = dropped = 0
        for raw, source in sourced:
            text = normalise(raw)
            key = near_key(text)
            if not key or key in seen:
                dropped += 1
                continue
            seen.add(key)
            records.append({
                "id": f"{label}-{count:06d}",
                "label": label,
                "source": source,
                "text": text,
                "split": "heldout" if is_heldout(text) else "train",
            })
            count += 1
        if dropped:
            log(f"note: {label}: dropped {dropped} empty or duplicate passages")
    records.sort(key=lambda r: r["id"])
    return records


def stats(records: list[dict]) -> list[tuple]:
    """Rows of (label, train n, train bytes, heldout n, heldout bytes, total n, total bytes)."""
    labels = [lab for lab in LABELS if any(r["label"] == lab for r in records)]
    rows = []
    for lab in labels + ["TOTAL"]:
        sel = [r for r in records if lab == "TOTAL" or r["label"] == lab]
        row = [lab]
        for split in ("train", "heldout", None):
            part = [r for r in sel if split is None or r["split"] == split]
            row += [len(part), sum(len(r["text"].encode("utf-8")) for r in part)]
        rows.append(tuple(row))
    return rows


def format_table(rows: list[tuple]) -> str:
    head = ("label", "train", "train bytes", "heldout", "heldout bytes", "records", "bytes")
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---:" if i else "---" for i in range(len(head))) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(row[0]) if i == 0 else f"{v:,}" for i, v in enumerate(row)) + " |")
    return "\n".join(lines)


README = """# Korean narration corpus

Generated by `scripts/build_corpus.py`; do not edit by hand (edit the script
or the modules in `scripts/corpus/` and rebuild).

## What it is

Short Korean adventure passages used to train the small GPT-2 that narrates
the game.  Every passage is written for this project: hand-written prose
(the files in `scripts/corpus/written/<label>/`, plus at least 80 passages per
label inside the attribute modules) and passages generated by a slot-filling
grammar (capped at {module_bytes} bytes per label, module hand-written ones included).  All text uses one voice: first person, plain declarative style
(해라체), present (-ㄴ다/-는다) or past (-었다) narration consistent within a
passage, 3-9 sentences, dialogue in ASCII double quotes.

About 40% of the passages start with a player action line in the engine's
format, then the narration that follows from it:

```
> 횃불을 들고 동굴 안으로 들어간다.
나는 횃불을 높이 들고 동굴 안으로 발을 들였다. ...
```

## Labels

| label | attribute |
|---|---|
| neutral | ordinary travel, trade, daily life, weather, meals, conversation |
| horror | 공포: darkness, screams, ghosts, whispers, blood, cold hands |
| mystery | 미스터리: clues, riddles, secrets, traces, codes, keys, suspects |
| battle | 전투: fights, weapons, wounds, tactics |
| romance | 로맨스: affection, longing, confession, closeness |

## Files

`train.jsonl` and `heldout.jsonl`: one JSON object per line,
`{"id": "<label>-<6 digits>", "label": ..., "source": ..., "text": ...}`, UTF-8
(not ASCII-escaped), sorted by id.  A text may contain one line break, after the
action line.  `source` is the hand-written file a passage comes from
(`"<label>/<file stem>"`, passages in file order; null for grammar-expanded
ones): training joins runs of consecutive passages of one file with blank
lines, as the game joins the turns of one story.

## How it is built

`python scripts/build_corpus.py` reads `scripts/corpus/written/<label>/*.txt`
(one passage per blank-line separated block, files in name order; check them
with `python scripts/corpus/check_written.py`), then imports each module among neutral, horror,
mystery, battle and romance that exists in `scripts/corpus/` and calls
`passages(random.Random(seed))` with a fixed seed per label.  Each passage is
Unicode-NFC normalised, lines are stripped and runs of spaces collapsed (line
breaks are kept), and a passage is dropped when its text with all spaces and
punctuation removed equals an earlier one (exact and near duplicates, across
labels too).  Ids number the surviving passages per label in generation
order.  Grammar particles (은/는, 이/가, 을/를, 과/와, 으로/로 ...) agree with
the slot values through `josa()` in `scripts/corpus/common.py`.

## Split rule

A record goes to `heldout.jsonl` iff
`int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16) % 20 == 0`, otherwise
to `train.jsonl` (about 5% held out).  The rule depends only on the text, so
the split is stable when other passages are added or removed.

## Sizes

Bytes are UTF-8 bytes of the `text` fields.

{table}
"""


def write(records: list[dict], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for split in ("train", "heldout"):
        with open(out / f"{split}.jsonl", "w", encoding="utf-8", newline="\n") as fh:
            for r in records:
                if r["split"] == split:
                    fh.write(json.dumps({"id": r["id"], "label": r["label"], "source": r["source"],
                                         "text": r["text"]}, ensure_ascii=False) + "\n")
    with open(out / "README.md", "w", encoding="utf-8", newline="\n") as fh:
        fh.write(README.replace("{table}", format_table(stats(records))).replace("{module_bytes}", f"{MODULE_BYTES:,}"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "corpus", help="output folder (default: corpus/)")
    parser.add_argument("--quiet", action="store_true", help="print nothing")
    args = parser.parse_args(argv)
    log = (lambda *a: None) if args.quiet else print
    records = build(log)
    if not records:
        raise SystemExit("no passages: no attribute module found in scripts/corpus/")
    write(records, args.out)
    log(format_table(stats(records)))
    log(f"wrote {args.out}/train.jsonl, heldout.jsonl, README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
