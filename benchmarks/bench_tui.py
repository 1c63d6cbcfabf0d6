"""TUI benchmark (issue #6): launch to first screen, keystroke latency while narration streams at full speed,
and the UI cost of one streamed token with a short story vs a 300-passage story in the log.

    python benchmarks/bench_tui.py [--quick] [--json PATH]

Everything runs the real app in a pseudo-terminal (80×24, xterm-256color), output drained by a thread.

* ``first_screen_s`` — ``python -m adventure play lantern --new`` spawned; seconds until the opening scene's
  choices have been written to the terminal (median of runs). The pack's default model (the bundled one
  when present) loads in the background meanwhile, so this checks that the first screen does not wait for it.
  Beside it, the same through ``adventure.cli.play.run`` directly (without the command-line parser).
* ``keystroke_p95_ms`` — the app with a scripted narrator that streams as fast as it can (150-token
  narrations, turn after turn, no pause) while rare Hangul syllables are typed into the input at a fast
  typist's pace (6–12 keys/s); time from writing a key to the pty until that syllable comes back in the
  terminal output, p95. Beside it: the same with one endless narration, with the typing hold switched off
  (``TypingGate.typing_hold = 0``: the log redraws while keys arrive), and with nothing streaming.
* ``ui_ms_per_token_short`` / ``ui_ms_per_token_long`` — CPU time of the UI thread per streamed token
  (minus the same app's idle CPU), one long narration at 200 tokens/s, with 6 vs 300 passages in the story
  (restored from a save, as when continuing a game). The ratio long/short should stay near 1.

Targets: first screen ≤ 1.0 s, keystroke p95 ≤ 50 ms, per-token cost flat in story length.
"""

from __future__ import annotations

import argparse
import bisect
import fcntl
import json
import os
import pty
import random
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = ("나는 안개 속을 천천히 걸었다. 젖은 나뭇잎이 발밑에서 사각거렸다. 멀리서 종소리가 희미하게 "
         "울렸고 나는 등불을 높이 들었다. 바람이 차가웠다.").split(" ")
# Syllables that never occur in the narration or the interface: each typed key is unique on the screen.
MARKERS = [chr(0xAC00 + ((i % 19) * 21 + (19 if i < 19 else 17)) * 28 + 24 + i % 3) for i in range(20)]
PLACEHOLDER = "행동을 적거나".encode()
FIRST_SCREEN = "대장간에 들러".encode()


# ----------------------------------------------------------------------------------------------- pty runner

class PtyRun:
    """A process on a pseudo-terminal whose output is drained by a thread; can wait for byte strings."""

    def __init__(self, argv: list[str], cols: int = 80, rows: int = 24, env: dict | None = None):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full_env = dict(os.environ)
        full_env.update({"TERM": "xterm-256color", "COLORTERM": "truecolor", "LANG": "C.UTF-8",
                         "LC_ALL": "C.UTF-8", "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"})
        full_env.update(env or {})
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=full_env,
                                     start_new_session=True)
        os.close(slave)
        self.master = master
        self.buf = bytearray()
        self.cond = threading.Condition()
        self.arrivals: list[tuple[int, float]] = []  # (end offset, time) of each chunk
        self.offsets: list[int] = []
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                chunk = b""
            now = time.perf_counter()
            with self.cond:
                if not chunk:
                    self.arrivals.append((len(self.buf), -1.0))
                    self.cond.notify_all()
                    return
                self.buf += chunk
                self.arrivals.append((len(self.buf), now))
                self.offsets.append(len(self.buf))
                self.cond.notify_all()

    def mark(self) -> int:
        with self.cond:
            return len(self.buf)

    def wait_for(self, needle: bytes, start: int = 0, timeout: float = 30.0) -> float | None:
        """Time (perf_counter) of the chunk in which ``needle`` first appears after offset ``start``."""
        deadline = time.perf_counter() + timeout
        with self.cond:
            while True:
                at = self.buf.find(needle, start)
                if at >= 0:
                    i = bisect.bisect_left(self.offsets, at + len(needle))
                    return self.arrivals[i][1]
                remaining = deadline - time.perf_counter()
                if remaining <= 0 or (self.arrivals and self.arrivals[-1][1] < 0):
                    return None
                self.cond.wait(min(remaining, 0.05))

    def send(self, data: str | bytes) -> float:
        os.write(self.master, data.encode("utf-8") if isinstance(data, str) else data)
        return time.perf_counter()

    def tail(self) -> str:
        return self.buf[-3000:].decode("utf-8", "replace")

    def close(self) -> None:
        try:
            os.write(self.master, b"\x11")  # ctrl+q
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        try:
            os.close(self.master)
        except OSError:
            pass


