"""Authoring: the bundled packs, ``adventure new``, ``adventure playtest`` and hot reload of an edited pack."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from adventure.authoring import format_report, playtest, scaffold
from adventure.authoring.scaffold import ScaffoldError
from adventure.engine.events import Notice, PassageAdded
from adventure.engine.game import Game
from adventure.packs import expressions as ex
from adventure.packs.loader import load_pack
from adventure.packs.schema_files import SCHEMA_DIR

ROOT = Path(__file__).resolve().parent.parent
STORIES = ROOT / "stories"
BUNDLED = {"fantasy": "fantasy-quest", "horror": "horror-mystery", "sandbox": "sandbox"}
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$", re.M)


def cli(*args, cwd=ROOT, input=None):
    return subprocess.run([sys.executable, "-m", "adventure", *args], capture_output=True, text=True, cwd=cwd,
                          input=input, timeout=300)


@pytest.fixture(scope="module")
def packs():
    return {name: load_pack(STORIES / name) for name in BUNDLED}


@pytest.fixture(scope="module")
def reports(packs):
    return {name: playtest(pack, runs=200, seed=0) for name, pack in packs.items()}


# ------------------------------------------------------------------ the bundled packs

@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_pack_validates_clean(packs, name):
    pack = packs[name]
    assert pack.id == BUNDLED[name]
    assert pack.warnings == []
    assert pack.manifest.language == "ko"


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_pack_playtest_reaches_everything(reports, name):
    report = reports[name]
    assert report.ok, format_report(report)
    assert not report.unreached_scenes and not report.unoffered_choices
    assert not report.dead_ends and not report.errors
    endings = [sid for sid, s in report.pack.scenes.items() if s.ending]
    assert endings and all(report.scene_hits[sid] for sid in endings)


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_every_pack_file_has_a_working_schema_modeline(packs, name):
    pack = packs[name]
    assert len(pack.files) >= 3
    for path in pack.files:
        text = path.read_text(encoding="utf-8")
        match = MODELINE.match(text)
        assert match, f"{path} must start with a yaml-language-server modeline"
        target = (path.parent / match.group(1)).resolve()
        expected = "pack.schema.json" if path.name == "pack.yaml" else "include.schema.json"
        assert target == (SCHEMA_DIR / expected).resolve(), path


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_pack_voice_and_fallbacks(packs, name):
    """Korean first-person narration, ASCII double quotes for dialogue, authored text everywhere."""
    pack = packs[name]
    texts = []
    for scene in pack.scenes.values():
        texts += [scene.text or ""] + [c.say or "" for c in scene.choices] + [c.text for c in scene.choices]
        if scene.narrate:
            assert scene.narrate.fallback.strip(), "every narrate block needs authored fallback text"
            texts.append(scene.narrate.fallback)
    texts += pack.manifest.narrator.free_text_fallback + [w.content for w in pack.world_info]
    blob = "\n".join(texts)
    assert not re.search("[\u201c\u201d\u2018\u2019\u300c\u300d]", blob), "use ASCII double quotes for dialogue"
    assert blob.count('"') % 2 == 0
    narration = [s.narrate.fallback for s in pack.scenes.values() if s.narrate]
    assert sum("나는" in n or "나를" in n or "내 " in n for n in narration) >= len(narration) // 3
    assert pack.manifest.narrator.memory and pack.manifest.narrator.author_note
    assert len(pack.manifest.narrator.free_text_fallback) >= 4


def test_fantasy_exercises_inventory_world_and_battle(packs):
    pack = packs["fantasy"]
    assert len(pack.scenes) >= 12
    effects = " ".join(e for s in pack.scenes.values() for c in s.choices for e in c.effects)
    conditions = " ".join(c.when or "" for s in pack.scenes.values() for c in s.choices)
    assert "get " in effects and "lose " in effects and "has " in conditions
    fights = [sid for sid, s in pack.scenes.items() if s.steer.get("전투", 0) >= 0.6]
    assert len(fights) >= 3
    assert len(pack.world_info) >= 20
    assert any(w.constant for w in pack.world_info) and any(w.secondary_keys for w in pack.world_info)
    assert len({s.ending.kind for s in pack.scenes.values() if s.ending}) >= 3


def test_horror_exercises_conditions_visits_and_endings(packs):
    pack = packs["horror"]
    assert len(pack.scenes) >= 12
    endings = [s for s in pack.scenes.values() if s.ending]
    assert len(endings) >= 3 and {"good", "bad", "neutral", "secret"} <= {s.ending.kind for s in endings}
    conditions = [c.when for s in pack.scenes.values() for c in s.choices if c.when]
    assert sum("visits(" in c for c in conditions) >= 4
    assert any(" and " in c for c in conditions) and any("not " in c for c in conditions)
    steered = [s.steer for s in pack.scenes.values() if s.steer]
    assert any("공포" in st for st in steered) and any("미스터리" in st for st in steered)
    assert len(steered) >= len(pack.scenes) - 2  # a mood on (nearly) every scene


def test_sandbox_is_open_and_world_driven(packs):
    pack = packs["sandbox"]
    scenes = list(pack.scenes.values())
    open_scenes = [s for s in scenes if s.open]
    assert len(open_scenes) >= len(scenes) // 2 + 2
    assert all(s.author_note for s in open_scenes)
    assert len(pack.world_info) >= 30 and sum(w.constant for w in pack.world_info) >= 2
    assert len(pack.manifest.narrator.memory.splitlines()) >= 4
    assert len(pack.manifest.narrator.free_text_fallback) >= 8


def test_sandbox_free_play_uses_authored_fallbacks(packs, reports):
    assert reports["sandbox"].free_actions > 100
    pack = packs["sandbox"]
    game = Game(pack, None, store=None, seed=3)
    passages = []
    game.subscribe(lambda e: passages.append(e.text) if isinstance(e, PassageAdded) else None)
    game.start(resume=False)
    game.handle("2")  # arrival -> ferry (open)
    assert pack.scenes[game.state.scene].open
    game.handle("바우에게 배 이야기를 묻는다")
    last = game.state.passages[-1]
    assert last.kind == "narration" and last.text in pack.manifest.narrator.free_text_fallback
    assert not game.ended


def test_bundled_packs_are_listed_and_validate_from_cli():
    res = cli("validate", *[str(STORIES / n) for n in sorted(BUNDLED)])
    assert res.returncode == 0, res.stdout + res.stderr
    assert "warning" not in res.stdout and "error" not in res.stdout
    res = cli("packs")
    for pack_id in BUNDLED.values():
        assert pack_id in res.stdout


# ------------------------------------------------------------------ adventure new

def test_scaffold_is_valid_and_plays(tmp_path):
    made = scaffold(tmp_path / "내-첫-팩", title="시험 이야기")
    assert made.pack_id == "내-첫-팩"
    pack = load_pack(made.path)
    assert pack.warnings == [] and pack.title == "시험 이야기"
    report = playtest(pack, runs=60)
    assert report.ok, format_report(report)
    text = (made.path / "pack.yaml").read_text(encoding="utf-8")
    assert text.count("\n#") + text.count("  # ") >= 8  # it explains itself
    for path in made.files:
        match = MODELINE.match(path.read_text(encoding="utf-8"))
        assert match and (path.parent / match.group(1)).resolve().is_file()


@pytest.mark.parametrize("title", ['따옴표 "안" 제목: 콜론', "yes", "123", "  ", "# 주석 같은 제목"])
def test_scaffold_title_is_always_valid_yaml(tmp_path, title):
    made = scaffold(tmp_path / "p", title=title)
    pack = load_pack(made.path)
    assert pack.title == (title.strip() or "새 이야기")


def test_scaffold_refuses_non_empty_folder_and_files(tmp_path):
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(ScaffoldError):
        scaffold(target)
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]
    with pytest.raises(ScaffoldError):
        scaffold(target / "notes.txt")
    with pytest.raises(ScaffoldError):
        scaffold(tmp_path / "ok", pack_id="bad id!")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert scaffold(empty).pack_id == "empty"


def test_new_cli_creates_and_refuses(tmp_path):
    res = cli("new", str(tmp_path / "story"), "--id", "story-1", "--title", "새 팩")
    assert res.returncode == 0, res.stderr
    assert load_pack(tmp_path / "story").id == "story-1"
    before = (tmp_path / "story" / "pack.yaml").read_text(encoding="utf-8")
    res = cli("new", str(tmp_path / "story"))
    assert res.returncode == 1 and "비어 있지 않아" in res.stderr and "Traceback" not in res.stderr
    assert (tmp_path / "story" / "pack.yaml").read_text(encoding="utf-8") == before
    res = cli("playtest", str(tmp_path / "story"), "--runs", "30", "-q")
    assert res.returncode == 0 and "결과: 통과" in res.stdout


# ------------------------------------------------------------------ adventure playtest

BROKEN = """\
id: broken
title: 고장 난 팩
start: a
state:
  key: false
  gold: 0
