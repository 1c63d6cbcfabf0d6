"""Seeded random playthroughs of a pack with the authored fallbacks, modelled on ChoiceScript's randomtest.

Each run starts a fresh ``Game`` with no model and no save folder, then picks among the visible choices at
random (preferring choices taken less often so far, like randomtest's "avoid used options"), and in open
scenes now and then types a free action from a small list. A run stops at an ending, a dead end, a runtime
error or the step cap. The report counts how often each scene was entered and each choice offered and
taken, lists scenes and choices never reached, endings reached, dead ends and errors with the location of
the scene in the pack files, and the route (the inputs) that led to the first occurrence of each problem.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TextIO

from ..engine.events import (ChoicesOffered, Event, GameEnded, NarrationFinished, Notice, PassageAdded,
                             SceneEntered, TurnFailed)
from ..engine.game import Game
from ..packs.loader import Pack
from ..ui_text import t

# Free actions typed in open scenes. Plain, scene-neutral Korean, in the player's action voice.
FREE_ACTIONS = (
    "주위를 천천히 둘러본다",
    "가만히 귀를 기울인다",
    "가까이 있는 사람에게 말을 건다",
    "잠시 앉아서 숨을 고른다",
    "발밑을 자세히 살핀다",
    "지금까지 있었던 일을 떠올린다",
)

DEFAULT_RUNS = 200
DEFAULT_MAX_STEPS = 200
FREE_ACTION_RATE = 0.3


@dataclass
class Problem:
    """A dead end or a runtime error, with where it happened and how to get there again."""

    kind: str  # "dead_end" | "error"
    scene: str
    location: str
    message: str
    run: int
    route: tuple[str, ...]
    count: int = 1


@dataclass
class PlaytestReport:
    pack: Pack
    runs: int
    seed: int
    max_steps: int
    scene_hits: Counter = field(default_factory=Counter)
    choice_offers: Counter = field(default_factory=Counter)  # (scene, index) -> times offered
    choice_hits: Counter = field(default_factory=Counter)  # (scene, index) -> times taken
    endings: Counter = field(default_factory=Counter)  # (scene, title, kind) -> runs ending there
    steps: int = 0
    free_actions: int = 0
    capped_runs: int = 0
    capped_scenes: Counter = field(default_factory=Counter)
    problems: dict[tuple[str, str, str], Problem] = field(default_factory=dict)

    # ---------------------------------------------------------------- derived views

    @property
    def unreached_scenes(self) -> list[str]:
        return [sid for sid in self.pack.scenes if not self.scene_hits[sid]]

    @property
    def unoffered_choices(self) -> list[tuple[str, int]]:
        """Choices in scenes that were reached, but never shown (their ``when`` was never true there)."""
        return [(sid, i) for sid, scene in self.pack.scenes.items() if self.scene_hits[sid]
                for i in range(len(scene.choices)) if not self.choice_offers[(sid, i)]]

    @property
    def unreached_endings(self) -> list[str]:
        return [sid for sid in self.unreached_scenes if self.pack.scenes[sid].ending]

    @property
    def dead_ends(self) -> list[Problem]:
        return [p for p in self.problems.values() if p.kind == "dead_end"]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems.values() if p.kind == "error"]

    @property
    def ok(self) -> bool:
        return not (self.unreached_scenes or self.unoffered_choices or self.problems)

    def choice_location(self, sid: str, index: int) -> str:
        src = self.pack.sources.get(sid)
        if not src:
            return self.pack.scene_location(sid)
        loc = src.doc.loc(src.key + ("choices", index))
        return f"{loc.path}:{loc.line}:{loc.col}"

    def add_problem(self, problem: Problem) -> None:
        key = (problem.kind, problem.scene, problem.message)
        if key in self.problems:
            self.problems[key].count += 1
        else:
            self.problems[key] = problem

    def to_dict(self) -> dict:
        """A JSON-friendly summary (for ``--json`` and for tools)."""
        return {
            "pack": self.pack.id, "runs": self.runs, "seed": self.seed, "max_steps": self.max_steps,
            "steps": self.steps, "free_actions": self.free_actions, "capped_runs": self.capped_runs,
            "scenes": {sid: self.scene_hits[sid] for sid in self.pack.scenes},
            "choices": [{"scene": sid, "index": i, "text": c.text, "offered": self.choice_offers[(sid, i)],
                         "taken": self.choice_hits[(sid, i)]}
                        for sid, scene in self.pack.scenes.items() for i, c in enumerate(scene.choices)],
            "endings": [{"scene": s, "title": title, "kind": kind, "runs": n}
                        for (s, title, kind), n in sorted(self.endings.items())],
            "unreached_scenes": self.unreached_scenes,
            "unoffered_choices": [{"scene": s, "index": i} for s, i in self.unoffered_choices],
            "problems": [{"kind": p.kind, "scene": p.scene, "location": p.location, "message": p.message,
                          "run": p.run, "route": list(p.route), "count": p.count} for p in self.problems.values()],
            "ok": self.ok,
        }


# -------------------------------------------------------------------- transcript

class _Transcript:
    """Collects one run as readable text, in the same shape the plain front end prints."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def on_event(self, event: Event) -> None:
        if isinstance(event, SceneEntered):
            self.lines.append(f"\n[{event.title or event.scene_id}]")
        elif isinstance(event, PassageAdded):
            self.lines.append(("> " if event.kind == "action" else "") + event.text)
        elif isinstance(event, NarrationFinished):
            if event.text.strip():
                self.lines.append(event.text.strip())
        elif isinstance(event, ChoicesOffered):
            if event.choices:
                self.lines.append("\n".join(f"  {c.number}. {c.text}" for c in event.choices))
        elif isinstance(event, GameEnded):
            self.lines.append("\n" + t("ending", title=event.title) + f" ({event.kind})")
        elif isinstance(event, TurnFailed):
            self.lines.append(f"! {event.message}")
        elif isinstance(event, Notice) and event.level != "info":
            self.lines.append(f"! {event.message}")


