"""``adventure plugins``: list the plugins found (with version, hooks and status), the story attributes, and
prepare a model's steering data (discriminator head and contrast vectors) from the corpus."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plugins", help="list plugins and steering attributes; prepare steering data",
                       description="List the plugins found in the project's plugins/ folder, the "
                                   "'adventure.plugins' entry points and the user plugins folder, with their "
                                   "version, hooks and status.")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--verbose", "-v", action="store_true", help="also show where each plugin comes from")
    p.set_defaults(func=run)
    ps = p.add_subparsers(dest="plugins_cmd", metavar="ACTION")
    pl = ps.add_parser("list", help="list plugins (the default)")
    pl.add_argument("--json", action="store_true", help="machine-readable output")
    pl.add_argument("--verbose", "-v", action="store_true", help="also show where each plugin comes from")
    pl.set_defaults(func=run)
    pa = ps.add_parser("attributes", help="list steering attributes (and how their bags tokenize on a model)")
    pa.add_argument("--model", metavar="NAME|PATH", help="show single/multi-token/skipped bag words on this model")
    pa.add_argument("--json", action="store_true", help="machine-readable output")
    pa.set_defaults(func=run_attributes)
    pp = ps.add_parser("prepare", help="train a model's discriminator head and contrast vectors on the corpus")
    pp.add_argument("--model", default="bundled", metavar="NAME|PATH", help="model (default: bundled)")
    pp.add_argument("--corpus", metavar="DIR", help="folder with train.jsonl/heldout.jsonl (default: corpus/)")
    pp.add_argument("--out", metavar="FILE", help="output .safetensors (default: the user cache; for the "
                                                  "bundled model use --ship to write it into the package)")
    pp.add_argument("--ship", action="store_true", help="write into adventure/steering/data/ (shipped)")
    pp.add_argument("--threads", type=int, metavar="N", help="torch CPU threads")
    pp.set_defaults(func=run_prepare)


def _rows(verbose: bool) -> list[dict]:
    from ..steering.registry import default_registry

    out = []
    for info in default_registry().infos:
        status = info.status
        if status == "ok":
            status = "on" if info.default_enabled else "off (enable by name)"
        row = {"name": info.name, "version": info.version or "-", "origin": info.origin,
               "hooks": info.hooks, "status": status, "error": info.error,
               "description": info.description}
        if verbose:
            row["source"] = info.source
        out.append(row)
    return out


def run(args: argparse.Namespace) -> int:
    rows = _rows(getattr(args, "verbose", False))
    if getattr(args, "json", False):
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        from ..ui_text import t

        print(t("plugins.none"))
        return 0
    name_w = max(len("name"), *(len(r["name"]) for r in rows))
    ver_w = max(len("version"), *(len(r["version"]) for r in rows))
    org_w = max(len("origin"), *(len(r["origin"]) for r in rows))
    hooks = [", ".join(r["hooks"]) or "-" for r in rows]
    hook_w = max(len("hooks"), *(len(h) for h in hooks))
    print(f"{'name':<{name_w}}  {'version':<{ver_w}}  {'origin':<{org_w}}  {'hooks':<{hook_w}}  status")
    for r, h in zip(rows, hooks):
        status = r["status"] + (f": {r['error']}" if r["error"] else "")
        print(f"{r['name']:<{name_w}}  {r['version']:<{ver_w}}  {r['origin']:<{org_w}}  {h:<{hook_w}}  {status}")
        if r.get("source"):
            print(f"{'':<{name_w}}  {r['source']}")
    return 0


def run_attributes(args: argparse.Namespace) -> int:
    from ..steering.attributes import builtin_attributes

    reg = builtin_attributes()
    mc = None
    if args.model:
        from ..models.loader import ModelLoadError, load_model
        from ..steering.session import model_context

        try:
            mc = model_context(load_model(args.model))
        except ModelLoadError as exc:
            print(f"adventure: error: {exc}", file=sys.stderr)
            return 1
    rows = []
    for attr in reg:
        row = {"name": attr.name, "english": attr.english, "aliases": list(attr.aliases), "label": attr.label,
               "bag": len(attr.bag), "heldout": len(attr.heldout),
               "contrast": min(len(attr.contrast_positive), len(attr.contrast_negative))}
        if mc is not None:
            from ..steering.helpers import bag_index

            idx = bag_index(mc, attr)
            row.update({"single_token": len(idx.single_token), "multi_token": len(idx.multi_token),
                        "skipped": idx.skipped})
        rows.append(row)
    if args.json:
        print(json.dumps({"attributes": rows, "errors": reg.errors}, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        line = (f"{r['name']} ({r['english']}; {', '.join(r['aliases'])}): bag {r['bag']}, held-out {r['heldout']}, "
                f"contrast pairs {r['contrast']}, corpus label {r['label'] or '-'}")
        if "multi_token" in r:
            line += (f"; on this model {r['single_token']} one-token, {r['multi_token']} multi-token, "
                     f"{len(r['skipped'])} skipped" + (f" ({', '.join(r['skipped'])})" if r["skipped"] else ""))
        print(line)
    for err in reg.errors:
        print(f"adventure: warning: {err}", file=sys.stderr)
    return 0


def run_prepare(args: argparse.Namespace) -> int:
    import pathlib

    import torch

    from ..models.loader import ModelLoadError, load_model
    from ..steering.resources import DATA_DIR, prepare
    from ..steering.session import model_context

    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        loaded = load_model(args.model)
    except ModelLoadError as exc:
        print(f"adventure: error: {exc}", file=sys.stderr)
        return 1
    mc = model_context(loaded)
    out = pathlib.Path(args.out) if args.out else (DATA_DIR / f"{mc.fingerprint}.safetensors" if args.ship else None)
    try:
        prepare(mc, pathlib.Path(args.corpus) if args.corpus else None, out,
                log=lambda m: print(m, file=sys.stderr))
    except FileNotFoundError as exc:
        print(f"adventure: error: the corpus was not found ({exc.filename}); pass --corpus DIR", file=sys.stderr)
        return 1
    return 0