scenes:
  a:
    title: 시작
    text: 나는 갈림길에 서 있다.
    choices:
      - text: 왼쪽
        goto: left
      - text: 오른쪽
        goto: right
      - text: 보물 방
        when: gold > 100
        goto: treasure
  left:
    title: 왼쪽 방
    choices:
      - text: 잠긴 문을 연다
        when: key
        goto: end
  right:
    title: 오른쪽 방
    choices:
      - text: 폭발하는 상자를 연다
        effects: [gold += 1]
        goto: end
      - text: 돌아간다
        goto: a
  treasure:
    title: 보물 방
    ending: {title: 부자}
  end:
    title: 끝
    ending: {title: 끝, kind: good}
"""


@pytest.fixture
def broken(tmp_path, monkeypatch):
    (tmp_path / "pack.yaml").write_text(BROKEN, encoding="utf-8")
    real = ex.apply_effect

    def exploding(effect, values, visits, lookup=None):
        if effect.target == "gold":
            raise RuntimeError("상자가 터졌다")
        return real(effect, values, visits, lookup)

    monkeypatch.setattr(ex, "apply_effect", exploding)
    return load_pack(tmp_path)


def test_playtest_finds_unreachable_dead_ends_and_errors(broken):
    report = playtest(broken, runs=40, seed=1)
    assert not report.ok
    assert set(report.unreached_scenes) == {"treasure", "end"}
    assert report.unoffered_choices == [("a", 2), ("left", 0)]
    (dead,) = report.dead_ends
    assert dead.scene == "left" and dead.location == broken.scene_location("left")
    assert re.fullmatch(r".*pack\.yaml:\d+:\d+", dead.location)
    assert dead.route and dead.route[-1] == "1"
    (err,) = report.errors
    assert err.scene == "right" and "상자가 터졌다" in err.message
    assert err.location == report.choice_location("right", 0)
    line = BROKEN.splitlines()[int(err.location.rsplit(":", 2)[1]) - 1]
    assert "폭발하는 상자" in line
    text = format_report(report)
    assert "treasure" in text and "상자가 터졌다" in text and "결과: 실패" in text


def test_playtest_is_seeded(packs):
    a = playtest(packs["horror"], runs=25, seed=7).to_dict()
    b = playtest(packs["horror"], runs=25, seed=7).to_dict()
    c = playtest(packs["horror"], runs=25, seed=8).to_dict()
    assert a == b and a != c


def test_playtest_open_scene_without_choices_is_not_a_dead_end(tmp_path):
    (tmp_path / "pack.yaml").write_text(
        "id: open\ntitle: 열린 곳\nstart: a\nscenes:\n  a:\n    title: 광장\n    text: 나는 광장에 있다.\n"
        "    open: true\n", encoding="utf-8")
    report = playtest(load_pack(tmp_path), runs=3, max_steps=15)
    assert report.ok and report.capped_runs == 3 and report.free_actions == 45
    assert "걸음 제한" in format_report(report)


def test_playtest_transcript(packs, tmp_path):
    out = io.StringIO()
    report = playtest(packs["fantasy"], runs=3, seed=2, transcript=out)
    text = out.getvalue()
    assert text.count("=====") == 6 and "[붉은 연기]" in text
    assert "\n> " in text and "── 결말:" in text
    assert sum(report.endings.values()) == 3


def test_playtest_cli(tmp_path):
    transcript = tmp_path / "run.txt"
    data = tmp_path / "report.json"
    res = cli("playtest", "horror-mystery", "--runs", "20", "--seed", "3", "--transcript", str(transcript),
              "--json", str(data))
    assert res.returncode in (0, 1) and "Traceback" not in res.stderr
    assert "장면 (들어간 횟수)" in res.stdout and "선택지 (제시 / 선택)" in res.stdout
    assert "[대문 앞]" in transcript.read_text(encoding="utf-8")
    import json
    summary = json.loads(data.read_text(encoding="utf-8"))
    assert summary["pack"] == "horror-mystery" and summary["runs"] == 20
    res = cli("playtest", str(STORIES / "sandbox"), "-q")
    assert res.returncode == 0 and "결과: 통과" in res.stdout and "장면 (들어간 횟수)" not in res.stdout


def test_playtest_cli_bad_pack_and_failures(tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "pack.yaml").write_text("id: x\ntitle: x\nstart: nowhere\n", encoding="utf-8")
    res = cli("playtest", str(tmp_path / "bad"))
    assert res.returncode == 1 and "error ADV034" in res.stderr
    (tmp_path / "gap").mkdir()
    (tmp_path / "gap" / "pack.yaml").write_text(
        BROKEN.replace("        effects: [gold += 1]\n", ""), encoding="utf-8")
    res = cli("playtest", str(tmp_path / "gap"), "--runs", "20", "-q")
    assert res.returncode == 1 and "결과: 실패" in res.stdout and "left" in res.stdout


# ------------------------------------------------------------------ hot reload of an edited pack

def test_reload_applies_valid_edit_and_refuses_invalid_one(tmp_path):
    root = tmp_path / "fantasy"
    shutil.copytree(STORIES / "fantasy", root)
    pack = load_pack(root)
    game = Game(pack, None, store=None)
    events = []
    game.subscribe(events.append)
    game.start(resume=False)
    game.handle("2")  # prologue -> village
    assert game.state.scene == "village"
    gold = game.state.values["gold"]

    village = root / "scenes" / "village.yaml"
    original = village.read_text(encoding="utf-8")
    edited = original.replace("바람목 광장 한가운데 낡은 종탑이 서 있었다.", "바람목 광장에 새 종탑이 번쩍였다.")
    assert edited != original
    village.write_text(edited, encoding="utf-8")
    events.clear()
    assert game.reload() is True
    shown = [e.text for e in events if isinstance(e, PassageAdded)]
    assert any("새 종탑이 번쩍였다" in s for s in shown)
    assert game.state.scene == "village" and game.state.values["gold"] == gold
    new_pack = game.pack
    assert new_pack is not pack

    broken = edited.replace("        goto: smithy\n", "        goto: smithyy\n", 1)
    village.write_text(broken, encoding="utf-8")
    events.clear()
    assert game.reload() is False
    notices = [e for e in events if isinstance(e, Notice) and e.level == "error"]
    assert notices
    line_no = broken.splitlines().index("        goto: smithyy") + 1
    assert re.search(rf"village\.yaml:{line_no}:\d+: error ADV030: .*'smithyy'", notices[0].message)
    assert "did you mean 'smithy'" in notices[0].message
    assert game.pack is new_pack  # the old version is kept
    game.handle("2")  # still plays on the last good version
    assert game.state.scene == "smithy"

    village.write_text(edited, encoding="utf-8")  # fixed again: the next reload works
    assert game.reload() is True and game.pack is not new_pack


def test_reload_refuses_pack_without_current_scene(tmp_path):
    root = tmp_path / "horror"
    shutil.copytree(STORIES / "horror", root)
    game = Game(load_pack(root), None, store=None)
    events = []
    game.subscribe(events.append)
    game.start(resume=False)
    game.handle("2")  # arrival -> neighbor
    assert game.state.scene == "neighbor"
    house = root / "house.yaml"
    data = house.read_text(encoding="utf-8")
    assert data.rstrip().endswith("goto: yard")  # neighbor is the last scene of the file
    data = data[:data.index("  neighbor:\n")].replace("goto: neighbor", "goto: yard")
    house.write_text(data, encoding="utf-8")
    assert "neighbor" not in load_pack(root).scenes  # a valid pack, but without the current scene
    old = game.pack
    assert game.reload() is False and game.pack is old and game.state.scene == "neighbor"
    assert any(isinstance(e, Notice) and e.level == "error" and "neighbor" in e.message for e in events)


def test_bundled_yaml_files_are_plain_safe_yaml():
    for name in BUNDLED:
        for path in (STORIES / name).rglob("*.yaml"):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            assert isinstance(data, dict) and data, path



def test_validate_warns_where_the_bundled_model_would_cut_the_pack(tmp_path):
    """A pack for the bundled model (n_ctx 512) whose memory crowds out its constant world info and whose note
    is over the note budget: validate says so at file:line:col, before a player meets the warning in game.
    The shipped packs are checked the same way by test_bundled_packs_are_listed_and_validate_from_cli."""
    from adventure.authoring.fit import context_fit_warnings

    folder = tmp_path / "crowded"
    shutil.copytree(STORIES / "sandbox", folder)
    manifest = (folder / "pack.yaml").read_text(encoding="utf-8")
    memory = "\n".join(["    나는 섬의 작은 찻집을 맡았다. 바다 냄새가 창으로 들어오고 손님은 드물었다."] * 8)
    manifest = re.sub(r"  memory: \|\n(    .*\n)+", "  memory: |\n" + memory + "\n", manifest)
    manifest = re.sub(r"  author_note: .*", "  author_note: " + "느긋하고 따뜻한 섬 생활을 냄새와 소리로 그린다. " * 5, manifest)
    (folder / "pack.yaml").write_text(manifest, encoding="utf-8")
    pack = load_pack(folder)
    found = context_fit_warnings(pack)
    assert sorted(d.code for d in found) == ["ADV051", "ADV051", "ADV052"], [d.format() for d in found]
    dropped = [d for d in found if d.code == "ADV051"]   # both constant entries (island, season)
    assert [d.line for d in dropped] == [4, 8] and all(d.path.endswith("places.yaml") for d in dropped)
    assert "'island'" in dropped[0].message
    note = next(d for d in found if d.code == "ADV052")
    note_line = next(i for i, line in enumerate(manifest.splitlines(), 1) if line.startswith("  author_note:"))
    assert note.path.endswith("pack.yaml") and note.line == note_line
    res = cli("validate", str(folder))
    assert res.returncode == 0 and "warning ADV051" in res.stdout and "warning ADV052" in res.stdout
    assert context_fit_warnings(load_pack(STORIES / "sandbox")) == []
    (folder / "pack.yaml").write_text(manifest.replace(memory, "\n".join([memory] * 3)), encoding="utf-8")
    over = [d for d in context_fit_warnings(load_pack(folder)) if d.code == "ADV050"]   # memory alone too long
    assert len(over) == 1 and over[0].path.endswith("pack.yaml") and "its end is cut" in over[0].message
