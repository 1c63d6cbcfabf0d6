"""``adventure generate``: continue a prompt with a model and stream the text to stdout (for trying models)."""

from __future__ import annotations

import argparse
import sys
import warnings

from ..generation.settings import SamplingSettings

_SAMPLING_FLAGS = ["temperature", "top_k", "top_p", "typical_p", "repetition_penalty", "repetition_range",
                   "no_repeat_ngram_size", "max_new_tokens", "min_new_tokens", "sentence_candidates"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="continue a prompt with a model, streaming the text", description=(
        "Continue PROMPT with a narrator model and stream the continuation to stdout. Sampling starts from "
        "the model preset's defaults; the flags below override them."))
    p.add_argument("--prompt", "-p", required=True, metavar="TEXT",
                   help="text to continue; '-' reads it from stdin")
    p.add_argument("--model", default="bundled", metavar="NAME|PATH",
                   help="preset (see `adventure models`), local folder with config.json, or hub id "
                        "(default: bundled)")
    p.add_argument("--seed", type=int, default=None, help="seed for reproducible sampling")
    p.add_argument("--max-new-tokens", type=int, help="token budget (default 80)")
    p.add_argument("--min-new-tokens", type=int, help="no end-of-text before this many tokens")
    p.add_argument("--temperature", type=float, help="0 = greedy")
    p.add_argument("--top-k", type=int, help="0 = off")
    p.add_argument("--top-p", type=float, help="1 = off")
    p.add_argument("--typical-p", type=float, help="1 = off")
    p.add_argument("--repetition-penalty", type=float, help="1 = off")
    p.add_argument("--repetition-range", type=int, help="penalise repeats within the last N tokens (0 = all)")
    p.add_argument("--no-repeat-ngram-size", type=int, help="forbid repeating n-grams of this size (0 = off)")
    p.add_argument("--stop", action="append", metavar="TEXT",
                   help="stop string (repeatable; \\n escapes allowed); replaces the default '\\n>'")
    p.add_argument("--no-stop", action="store_true", help="no stop strings at all")
    p.add_argument("--no-trim", action="store_true",
                   help="keep an unfinished last sentence when the budget runs out")
    p.add_argument("--any-words", action="store_true",
                   help="let the model write words outside its word list (known-word decoding off)")
    p.add_argument("--sentence-candidates", type=int, metavar="N",
                   help="sample N versions of each sentence and keep the likeliest in context "
                        "(1 = off; the bundled preset uses 4)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="where the model runs")
    p.add_argument("--dtype", default="auto", choices=["auto", "float32", "bfloat16", "float16"],
                   help="weight precision (float16 on a CPU falls back to float32)")
    p.add_argument("--device-map", metavar="MAP", help="e.g. 'auto' to spread a large model (needs accelerate)")
    p.add_argument("--allow-large-on-cpu", action="store_true",
                   help="let a GPU-sized model (kogpt) run on the CPU, very slowly")
    p.add_argument("--revision", metavar="REV", help="hub revision (branch, tag or commit)")
    p.add_argument("--offline", action="store_true", help="never contact the hub; use local files only")
    p.add_argument("--threads", type=int, metavar="N", help="torch CPU threads (default: torch's choice)")
    p.add_argument("--stats", action="store_true", help="print timing and cache figures to stderr")
    p.add_argument("--steer", action="append", metavar="ATTR=STRENGTH", default=[],
                   help="steer toward a story attribute, e.g. --steer 공포=0.8 or --steer horror=0.8 "
                        "(repeatable; strengths -1..1; see `adventure plugins attributes`)")
    p.add_argument("--steer-method", action="append", metavar="PLUGIN", default=[],
                   help="steering plugin(s) to use instead of the default ones (pplm), e.g. logit-bias, "
                        "activation (repeatable; see `adventure plugins`)")
    p.add_argument("--steer-option", action="append", metavar="PLUGIN.KEY=VALUE", default=[],
                   help="a steering plugin parameter, e.g. pplm.step_size=0.04 or pplm.preset=faithful")
    p.set_defaults(func=run)


def parse_steer(values: list[str]) -> dict[str, float]:
    """``["공포=0.8", "horror=0.5"]`` -> ``{"공포": 0.8, "horror": 0.5}``; ValueError with a sentence otherwise."""
    out: dict[str, float] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep:
            name, sep, value = item.partition(":")
        name = name.strip()
        try:
            strength = float(value)
        except ValueError:
            raise ValueError(f"--steer takes ATTR=STRENGTH such as 공포=0.8, not '{item}'") from None
        if not name or not sep:
            raise ValueError(f"--steer takes ATTR=STRENGTH such as 공포=0.8, not '{item}'")
        if not -1.0 <= strength <= 1.0:
            raise ValueError(f"the steering strength of {name} must be between -1 and 1, not {value}")
        out[name] = strength
    return out


def parse_steer_options(values: list[str]) -> dict[str, dict]:
    """``["pplm.step_size=0.04"]`` -> ``{"pplm": {"step_size": 0.04}}`` (numbers parsed, the rest kept as text)."""
    out: dict[str, dict] = {}
    for item in values:
        key, sep, value = item.partition("=")
        plugin, dot, name = key.partition(".")
        if not sep or not dot or not plugin.strip() or not name.strip():
            raise ValueError(f"--steer-option takes PLUGIN.KEY=VALUE such as pplm.step_size=0.04, not '{item}'")
        parsed: object = value.strip()
        for cast in (int, float):
            try:
                parsed = cast(value)
                break
            except ValueError:
                continue
        out.setdefault(plugin.strip(), {})[name.strip()] = parsed
    return out


def _settings(args: argparse.Namespace, preset_defaults: dict) -> SamplingSettings:
    settings = SamplingSettings().with_overrides(**preset_defaults)
    settings = settings.with_overrides(**{name: getattr(args, name) for name in _SAMPLING_FLAGS})
    if args.no_stop:
        settings = settings.with_overrides(stop_strings=[])
    elif args.stop:
        stops = [x for s in args.stop for x in SamplingSettings.parse_value("stop_strings", s)]
        settings = settings.with_overrides(stop_strings=stops)
    if args.no_trim:
        settings = settings.with_overrides(trim_to_sentence=False)
    if args.any_words:
        settings = settings.with_overrides(known_words=False)
    return settings


class _SentenceStream:
    """Writes streamed text, holding back an unfinished sentence while trimming may still drop it, so what
    stdout shows is exactly the final text."""

    def __init__(self, out, hold_unfinished: bool):
        from ..generation.stopping import last_sentence_end

        self._end_of = last_sentence_end
        self.out = out
        self.hold = hold_unfinished
        self.buffer = ""
        self.written = 0

    def __call__(self, delta: str) -> None:
        self.buffer += delta
        upto = len(self.buffer)
        if self.hold:
            upto = self._end_of(self.buffer) or 0
        if upto > self.written:
            self.out.write(self.buffer[self.written:upto])
            self.out.flush()
            self.written = upto

    def finish(self, final_text: str) -> None:
        if final_text.startswith(self.buffer[: self.written]) and len(final_text) > self.written:
            self.out.write(final_text[self.written:])
        self.out.write("\n")
        self.out.flush()


def _empty_reason(result, settings: SamplingSettings) -> str:
    """Why a continuation came out empty, and what to try: an empty line alone reads like a crash."""
    if result.finish_reason in ("eos", "stop_string"):
        return ("the model ended the text right away (it often does after a finished passage); try another "
                "--seed, or --min-new-tokens N")
    return (f"no whole sentence fit in {settings.max_new_tokens} new tokens; raise --max-new-tokens, or keep the "
            "unfinished sentence with --no-trim")


def run(args: argparse.Namespace) -> int:
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    import torch

    from ..generation.loop import Generator
    from ..models.loader import ModelLoadError, load_model
    from ..models.presets import get_preset

    preset = get_preset(args.model or "bundled")
    try:  # flags are checked before the (slow) model load
        settings = _settings(args, dict(preset.default_sampling) if preset else {})
    except ValueError as exc:
        print(f"adventure: error: {SamplingSettings.describe_error(exc)}", file=sys.stderr)
        return 1
    try:
        steer = parse_steer(args.steer)
        steer_options = parse_steer_options(args.steer_option)
    except ValueError as exc:
        print(f"adventure: error: {exc}", file=sys.stderr)
        return 1
    if args.threads:
        torch.set_num_threads(args.threads)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            loaded = load_model(args.model, device=args.device, dtype=args.dtype, device_map=args.device_map,
                                allow_large_on_cpu=args.allow_large_on_cpu, revision=args.revision,
                                local_files_only=True if args.offline else None)
        except ModelLoadError as exc:
            print(f"adventure: error: {exc}", file=sys.stderr)
            return 1
    for w in caught:
        if issubclass(w.category, UserWarning):
            print(f"adventure: warning: {' '.join(str(w.message).split())}", file=sys.stderr)

    generator = Generator(loaded)
    session = None
    if steer:
        from ..steering import SteeringSession

        session = SteeringSession.for_request(
            steer, loaded, methods=args.steer_method or None, options=steer_options,
            on_notice=lambda message: print(f"adventure: steering: {message}", file=sys.stderr))
    stream = _SentenceStream(sys.stdout, hold_unfinished=settings.trim_to_sentence)
    try:
        result = generator.generate(prompt, settings, seed=args.seed, on_text=stream, steering=session)
    except ValueError as exc:
        print(f"adventure: error: {exc}", file=sys.stderr)
        return 1
    stream.finish(result.text)
    if not result.text.strip():
        print(f"adventure: note: {_empty_reason(result, settings)}", file=sys.stderr)
    if session is not None:
        final = session.filter_output(result.text)
        if final != result.text:  # a plugin's output hook changed the text (the story would keep this)
            print(f"[after output hooks] {final}", file=sys.stderr)
    if args.stats:
        if result.candidates > 1:  # whole sentences arrive at once: the rate the reader sees
            rate = len(result.token_ids) / result.seconds if result.seconds > 0 else 0.0
            kept = (f" ({len(result.token_ids)} kept of {result.new_tokens} sampled, "
                    f"{result.candidates} candidates per sentence)")
            first = "sentence"
        else:
            decode = result.seconds - result.ttft_seconds
            rate = (result.new_tokens - 1) / decode if result.new_tokens > 1 and decode > 0 else 0.0
            kept, first = "", "token"
        print(f"[{loaded.name}: finish={result.finish_reason}{kept}, {result.new_tokens} new tokens, prompt "
              f"{result.prompt_tokens} tokens, {result.seconds:.2f} s, first {first} {result.ttft_seconds:.2f} s, "
              f"{rate:.1f} tokens/s, seed {result.seed}, {loaded.device}/{str(loaded.dtype).removeprefix('torch.')}]",
              file=sys.stderr)
        if session is not None and session.steer:
            used = ", ".join(p.name for p in session.plugins if p.name not in session.failed) or "none"
            print(f"[steering {', '.join(f'{k}={v:g}' for k, v in session.steer.items())} with {used}]",
                  file=sys.stderr)
    return 0
