"""The turn pipeline as a transaction, undo/redo/retry, choices, endings and saves, driven headless."""

from __future__ import annotations

import json

import pytest

from adventure.engine.events import (ChoicesOffered, GameEnded, Notice, StoryRestored, TokenStreamed,
                                     TurnFailed)
from adventure.engine.game import Game
from adventure.saves import SaveStore
from scripted import ScriptedNarrator


def make(lantern, tmp_path, narrator=None, seed=0):
    game = Game(lantern, narrator, SaveStore(tmp_path / "saves", lantern.id), seed=seed)
    events = []
    game.subscribe(events.append)
    game.start(resume=False)
    return game, events


def last(events, kind):
    return [e for e in events if isinstance(e, kind)][-1]


GOOD_ROUTE = ["1", "1", "1", "1", "1", "1"]  # smithy, forest, fox, free fox, follow fox, carry flame


def test_play_to_good_ending(lantern, tmp_path):
    game, events = make(lantern, tmp_path)
    for line in GOOD_ROUTE:
        game.handle(line)
    assert game.ended and game.state.ending == "새 등불지기"
    assert last(events, GameEnded).kind == "good"
    assert game.state.values["fox_friend"] is True and "부싯돌" in game.state.values["inventory"]


def test_choice_that_matters_bad_ending(lantern, tmp_path):
    game, events = make(lantern, tmp_path)
    for line in ["2", "1", "2"]:  # skip the smithy, ignore the fox
        game.handle(line)
    offered = [c.text for c in last(events, ChoicesOffered).choices]
    assert not any("여우를 따라" in c for c in offered)  # the hidden path needs fox_friend
    game.handle("1")  # swamp
    game.handle("2")  # walk into the fog
    assert game.state.ending == "길 잃은 제자" and last(events, GameEnded).kind == "bad"
    game.handle("1")
    assert isinstance(events[-1], Notice)  # ended: input is refused politely


def test_once_choice_and_visits(lantern, tmp_path):
    game, _ = make(lantern, tmp_path)
    game.handle("2")  # forest edge
    assert [c.text for _, c in game.visible_choices()][0] == "우는 소리를 따라간다"
    game.handle("1")  # fox (once)
    game.handle("2")  # crossroads
    assert game.state.visits["crossroads"] == 1
    assert game.state.used_choices == ["forest_edge#0"]


def test_undo_redo_restore_exact_state(lantern, tmp_path):
    game, events = make(lantern, tmp_path)
    s0 = game.state.model_dump()
    game.handle("1")
    s1 = game.state.model_dump()
    game.handle("1")
    game.handle("/undo")
    assert game.state.model_dump() == s1
    game.handle("/undo")
    assert game.state.model_dump() == s0
    assert isinstance(last(events, StoryRestored), StoryRestored)
    game.handle("/undo")
    assert "되돌릴" in last(events, Notice).message
    game.handle("/redo")
    assert game.state.model_dump() == s1


def test_new_turn_clears_redo(lantern, tmp_path):
    game, _ = make(lantern, tmp_path)
    game.handle("1")
    game.handle("/undo")
    game.handle("2")
    game.handle("/redo")
    assert game.state.scene == "forest_edge"


def test_free_action_goes_to_narrator(lantern, tmp_path):
    narrator = ScriptedNarrator(["나는 횃불을 높이 들었다. 그림자가 길게 늘어졌다."])
    game, events = make(lantern, tmp_path, narrator)
    game.handle("주위를 둘러본다")
    req = narrator.calls[-1]
    assert req.action == "주위를 둘러본다" and game.state.passages[-2].text == "주위를 둘러본다"
    assert game.state.passages[-1].kind == "narration"
    assert "".join(e.text for e in events if isinstance(e, TokenStreamed)).strip().endswith("늘어졌다.")


def test_cancel_mid_turn_leaves_state_unchanged(lantern, tmp_path):
    narrator = ScriptedNarrator(cancel_on={0})
    game, events = make(lantern, tmp_path, narrator)
    before = game.state.model_dump()
    undo_len = len(game.undo_stack)
    game.handle("문을 두드린다")
    assert game.state.model_dump() == before and len(game.undo_stack) == undo_len
    assert last(events, TurnFailed).cancelled


def test_model_failure_falls_back_to_authored_text(lantern, tmp_path):
    narrator = ScriptedNarrator(fail_on={0})
    game, events = make(lantern, tmp_path, narrator)
    game.handle("2")  # forest edge has a narrate block; the model fails on it
    assert game.state.scene == "forest_edge"
    assert game.state.passages[-1].text.startswith("나는 숨을 고르고")
    assert any(isinstance(e, Notice) and "실패" in e.message for e in events)