# -------------------------------------------------------------------- running

def _pick(rng: random.Random, options: list[tuple[int, object]], sid: str, hits: Counter, avoid_used: bool) -> int:
    """Index into ``options``: uniform, or weighted toward choices taken less often so far."""
    if not avoid_used:
        return rng.randrange(len(options))
    weights = [1.0 / (1 + hits[(sid, idx)]) for idx, _ in options]
    return rng.choices(range(len(options)), weights=weights)[0]


def playtest(pack: Pack, runs: int = DEFAULT_RUNS, seed: int = 0, max_steps: int = DEFAULT_MAX_STEPS,
             transcript: TextIO | None = None, avoid_used: bool = True,
             free_actions: tuple[str, ...] = FREE_ACTIONS, free_rate: float = FREE_ACTION_RATE,
             progress: Callable[[int], None] | None = None) -> PlaytestReport:
    """Play ``runs`` seeded random games of ``pack`` without a model and report what was reached."""
    report = PlaytestReport(pack=pack, runs=runs, seed=seed, max_steps=max_steps)
    for run in range(runs):
        _one_run(pack, report, run, random.Random(f"{seed}:{run}"), transcript, avoid_used, free_actions, free_rate)
        if progress:
            progress(run + 1)
    return report


def _one_run(pack: Pack, report: PlaytestReport, run: int, rng: random.Random, transcript: TextIO | None,
             avoid_used: bool, free_actions: tuple[str, ...], free_rate: float) -> None:
    game = Game(pack, None, store=None, seed=report.seed * 100_003 + run)
    failures: list[str] = []
    route: list[str] = []
    notes = _Transcript() if transcript else None

    def on_event(event: Event) -> None:
        if isinstance(event, SceneEntered):
            report.scene_hits[event.scene_id] += 1
        elif isinstance(event, TurnFailed):
            failures.append(event.message)
        elif isinstance(event, Notice) and event.level == "error":
            failures.append(event.message)
        if notes:
            notes.on_event(event)

    game.subscribe(on_event)

    def error(sid: str, message: str, choice: int | None = None) -> None:
        where = report.choice_location(sid, choice) if choice is not None else pack.scene_location(sid)
        report.add_problem(Problem("error", sid, where, message, run, tuple(route)))

    try:
        game.start(resume=False)
    except Exception as exc:  # the engine should never raise; if it does, that is the finding
        error(pack.start, f"{type(exc).__name__}: {exc}")
    if failures:
        error(pack.start, failures[0])
    else:
        steps = 0
        while not game.ended and steps < report.max_steps:
            sid = game.state.scene
            scene = pack.scenes[sid]
            options = game.visible_choices()
            for idx, _ in options:
                report.choice_offers[(sid, idx)] += 1
            can_type = scene.open and scene.free_text and bool(free_actions)
            if not options and not can_type:
                report.add_problem(Problem("dead_end", sid, pack.scene_location(sid),
                                           t("playtest.dead_end_msg"), run, tuple(route)))
                break
            picked: int | None = None
            if can_type and (not options or rng.random() < free_rate):
                line = rng.choice(free_actions)
                report.free_actions += 1
            else:
                n = _pick(rng, options, sid, report.choice_hits, avoid_used)
                picked = options[n][0]
                report.choice_hits[(sid, picked)] += 1
                line = str(n + 1)
            route.append(line)
            try:
                game.handle(line)
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
            steps += 1
            if failures:
                error(sid, failures[0], picked)
                break
        report.steps += steps
        if game.ended:
            ending = pack.scenes[game.state.scene].ending
            report.endings[(game.state.scene, game.state.ending, ending.kind if ending else "neutral")] += 1
        elif steps >= report.max_steps:
            report.capped_runs += 1
            report.capped_scenes[game.state.scene] += 1
    if transcript and notes:
        transcript.write(t("playtest.transcript_run", run=run + 1, seed=report.seed) + "\n")
        transcript.write("\n".join(notes.lines).strip() + "\n\n")