def _child(env: dict[str, str], tmp: str) -> PtyRun:
    return PtyRun([sys.executable, str(Path(__file__).resolve()), "--child"], env={"XDG_CONFIG_HOME": tmp, **env})


# ----------------------------------------------------------------------------------------------- measurements

DIRECT = ("import sys, argparse; from adventure.cli.play import run; sys.exit(run(argparse.Namespace("
          "pack='lantern', model=None, plain=False, seed=0, save_dir=sys.argv[1], new=True, device='auto', "
          "dtype='auto')))")


def first_screen(runs: int, direct: bool = False) -> tuple[list[float], str]:
    """``direct`` skips the ``adventure`` command's parser (which imports every subcommand module)."""
    from adventure.models.presets import bundled_model_dir

    bundled = (bundled_model_dir() / "config.json").exists()
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            argv = ([sys.executable, "-c", DIRECT, tmp] if direct else
                    [sys.executable, "-m", "adventure", "play", "lantern", "--new", "--save-dir", tmp])
            run = PtyRun(argv, env={"XDG_CONFIG_HOME": tmp})
            when = run.wait_for(FIRST_SCREEN, timeout=60)
            run.close()
            if when is None:
                raise RuntimeError("the first screen never appeared:\n" + run.tail())
            times.append(when - run.started)
    return times, "bundled" if bundled else "bundled (absent here: authored fallback)"


def keystrokes(count: int, env: dict[str, str]) -> dict[str, float]:
    """Type ``count`` unique syllables while the child app streams; latency of each echo in ms."""
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        run = _child(env, tmp)
        try:
            if run.wait_for(FIRST_SCREEN, timeout=60) is None:
                raise RuntimeError("child app did not start:\n" + run.tail())
            if not env.get("BENCH_TUI_IDLE") and run.wait_for("›".encode(), timeout=30) is None:
                raise RuntimeError("streaming did not start:\n" + run.tail())
            time.sleep(1.0)
            start_bytes, start_time = run.mark(), time.perf_counter()
            latencies: list[float] = []
            lost = 0
            typed = 0
            while len(latencies) < count:
                if typed and typed % len(MARKERS) == 0:  # clear the line and wait until that is on screen
                    pos = run.mark()
                    run.send(b"\x15")
                    run.wait_for(PLACEHOLDER, start=pos, timeout=10)
                    time.sleep(0.1)
                marker = MARKERS[typed % len(MARKERS)]
                typed += 1
                pos = run.mark()
                sent = run.send(marker)
                seen = run.wait_for(marker.encode(), start=pos, timeout=5)
                if seen is None:
                    lost += 1
                    latencies.append(5000.0)
                else:
                    latencies.append((seen - sent) * 1000)
                time.sleep(rng.uniform(0.08, 0.16))  # a fast typist: 6–12 keys a second
            elapsed = time.perf_counter() - start_time
            streamed = run.mark() - start_bytes
        finally:
            run.close()
    latencies.sort()
    return {"p50": statistics.median(latencies), "p95": latencies[max(0, int(len(latencies) * 0.95) - 1)],
            "max": latencies[-1], "n": len(latencies), "lost": lost, "output_kb_per_s": streamed / 1e3 / elapsed}


def ui_cost(seconds: float, story: int) -> dict[str, float]:
    """UI-thread CPU per streamed token (minus idle CPU), with ``story`` passages restored into the log."""
    out = {}
    for mode in ("idle", "stream"):
        with tempfile.TemporaryDirectory() as tmp:
            stats = Path(tmp) / "stats.json"
            env = {"BENCH_TUI_STORY": str(story), "BENCH_TUI_RATE": "200", "BENCH_TUI_MEASURE": str(seconds),
                   "BENCH_TUI_TOKENS": "1000000",
                   "BENCH_TUI_STATS": str(stats), "BENCH_TUI_SAVES": tmp}
            if mode == "idle":
                env["BENCH_TUI_IDLE"] = "1"
            run = _child(env, tmp)
            try:
                deadline = time.perf_counter() + seconds + 60
                while not stats.exists() and time.perf_counter() < deadline and run.proc.poll() is None:
                    time.sleep(0.1)
            finally:
                run.close()
            if not stats.exists():
                raise RuntimeError("the cost run wrote no result:\n" + run.tail())
            out[mode] = json.loads(stats.read_text())
    idle_rate = out["idle"]["cpu_s"] / out["idle"]["wall_s"]
    stream = out["stream"]
    extra = stream["cpu_s"] - idle_rate * stream["wall_s"]
    return {"ms_per_token": max(0.0, extra) / max(1, stream["tokens"]) * 1000, "tokens": stream["tokens"],
            "live": f"{stream['live_at_start']}→{stream['live']}", "cpu_share": stream["cpu_s"] / stream["wall_s"],
            "idle_cpu_share": idle_rate}