def test_broken_effect_rolls_back(lantern, tmp_path):
    game, events = make(lantern, tmp_path)
    before = game.state.model_dump()
    del game.state.values["oil"]  # simulate a runtime fault in the smithy's on_enter effect
    game.handle("1")
    assert isinstance(last(events, TurnFailed), TurnFailed)
    assert "oil" not in game.state.values and game.state.scene == "village"
    before.pop("values"); after = game.state.model_dump(); after.pop("values")
    assert after == before


def test_retry_regenerates_with_new_seed(lantern, tmp_path):
    narrator = ScriptedNarrator(["첫 번째 서술이다.", "두 번째 서술이다."])
    game, _ = make(lantern, tmp_path, narrator)
    game.handle("노래를 부른다")
    first_seed = narrator.calls[-1].seed
    turn = game.state.turn
    game.handle("/retry")
    assert narrator.calls[-1].seed != first_seed
    assert game.state.turn == turn and game.state.passages[-1].text == "두 번째 서술이다."
    assert len(game.undo_stack) == 1
    game.handle("/undo")
    assert game.state.turn == 0


def test_seeded_narration_is_reproducible(lantern, tmp_path):
    a, b = ScriptedNarrator(), ScriptedNarrator()
    g1, _ = make(lantern, tmp_path / "a", a, seed=5)
    g2, _ = make(lantern, tmp_path / "b", b, seed=5)
    for g in (g1, g2):
        g.handle("걷는다")
    assert a.calls[-1].seed == b.calls[-1].seed


def test_save_load_roundtrip_keeps_undo(lantern, tmp_path):
    game, _ = make(lantern, tmp_path)
    game.handle("1")
    game.handle("1")
    game.handle("/save 슬롯1")
    snapshot = game.state.model_dump()
    game.handle("1")
    game.handle("/load 슬롯1")
    assert game.state.model_dump() == snapshot
    fresh, _ = make(lantern, tmp_path)
    fresh.handle("/load 슬롯1")
    assert fresh.state.model_dump() == snapshot
    fresh.handle("/undo")
    assert fresh.state.scene == "smithy"


def test_autosave_each_turn_and_resume(lantern, tmp_path):
    game, _ = make(lantern, tmp_path)
    game.handle("1")
    store = SaveStore(tmp_path / "saves", lantern.id)
    assert store.read("autosave").state.scene == "smithy"
    game.handle("1")
    assert store.read("autosave.prev").state.scene == "smithy"
    again = Game(lantern, None, store)
    events = []
    again.subscribe(events.append)
    again.start()
    assert again.state.scene == "forest_edge" and len(again.undo_stack) == 2