# -------------------------------------------------------------------- the printed report

def _title(pack: Pack, sid: str) -> str:
    scene = pack.scenes.get(sid)
    return scene.title if scene and scene.title else sid


def format_report(report: PlaytestReport, verbose: bool = True) -> str:
    pack = report.pack
    out = [t("playtest.header", pack=pack.id, title=pack.title, runs=report.runs, seed=report.seed,
             steps=report.max_steps),
           t("playtest.totals", steps=report.steps, free=report.free_actions, capped=report.capped_runs)]
    if verbose:
        out.append("\n" + t("playtest.scenes"))
        width = max((len(s) for s in pack.scenes), default=4)
        for sid in pack.scenes:
            out.append(f"  {report.scene_hits[sid]:>6}  {sid:<{width}}  {_title(pack, sid)}")
        out.append("\n" + t("playtest.choices"))
        for sid, scene in pack.scenes.items():
            for i, choice in enumerate(scene.choices):
                out.append(f"  {report.choice_offers[(sid, i)]:>6} / {report.choice_hits[(sid, i)]:<6} "
                           f"{sid}#{i + 1}  {choice.text}")
    out.append("\n" + t("playtest.endings"))
    ending_scenes = [sid for sid, s in pack.scenes.items() if s.ending]
    for sid in ending_scenes:
        ending = pack.scenes[sid].ending
        assert ending is not None
        n = sum(v for (s, _, _), v in report.endings.items() if s == sid)
        out.append(f"  {n:>6}  {sid}  {ending.title} ({ending.kind})")
    if not ending_scenes:
        out.append("  " + t("playtest.none"))
    if report.capped_runs:
        where = ", ".join(f"{sid} ×{n}" for sid, n in report.capped_scenes.most_common(5))
        out.append("\n" + t("playtest.capped", count=report.capped_runs, steps=report.max_steps, where=where))

    def section(title_key: str, rows: list[str]) -> None:
        out.append("\n" + t(title_key, count=len(rows)))
        out.extend(rows or ["  " + t("playtest.none")])

    section("playtest.unreached", [f"  {pack.scene_location(s)}: {s}"
                                   + (f" ({pack.scenes[s].title})" if pack.scenes[s].title else "")
                                   for s in report.unreached_scenes])
    section("playtest.unoffered", [f"  {report.choice_location(s, i)}: {s}#{i + 1} "
                                   f"\"{pack.scenes[s].choices[i].text}\""
                                   + (f" (when: {pack.scenes[s].choices[i].when})" if pack.scenes[s].choices[i].when else "")
                                   for s, i in report.unoffered_choices])
    section("playtest.dead_ends", [_problem_row(p) for p in report.dead_ends])
    section("playtest.errors", [_problem_row(p) for p in report.errors])
    out.append("\n" + t("playtest.ok" if report.ok else "playtest.failed"))
    return "\n".join(out) + "\n"


def _problem_row(p: Problem) -> str:
    route = " → ".join(p.route) if p.route else t("playtest.route_start")
    return (f"  {p.location}: {p.scene}: {p.message} "
            + t("playtest.problem_tail", count=p.count, run=p.run + 1, route=route))


def playtest_path(path: str | Path, **kwargs) -> PlaytestReport:
    """Load a pack folder and playtest it (raises ``PackError`` when the pack does not validate)."""
    from ..packs.loader import load_pack

    return playtest(load_pack(path), **kwargs)