# ----------------------------------------------------------------------------------------------- the child app

class ScriptedStream:
    """Streams ``tokens`` words per narration, as fast as it can (``rate`` 0) or ``rate`` tokens a second."""

    name = "scripted-stream"

    def __init__(self, tokens: int, rate: float):
        self.tokens = tokens
        self.rate = rate
        self.count = 0
        self.last_info: dict = {}

    def narrate(self, request, on_text, cancel):
        from adventure.engine.narrator import Narration, NarrationCancelled

        parts = []
        next_at = time.perf_counter()
        for i in range(self.tokens):
            if cancel.is_set():
                raise NarrationCancelled()
            if self.rate:
                next_at += 1 / self.rate
                delay = next_at - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            piece = WORDS[i % len(WORDS)] + " "
            parts.append(piece)
            on_text(piece)
            self.count += 1
        self.last_info = {"prompt_tokens": 500, "reused_tokens": 480, "processed_tokens": 20}
        return Narration("".join(parts).strip(), "model", dict(self.last_info))


def child() -> int:
    """The app as the benchmark drives it (settings come from BENCH_TUI_* variables)."""
    from adventure.engine.state import GameState, Passage
    from adventure.packs.loader import load_pack
    from adventure.saves import AUTOSAVE, SaveStore, new_save
    from adventure.tui.app import AdventureApp
    from adventure.tui.widgets import TypingGate

    env = os.environ.get
    pack = load_pack(ROOT / "stories" / "lantern")
    store = None
    if env("BENCH_TUI_STORY"):  # continue a game whose story already has N passages
        store = SaveStore(env("BENCH_TUI_SAVES"), pack.id)
        passages = [Passage(kind="action" if i % 3 == 0 else "narration", scene="village",
                            text=f"{i}번째 문단. " + " ".join(WORDS[(i + k) % len(WORDS)] for k in range(30)))
                    for i in range(int(env("BENCH_TUI_STORY")))]
        state = GameState(scene="village", values=dict(pack.defaults), passages=passages, turn=len(passages) // 3)
        store.write(AUTOSAVE, new_save(pack.id, pack.version, state, [], []))
    if env("BENCH_TUI_HOLD"):
        TypingGate.typing_hold, TypingGate.max_hold = map(float, env("BENCH_TUI_HOLD").split(","))
    narrator = ScriptedStream(int(env("BENCH_TUI_TOKENS", "150")), float(env("BENCH_TUI_RATE", "0")))
    app = AdventureApp(pack, store, narrator=narrator, keymap_path=None)

    def queue_turns() -> None:
        for i in range(100000):
            app._lines.append(f"나는 {i}번째로 앞으로 걷는다")
        app._next_line()

    measure = float(env("BENCH_TUI_MEASURE", "0"))

    def start_measuring() -> None:
        start = (time.thread_time(), time.perf_counter(), narrator.count)
        live_at_start = len(app.log_view.passages())

        def finish() -> None:
            cpu, wall, tokens = time.thread_time(), time.perf_counter(), narrator.count
            Path(env("BENCH_TUI_STATS")).write_text(json.dumps({
                "cpu_s": cpu - start[0], "wall_s": wall - start[1], "tokens": tokens - start[2],
                "live": len(app.log_view.passages()), "live_at_start": live_at_start}))
        app.set_timer(measure, finish)

    def begin() -> None:
        if not env("BENCH_TUI_IDLE"):
            queue_turns()
        if measure:
            app.set_timer(1.5, start_measuring)  # after the story is drawn and streaming runs

    app.call_later(lambda: app.set_timer(0.3, begin))
    app.run()
    return 0


# ----------------------------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs and keys (same metrics)")
    parser.add_argument("--json", metavar="PATH", help="write {metrics, params} here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child()

    launches = 3 if args.quick else 7
    keys = 40 if args.quick else 120
    side_keys = 30 if args.quick else 60
    cost_seconds = 4.0 if args.quick else 10.0

    screens, model = first_screen(launches)
    direct, _ = first_screen(launches, direct=True)
    turns = keystrokes(keys, {"BENCH_TUI_TOKENS": "150"})
    endless = keystrokes(side_keys, {"BENCH_TUI_TOKENS": "1000000"})
    no_hold = keystrokes(side_keys, {"BENCH_TUI_TOKENS": "150", "BENCH_TUI_HOLD": "0,0"})
    idle = keystrokes(side_keys, {"BENCH_TUI_IDLE": "1"})
    short = ui_cost(cost_seconds, 6)
    long = ui_cost(cost_seconds, 300)

    metrics = {
        "first_screen_s": round(statistics.median(screens), 3),
        "keystroke_p95_ms": round(turns["p95"], 1),
        "ui_ms_per_token_short": round(short["ms_per_token"], 3),
        "ui_ms_per_token_long": round(long["ms_per_token"], 3),
        "first_screen_min_s": round(min(screens), 3),
        "first_screen_s_play_module": round(statistics.median(direct), 3),
        "keystroke_p50_ms": round(turns["p50"], 1),
        "keystroke_max_ms": round(turns["max"], 1),
        "keystroke_lost": turns["lost"] + endless["lost"] + no_hold["lost"] + idle["lost"],
        "keystroke_p95_ms_endless_narration": round(endless["p95"], 1),
        "keystroke_p95_ms_no_typing_hold": round(no_hold["p95"], 1),
        "keystroke_p95_ms_idle": round(idle["p95"], 1),
        "ui_cost_ratio_long_short": round(long["ms_per_token"] / short["ms_per_token"], 2)
        if short["ms_per_token"] > 0 else None,
        "ui_thread_cpu_share_streaming": round(long["cpu_share"], 3),
    }
    import textual

    params = {"quick": args.quick, "launches": launches, "keystrokes": keys, "side_keystrokes": side_keys,
              "typing_gap_s": [0.08, 0.16], "model": model, "terminal": "80x24 pty, xterm-256color",
              "narrator": "scripted; keys: 150-token narrations back to back, no pause; cost: one narration, "
                          "200 tokens/s",
              "cost_seconds": cost_seconds, "story_short": 6, "story_long": 300,
              "live_widgets_short": short["live"], "live_widgets_long": long["live"],
              "tokens_measured_short": short["tokens"], "tokens_measured_long": long["tokens"],
              "cpus": os.cpu_count(), "load_avg_1m": round(os.getloadavg()[0], 2), "python": sys.version.split()[0],
              "textual": getattr(textual, "__version__", "?")}
    rows = [
        ("first_screen_s", metrics["first_screen_s"], "≤ 1.0",
         f"min {metrics['first_screen_min_s']} s over {launches} launches; model: {model}"),
        ("  without the CLI parser", metrics["first_screen_s_play_module"], "",
         "adventure.cli.play.run called directly (the parser imports every subcommand)"),
        ("keystroke_p95_ms", metrics["keystroke_p95_ms"], "≤ 50",
         f"p50 {metrics['keystroke_p50_ms']}, max {metrics['keystroke_max_ms']}, {keys} keys, full-speed turns"),
        ("  endless narration", metrics["keystroke_p95_ms_endless_narration"], "", "p95, one narration that never ends"),
        ("  typing hold off", metrics["keystroke_p95_ms_no_typing_hold"], "", "p95, log redraws while keys arrive"),
        ("  nothing streaming", metrics["keystroke_p95_ms_idle"], "", "p95, baseline"),
        ("ui_ms_per_token_short", metrics["ui_ms_per_token_short"], "",
         f"UI-thread CPU per token, 6 passages (mounted {short['live']}), {short['tokens']} tokens"),
        ("ui_ms_per_token_long", metrics["ui_ms_per_token_long"], "≈ short",
         f"300 passages (mounted {long['live']}), {long['tokens']} tokens"),
        ("ui_cost_ratio_long_short", metrics["ui_cost_ratio_long_short"], "≈ 1", ""),
    ]
    print(f"{'metric':<26} {'value':>8}  {'target':<7}  notes")
    for name, value, target, note in rows:
        print(f"{name:<26} {value!s:>8}  {target:<7}  {note}")
    print(f"(load average {params['load_avg_1m']} on {params['cpus']} CPUs; keys lost: {metrics['keystroke_lost']})")
    if args.json:
        Path(args.json).write_text(json.dumps({"metrics": metrics, "params": params}, ensure_ascii=False, indent=1),
                                   encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