@pytest.mark.parametrize("damage", ["truncate", "garbage", "wrong-version", "bad-field", "binary"])
def test_corrupt_save_is_refused_and_autosave_kept(lantern, tmp_path, damage):
    game, events = make(lantern, tmp_path)
    game.handle("1")
    store = game.store
    path = store.path("autosave")
    good = path.read_text(encoding="utf-8")
    bad = store.path("broken")
    data = json.loads(good)
    bad.write_bytes({
        "truncate": good[: len(good) // 2].encode(),
        "garbage": b"not json at all",
        "wrong-version": json.dumps({**data, "schema_version": 99}).encode(),
        "bad-field": json.dumps({**data, "state": {"scene": 3}}).encode(),
        "binary": b"\xff\xfe\x00\x01",
    }[damage])
    state_before = game.state.model_dump()
    game.handle("/load broken")
    assert game.state.model_dump() == state_before
    note = last(events, Notice)
    assert note.level == "error" and "\n" not in note.message and "broken" in note.message
    assert path.read_text(encoding="utf-8") == good  # the autosave is untouched


def test_save_from_older_pack_version(lantern, tmp_path):
    game, events = make(lantern, tmp_path)
    game.handle("1")
    game.handle("/save old")
    path = game.store.path("old")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["pack_version"] = "0.9"
    data["state"]["values"]["retired_flag"] = True
    path.write_text(json.dumps(data), encoding="utf-8")
    game.handle("/load old")
    messages = [e.message for e in events if isinstance(e, Notice)]
    assert any("0.9" in m for m in messages) and any("retired_flag" in m for m in messages)
    assert "retired_flag" not in game.state.values and game.state.scene == "smithy"
    data["state"]["scene"] = "removed_scene"
    path.write_text(json.dumps(data), encoding="utf-8")
    before = game.state.model_dump()
    game.handle("/load old")
    assert "removed_scene" in last(events, Notice).message and game.state.model_dump() == before


def test_save_names_are_checked(lantern, tmp_path):
    game, events = make(lantern, tmp_path)
    game.handle("/save ../../etc/passwd")
    assert last(events, Notice).level == "warning"
    assert not (tmp_path / "etc").exists()


def test_unknown_command_and_help(lantern, tmp_path):
    game, events = make(lantern, tmp_path)
    game.handle("/frobnicate")
    assert "frobnicate" in last(events, Notice).message
    game.handle("/help")
    text = last(events, Notice).message
    for name in ("save", "load", "undo", "redo", "retry", "help", "quit"):
        assert f"/{name}" in text


def test_invalid_choice_number(lantern, tmp_path):
    game, events = make(lantern, tmp_path)
    game.handle("7")
    assert "7번" in last(events, Notice).message and game.state.turn == 0


def test_quit_autosaves(lantern, tmp_path):
    game, _ = make(lantern, tmp_path)
    game.handle("1")
    game.handle("/quit")
    assert not game.running and game.store.read("autosave").state.scene == "smithy"


def test_restart_keeps_old_progress(lantern, tmp_path):
    game, _ = make(lantern, tmp_path)
    game.handle("1")
    game.handle("/restart")
    assert game.state.scene == "village" and game.state.turn == 0
    assert any(s.name.startswith("before-restart") for s in game.store.slots())


def test_steer_memory_note_commands_are_state(lantern, tmp_path):
    game, events = make(lantern, tmp_path)
    game.handle("/steer 공포 0.8")
    assert game.state.steer == {"공포": 0.8}
    game.handle("/steer 공포 7")
    assert last(events, Notice).level == "warning"
    game.handle("/memory 나는 겁이 많은 제자다.")
    game.handle("/note 짧게 쓴다.")
    assert game.state.memory == "나는 겁이 많은 제자다." and game.state.author_note == "짧게 쓴다."
    game.handle("1")
    game.handle("/undo")
    assert game.state.steer == {"공포": 0.8}  # settings survive undo of a turn taken after them
    game.handle("/memory reset")
    assert game.state.memory is None
    game.handle("/steer off")
    assert not game._steer_for(game.state, game.scene)


def test_steer_names_resolve_to_one_attribute(lantern, tmp_path):
    """`/steer horror 0` silences a scene's `공포: 0.5`: every spelling is one attribute."""
    game, events = make(lantern, tmp_path)
    swamp = next(s for s in lantern.scenes.values() if s.narrate and s.narrate.steer.get("공포"))
    assert game._steer_for(game.state, swamp) == {"공포": 0.5}
    game.handle("/steer horror 0")
    assert game.state.steer == {"공포": 0.0}
    assert game._steer_for(game.state, swamp) == {}
    game.handle("/steer fear 0.9")
    assert game._steer_for(game.state, swamp) == {"공포": 0.9}
    before = dict(game.state.steer)
    game.handle("/steer 슬픔 0.5")  # not an attribute: refused with the list of known ones
    assert game.state.steer == before
    notice = last(events, Notice)
    assert notice.level == "warning" and "슬픔" in notice.message and "공포" in notice.message
    assert {"공포", "전투", "로맨스", "미스터리"} <= set(game.known_attributes())


def test_steer_method_is_state_and_reaches_the_narrator(lantern, tmp_path):
    narrator = ScriptedNarrator()
    game, events = make(lantern, tmp_path, narrator)
    game.handle("/steer method activation, logit-bias")
    assert game.state.steer_methods == ["activation", "logit-bias"]
    game.handle("/steer method nope")
    assert last(events, Notice).level == "warning" and game.state.steer_methods == ["activation", "logit-bias"]
    game.handle("/steer 공포 0.8")
    game.handle("주위를 둘러본다")
    assert narrator.calls[-1].steer_methods == ["activation", "logit-bias"]
    assert narrator.calls[-1].steer == {"공포": 0.8}
    game.handle("/save m")
    game.handle("/steer method default")
    assert game.state.steer_methods is None
    game.handle("/load m")
    assert game.state.steer_methods == ["activation", "logit-bias"]


def test_free_text_goes_through_the_narrators_input_hooks(lantern, tmp_path):
    class Hooked(ScriptedNarrator):
        def filter_input(self, text, methods, notices):
            notices.append("hook ran")
            return text.replace("둘러본다", "살핀다")

    narrator = Hooked()
    game, events = make(lantern, tmp_path, narrator)
    game.handle("주위를 둘러본다")
    assert narrator.calls[-1].action == "주위를 살핀다"
    assert game.state.passages[-2].text == "주위를 살핀다"
    assert any(isinstance(e, Notice) and e.message == "hook ran" for e in events)
    game.handle("/choices")  # commands are not filtered
    assert len(narrator.calls) == 1


def test_reload_keeps_state_and_refuses_broken_pack(tmp_path):
    import shutil

    from adventure.packs.loader import load_pack
    from conftest import ROOT

    root = tmp_path / "pack"
    shutil.copytree(ROOT / "stories" / "lantern", root)
    game, events = make(load_pack(root), tmp_path)
    game.handle("1")
    scenes = root / "scenes.yaml"
    scenes.write_text(scenes.read_text(encoding="utf-8").replace("대장장이 한 씨가", "대장장이 박 씨가"), encoding="utf-8")
    game.handle("/reload")
    assert "박 씨" in game.pack.scenes["smithy"].text and game.state.scene == "smithy"
    scenes.write_text(scenes.read_text(encoding="utf-8").replace("goto: forest_edge", "goto: nowhere"), encoding="utf-8")
    game.handle("/reload")
    assert last(events, Notice).level == "error" and "ADV030" in last(events, Notice).message
    assert "박 씨" in game.pack.scenes["smithy"].text  # still the old, valid version


def test_effects_can_read_builtins(tmp_path):
    from adventure.packs.loader import load_pack

    root = tmp_path / "p"
    root.mkdir()
    (root / "pack.yaml").write_text(
        "id: b\ntitle: 내장\nstart: a\nstate:\n  when_left: 0\n  where: \"\"\nscenes:\n  a:\n    choices:\n"
        "      - text: 떠난다\n        effects: [when_left = turn + 1, where = scene]\n        goto: b\n"
        "  b:\n    ending: {title: 끝}\n", encoding="utf-8")
    game, _ = make(load_pack(root), tmp_path)
    game.handle("1")
    assert game.state.values["when_left"] == 1 and game.state.values["where"] == "a"


def test_set_sampling_from_play(lantern, tmp_path):
    game, events = make(lantern, tmp_path)
    game.handle("/set Max-New-Tokens 40")
    assert game.state.sampling == {"max_new_tokens": 40}
    assert last(events, Notice).message == "max_new_tokens = 40"
    game.handle("/set temperature 99")
    assert last(events, Notice).level == "warning" and "temperature" in last(events, Notice).message
    game.handle("/set")
    assert "max_new_tokens=40" in last(events, Notice).message


def test_narrator_warnings_shown_once(lantern, tmp_path):
    class Warning(ScriptedNarrator):
        def narrate(self, request, on_text, cancel):
            out = super().narrate(request, on_text, cancel)
            out.info["warnings"] = ["기억이 너무 길어 앞부분을 잘랐습니다."]
            return out

    game, events = make(lantern, tmp_path, Warning())
    game.handle("걷는다")
    game.handle("또 걷는다")
    assert sum(isinstance(e, Notice) and "기억이" in e.message for e in events) == 1


def test_plain_front_end_never_prints_a_retracted_half_sentence(lantern, tmp_path):
    """The generator may stream a trailing half sentence and then trim it away; plain mode prints whole
    sentences only, so what is on the screen is exactly the narration that was kept."""
    import io

    from adventure.engine.narrator import Narration
    from adventure.frontends.plain import PlainFrontend

    class Retracting(ScriptedNarrator):
        def narrate(self, request, on_text, cancel):
            self.calls.append(request)
            for piece in [" 나는 문을", " 열었다.", ' "누구냐?"', " 그가 물었다.", " 바람이 불", "어 촛"]:
                on_text(piece)
            return Narration('나는 문을 열었다. "누구냐?" 그가 물었다.', "model", {})

    game = Game(lantern, Retracting(), SaveStore(tmp_path / "saves", lantern.id), seed=0)
    out = io.StringIO()
    PlainFrontend(game, out=out)
    game.start(resume=False)
    game.handle("문을 연다")
    printed = out.getvalue()
    assert '\n나는 문을 열었다. "누구냐?" 그가 물었다.\n' in printed  # (no space carried over from the token)
    assert "바람" not in printed and "촛" not in printed
