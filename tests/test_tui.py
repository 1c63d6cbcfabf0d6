"""Pilot tests of the TUI: every flow of issue #6 driven through keys, clicks, the palette and slash
commands, with the scripted narrator (no model weights)."""

from __future__ import annotations

import asyncio
import functools
import io
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("textual")

from rich.cells import cell_len  # noqa: E402
from rich.console import Console  # noqa: E402
from textual.widgets import DataTable, Input, RichLog, TextArea  # noqa: E402

from adventure.engine.events import StoryRestored  # noqa: E402
from adventure.engine.narrator import Narration, NarrationCancelled  # noqa: E402
from adventure.saves import SaveStore  # noqa: E402
from adventure.tui.app import AdventureApp  # noqa: E402
from adventure.tui.screens import (ContextViewer, HelpScreen, HistoryScreen, SavePicker, SettingsScreen,  # noqa: E402
                                   SteerScreen, TextEditScreen)
from adventure.tui.widgets import CommandInfo, complete  # noqa: E402
from scripted import ScriptedNarrator  # noqa: E402

pytestmark = pytest.mark.timeout(120)


def run_async(fn):
    """Run an ``async def`` test on a fresh event loop (no pytest asyncio plugin needed)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))
    return wrapper

REPLY = "나는 조용히 앞으로 나아갔다. 안개가 발목을 감쌌다."


class GatedNarrator:
    """Streams one token, then waits for ``gate`` (or a cancel), then the rest: a narration in progress."""

    name = "gated"

    def __init__(self, text: str = REPLY):
        self.text = text
        self.gate = threading.Event()
        self.started = threading.Event()
        self.calls = 0
        self.last_info: dict = {}

    def narrate(self, request, on_text, cancel):
        self.calls += 1
        words = self.text.split(" ")
        on_text(words[0] + " ")
        self.started.set()
        while not self.gate.wait(0.02):
            if cancel.is_set():
                raise NarrationCancelled()
        for w in words[1:]:
            on_text(w + " ")
        self.last_info = {"prompt_tokens": 120, "reused_tokens": 100, "processed_tokens": 20}
        return Narration(self.text, "model", dict(self.last_info))


def make_app(pack, tmp_path, narrator=None, **kw) -> AdventureApp:
    store = SaveStore(tmp_path / "saves", pack.id)
    kw.setdefault("keymap_path", None)
    return AdventureApp(pack, store, narrator=narrator or ScriptedNarrator([REPLY]), **kw)


async def settle(pilot, app: AdventureApp, timeout: float = 15.0) -> None:
    """Wait until every queued line has run and its events are on screen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.02)
        if not app.busy and not app._lines and app._queue is not None and app._queue.empty():
            await pilot.pause()
            if not app.busy and app._queue.empty() and app._panel_timer is None:
                return
    raise AssertionError("the TUI did not settle")


def screen_lines(app: AdventureApp) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_text(app: AdventureApp) -> str:
    return "\n".join(screen_lines(app))


def log_text(app: AdventureApp) -> str:
    return "\n".join(getattr(w, "text", "") for w in app.log_view.passages())


def static_text(widget, width: int = 160) -> str:
    """The full text of a Static's content (all of it, not only what the dialog shows)."""
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(widget.content)
    return console.export_text()


def notices(app: AdventureApp) -> str:
    return "\n".join(message for _, message in app.notices)


# ------------------------------------------------------------------------------------------- layout

@run_async
async def test_first_screen_shows_scene_choices_panel(lantern, tmp_path):
    app = make_app(lantern, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        text = screen_text(app)
        assert "마을 광장" in text and "1. 대장간에 들러 채비를 한다" in text and "2. 곧장 숲으로 향한다" in text
        assert "남은 기력" in text and "이야기꾼" in text and "scripted" in text
        assert app.input.has_focus
        assert not app.errors


@run_async
async def test_wide_hangul_keeps_columns_aligned(lantern, tmp_path):
    app = make_app(lantern, tmp_path)
    for size in ((80, 24), (120, 40)):
        async with app.run_test(size=size) as pilot:
            await settle(pilot, app)
            await pilot.press(*"가나다라마바사아자차카타파하", "enter")
            await settle(pilot, app)
            strips = app.screen._compositor.render_strips()
            assert all(s.cell_length == size[0] for s in strips)
            lines = [s.text for s in strips]
            # the side panel's border sits in the same cell column on every body row
            columns = {cell_len(line[:line.index("▏")]) for line in lines[1:-1] if "▏" in line}
            assert len(columns) == 1, columns
            assert "가나다라마바사아자차카타파하" in "\n".join(lines)
        app = make_app(lantern, tmp_path / "b")


# ------------------------------------------------------------------------------------------- choices, input

@run_async
async def test_digit_on_empty_input_picks_choice_and_click_picks_choice(lantern, tmp_path):
    app = make_app(lantern, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("1")
        await settle(pilot, app)
        assert app.game.state.scene == "smithy" and app.input.value == ""
        assert "› 대장간에 들러 채비를 한다" in screen_text(app)
        assert "부싯돌" in screen_text(app)  # inventory in the side panel
        await pilot.click("#choices", offset=(4, 0))  # the first (only) choice
        await settle(pilot, app)
        assert app.game.state.scene == "forest_edge"
        app.log_view.focus()  # the choose_N bindings work wherever the focus is
        await pilot.press("2")
        await settle(pilot, app)
        assert app.game.state.scene == "crossroads"


@run_async
async def test_number_typed_after_text_is_text_and_enter_sends_number(lantern, tmp_path):
    app = make_app(lantern, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("/", "c", "h", "o")
        assert app.input.value == "/cho"
        await pilot.press("ctrl+u")
        assert app.input.value == ""
        await pilot.press("9")  # no choice 9: the digit is typed
        assert app.input.value == "9"
        await pilot.press("backspace", "2", "enter")
        await settle(pilot, app)
        assert app.game.state.scene == "forest_edge"


@run_async
async def test_korean_free_action_streams_narration(lantern, tmp_path):
    narrator = ScriptedNarrator([REPLY])
    app = make_app(lantern, tmp_path, narrator)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press(*"나는 안개를 살핀다", "enter")
        await settle(pilot, app)
        assert narrator.calls[-1].action == "나는 안개를 살핀다"
        text = log_text(app)
        assert "나는 안개를 살핀다" in text and REPLY in text
        kinds = [w.kind for w in app.log_view.passages()]
        assert kinds[-2:] == ["action", "narration"]
        assert app.game.state.turn == 1


@run_async
async def test_streaming_keeps_input_responsive_and_esc_rolls_back(lantern, tmp_path):
    narrator = GatedNarrator()
    app = make_app(lantern, tmp_path, narrator)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        before = app.game.state.model_dump()
        await pilot.press(*"문을 연다", "enter")
        for _ in range(200):
            await pilot.pause(0.02)
            if narrator.started.is_set() and app.log_view.streaming is not None:
                break
        assert app.busy and app.narrating
        assert "쓰는 중" in screen_text(app)
        await pilot.press(*"다음 행동")  # typing while the narrator streams
        assert app.input.value == "다음 행동"
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.game.state.model_dump() == before
        assert "서술을 취소했습니다" in notices(app)
        assert app.log_view.streaming is None
        assert "문을 연다" not in log_text(app)
        assert app.input.value == "다음 행동"


@run_async
async def test_lines_typed_during_a_turn_queue_in_order(lantern, tmp_path):
    narrator = GatedNarrator()
    app = make_app(lantern, tmp_path, narrator)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press(*"첫째", "enter")
        await pilot.pause(0.1)
        await pilot.press(*"둘째", "enter")
        await pilot.pause(0.05)
        assert "입력 1개 대기" in screen_text(app)
        narrator.gate.set()
        await settle(pilot, app)
        actions = [w.text for w in app.log_view.passages() if w.kind == "action"]
        assert actions[-2:] == ["첫째", "둘째"] and app.game.state.turn == 2


@run_async
async def test_slash_completion_and_hint(lantern, tmp_path):
    app = make_app(lantern, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("/", "u", "n")
        await pilot.pause(0.1)
        assert "마지막 턴을 되돌립니다" in screen_text(app)  # the hint line shows the command's help
        await pilot.press("tab")
        assert app.input.value == "/undo"
        app.input.value = ""
        await pilot.press(*"/steer 공")
        await pilot.pause(0.1)
        await pilot.press("tab")
        assert app.input.value == "/steer 공포"
        await pilot.press(*" 0.7", "enter")
        await settle(pilot, app)
        assert app.game.state.steer == {"공포": 0.7}
        assert "공포" in screen_text(app)  # active steering in the side panel


def test_complete_function():
    cmds = [CommandInfo("save", "", ""), CommandInfo("saves", "", ""), CommandInfo("set", "", "")]
    assert complete("/sa", cmds, lambda c: []) == "/save"
    assert complete("/set te", cmds, lambda c: ["temperature"]) == "/set temperature"
    assert complete("나는", cmds, lambda c: []) is None
    assert complete("/set temperature 0", cmds, lambda c: ["temperature"]) is None


# ------------------------------------------------------------------------------------------- saves

@run_async
async def test_save_picker_saves_lists_and_loads(lantern, tmp_path):
    app = make_app(lantern, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("1")
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SavePicker)
        app.screen.query_one("#save-name", Input).focus()
        await pilot.press(*"대장간", "enter")
        await settle(pilot, app)
        assert (tmp_path / "saves" / "lantern" / "대장간.json").is_file()
        await pilot.press("1")  # move on: forest edge
        await settle(pilot, app)
        assert app.game.state.scene == "forest_edge"
        await pilot.press("ctrl+s")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        names = [r[0] for r in rows]
        assert "대장간" in names and "autosave" in names
        row = rows[names.index("대장간")]
        assert row[1] == "대장간" and str(row[2]) == "1"
        table.move_cursor(row=names.index("대장간"))
        await pilot.press("enter")
        await settle(pilot, app)
        assert not isinstance(app.screen, SavePicker)
        assert app.game.state.scene == "smithy" and "불러왔습니다" in notices(app)


@run_async
async def test_bad_save_shows_notice_and_keeps_state(lantern, tmp_path):
    app = make_app(lantern, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        (tmp_path / "saves" / "lantern").mkdir(parents=True, exist_ok=True)
        (tmp_path / "saves" / "lantern" / "broken.json").write_text('{"schema_version": 1, "pack', encoding="utf-8")
        before = app.game.state.model_dump()
        await pilot.press(*"/load broken", "enter")
        await settle(pilot, app)
        assert "손상" in notices(app) and app.game.state.model_dump() == before
        await pilot.press("1")
        await settle(pilot, app)
        assert app.game.state.scene == "smithy"


# ------------------------------------------------------------------------------------------- undo/redo/retry

@run_async
async def test_undo_redo_retry_keys(lantern, tmp_path):
    narrator = ScriptedNarrator(["첫 번째 서술이다.", "두 번째 서술이다."])
    app = make_app(lantern, tmp_path, narrator)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press(*"주위를 본다", "enter")
        await settle(pilot, app)
        assert "첫 번째 서술이다." in log_text(app) and app.game.state.turn == 1
        await pilot.press("ctrl+r")
        await settle(pilot, app)
        assert "두 번째 서술이다." in log_text(app) and "첫 번째 서술이다." not in log_text(app)
        assert app.game.state.turn == 1
        await pilot.press("ctrl+z")
        await settle(pilot, app)
        assert app.game.state.turn == 0 and "주위를 본다" not in log_text(app)
        await pilot.press("ctrl+y")
        await settle(pilot, app)
        assert app.game.state.turn == 1 and "주위를 본다" in log_text(app)


# ------------------------------------------------------------------------------------------- dialogs

@run_async
async def test_steer_screen_steps_and_toggles(lantern, tmp_path):
    app = make_app(lantern, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, SteerScreen)
        table = app.screen.query_one(DataTable)
        attrs = [table.get_row_at(i)[0] for i in range(table.row_count)]
        assert set(attrs) >= {"미스터리", "공포"}
        table.move_cursor(row=attrs.index("공포"))
        await pilot.press("plus", "plus")
        await settle(pilot, app)
        assert app.game.state.steer["공포"] == pytest.approx(0.2)
        await pilot.press("space")
        await settle(pilot, app)
        assert app.game.state.steer["공포"] == 0.0
        await pilot.press("space")
        await settle(pilot, app)
        assert app.game.state.steer["공포"] == pytest.approx(0.2)
        app.screen.query_one("#steer-add", Input).focus()
        await pilot.press(*"battle", "enter")  # any spelling: stored under the attribute's own name
        await settle(pilot, app)
        assert app.game.state.steer["전투"] == 0.5
        await pilot.press("0")
        await settle(pilot, app)
        assert app.game._steer_for(app.game.state, app.game.scene) == {}
        await pilot.press("1")  # a digit in a dialog does not pick a choice behind it
        await settle(pilot, app)
        assert app.game.state.scene == "village"
        await pilot.press("escape")
        assert not isinstance(app.screen, SteerScreen)


@run_async
async def test_settings_screen_sets_sampler(lantern, tmp_path):
    app = make_app(lantern, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("f3")
        await settle(pilot, app)  # the dialog loads the settings module (it imports torch) between turns
        assert isinstance(app.screen, SettingsScreen) and app.view.sampling_help
        await pilot.pause()
        assert "top_k" in app.view.sampling  # every setting, not only the pack's overrides
        field = app.screen.query_one("#set-temperature", Input)
        assert field.value == "0.65"  # the lantern pack's setting
        field.focus()
        field.value = "0.5"
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.game.state.sampling["temperature"] == 0.5
        field = app.screen.query_one("#set-top_k", Input)
        field.focus()
        field.value = "-3"
        await pilot.press("enter")
        await settle(pilot, app)
        assert "설정을 바꾸지 못했습니다" in notices(app) and "top_k" not in app.game.state.sampling


@run_async
async def test_context_viewer_renders_last_info_and_ledger(lantern, tmp_path):
    narrator = GatedNarrator()
    narrator.gate.set()
    app = make_app(lantern, tmp_path, narrator)
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot, app)
        narrator.text = "안개 속에서 무언가 움직였다."
        await pilot.press(*"귀를 기울인다", "enter")
        await settle(pilot, app)
        narrator.last_info = {"prompt_tokens": 333, "reused_tokens": 300, "processed_tokens": 33,
                              "ledger": [{"part": "기억", "tokens": 40}, {"part": "이야기", "tokens": 250}],
                              "dropped": {"passages": 2}}
        app.view = app.take_view()
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, ContextViewer)
        assert "prompt_tokens" in screen_text(app)
        text = static_text(app.screen.query_one("#context-body"))
        for needle in ("prompt_tokens", "333", "ledger", "이야기", "250", "passages", "기억", "작가의 말"):
            assert needle in text, needle


@run_async
async def test_memory_and_note_editing(lantern, tmp_path):
    app = make_app(lantern, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, TextEditScreen)
        area = app.screen.query_one(TextArea)
        assert "등불지기" in area.text
        area.text = '나는 "은빛 여우"의 친구다.\n여우는 말을 한다.'
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert app.game.state.memory == '나는 "은빛 여우"의 친구다.\n여우는 말을 한다.'
        await pilot.press("f6")
        await pilot.pause()
        app.screen.query_one(TextArea).text = "밝고 경쾌하게."
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert app.game.state.author_note == "밝고 경쾌하게."
        await pilot.press("f5")
        await pilot.pause()
        await pilot.press("ctrl+r")
        await settle(pilot, app)
        assert app.game.state.memory is None


@run_async
async def test_help_screen_lists_bindings_and_commands(lantern, tmp_path):
    app = make_app(lantern, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = static_text(app.screen.query_one("#help-body"))
        for needle in ("되돌리기", "undo", "저장·불러오기", "/steer", "/memory", "keys.toml"):
            assert needle in text, needle


@run_async
async def test_command_palette_runs_commands(lantern, tmp_path):
    app = make_app(lantern, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("1")
        await settle(pilot, app)
        assert app.game.state.turn == 1
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"되돌리기")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.game.state.turn == 0


@run_async
async def test_history_and_pruning_keep_widget_count_bounded(lantern, tmp_path):
    app = make_app(lantern, tmp_path, max_live_passages=20)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        story = tuple(("narration" if i % 2 else "action", f"{i}번째 문단이다.") for i in range(300))
        app._post(StoryRestored(story))
        await settle(pilot, app)
        assert len(app.log_view.passages()) == 20
        marker = app.query_one("#pruned-marker")
        assert marker.display and "앞의 이야기 280개" in str(marker.render())
        for i in range(30):
            await app.log_view.add("narration", f"추가 {i}")
        assert 20 - app.log_view.prune_chunk <= len(app.log_view.passages()) <= 20
        assert app.log_view.scroll_y == app.log_view.max_scroll_y  # still anchored to the bottom
        await pilot.press("f7")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        assert app.screen.query_one(RichLog).lines


@run_async
async def test_theme_toggle(lantern, tmp_path):
    app = make_app(lantern, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        dark = app.current_theme.dark
        await pilot.press("f8")
        assert app.current_theme.dark != dark


# ------------------------------------------------------------------------------------------- quit

@run_async
async def test_quit_autosaves_and_exits(lantern, tmp_path):
    app = make_app(lantern, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("1")
        await settle(pilot, app)
        await pilot.press("ctrl+q")
        await pilot.pause(0.5)
    assert app.return_code == 0
    saved = json.loads((tmp_path / "saves" / "lantern" / "autosave.json").read_text(encoding="utf-8"))
    assert saved["state"]["scene"] == "smithy"


@run_async
async def test_quit_during_narration_loses_nothing(lantern, tmp_path):
    narrator = GatedNarrator()
    app = make_app(lantern, tmp_path, narrator)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("1")
        await settle(pilot, app)
        await pilot.press(*"숨는다", "enter")
        for _ in range(100):
            await pilot.pause(0.02)
            if narrator.started.is_set():
                break
        await pilot.press("ctrl+q")
        for _ in range(100):
            await pilot.pause(0.02)
            if not app.is_running:
                break
    saved = json.loads((tmp_path / "saves" / "lantern" / "autosave.json").read_text(encoding="utf-8"))
    assert saved["state"]["scene"] == "smithy" and saved["state"]["turn"] == 1


# ------------------------------------------------------------------------------------------- errors

@run_async
async def test_model_error_falls_back_and_game_continues(lantern, tmp_path):
    narrator = ScriptedNarrator([REPLY], fail_on={0})
    app = make_app(lantern, tmp_path, narrator)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press(*"뛰어간다", "enter")
        await settle(pilot, app)
        assert "이야기꾼 모델이 실패" in notices(app)
        assert app.game.state.turn == 1 and not app.errors
        narration = [w for w in app.log_view.passages() if w.kind == "narration"]
        assert narration and narration[-1].text in lantern.manifest.narrator.free_text_fallback


@run_async
async def test_worker_exception_goes_to_one_handler(lantern, tmp_path, monkeypatch):
    app = make_app(lantern, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        real = app.game.handle

        def broken(line):
            if line == "폭발":
                raise RuntimeError("listener bug")
            return real(line)

        monkeypatch.setattr(app.game, "handle", broken)
        await pilot.press(*"폭발", "enter")
        await settle(pilot, app)
        assert app.errors and "listener bug" in app.errors[-1]
        assert "내부 오류" in notices(app)
        await pilot.press("1")
        await settle(pilot, app)
        assert app.game.state.scene == "smithy"


@run_async
async def test_reload_error_and_watch(lantern_path, tmp_path):
    from adventure.packs.loader import load_pack

    root = tmp_path / "pack"
    shutil.copytree(lantern_path, root)
    pack = load_pack(root)
    app = make_app(pack, tmp_path, watch=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        scenes = root / "scenes.yaml"
        scenes.write_text(scenes.read_text(encoding="utf-8").replace("goto: smithy", "goto: nowhere"),
                          encoding="utf-8")
        for _ in range(150):  # the watcher polls once a second
            await pilot.pause(0.05)
            if "다시 읽지 못해" in notices(app):
                break
        assert "다시 읽지 못해" in notices(app)
        await settle(pilot, app)
        await pilot.press("1")
        await settle(pilot, app)
        assert app.game.state.scene == "smithy"  # the old pack goes on


@run_async
async def test_keymap_file_remaps_bindings(lantern, tmp_path):
    keys = tmp_path / "keys.toml"
    keys.write_text('undo = "f12"\nnot_a_binding = "f11"\n', encoding="utf-8")
    app = make_app(lantern, tmp_path, keymap_path=keys)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert "not_a_binding" in notices(app)
        await pilot.press("1")
        await settle(pilot, app)
        await pilot.press("f12")
        await settle(pilot, app)
        assert app.game.state.turn == 0
        assert ("undo", "f12", "되돌리기") in app.binding_rows()


@run_async
async def test_model_loads_in_background_and_turns_wait_for_it(lantern, tmp_path, monkeypatch):
    import adventure.engine.model_narrator as mn

    release = threading.Event()
    model = ScriptedNarrator(["모델이 쓴 문장이다."])
    model.name = "tiny-model"

    def slow_build(spec, device="auto", dtype="auto", **kw):
        release.wait(10)
        return model, None

    monkeypatch.setattr(mn, "build_narrator", slow_build)
    store = SaveStore(tmp_path / "saves", lantern.id)
    app = AdventureApp(lantern, store, model_spec="bundled", keymap_path=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert app.model_loading
        text = screen_text(app)
        assert "마을 광장" in text and "불러오는 중" in text  # the first screen is up before the model
        await pilot.press(*"기다린다", "enter")
        await pilot.pause(0.3)
        assert app.busy and "모델을 기다리는 중" in screen_text(app)
        release.set()
        await settle(pilot, app)
        assert not app.model_loading and "모델이 쓴 문장이다." in log_text(app)
        assert app.game.narrator is model and "tiny-model" in screen_text(app)


@run_async
async def test_model_load_failure_uses_fallback_with_notice(lantern, tmp_path, monkeypatch):
    import adventure.engine.model_narrator as mn
    from adventure.engine.narrator import FallbackNarrator

    monkeypatch.setattr(mn, "build_narrator", lambda *a, **k: (FallbackNarrator("x"), "no bundled model yet"))
    app = AdventureApp(lantern, SaveStore(tmp_path, lantern.id), model_spec="bundled", keymap_path=None)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(100):
            await pilot.pause(0.02)
            if not app.model_loading:
                break
        await settle(pilot, app)
        assert "no bundled model yet" in notices(app)
        await pilot.press("2")
        await settle(pilot, app)
        assert app.game.state.scene == "forest_edge"


def test_engine_does_not_import_textual():
    code = ("import sys; import adventure.engine.game, adventure.frontends.plain, adventure.cli.play; "
            "assert 'textual' not in sys.modules, 'engine imported textual'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parent.parent)


@run_async
async def test_long_narration_streams_in_pieces_and_ends_with_the_exact_text(lantern, tmp_path):
    from adventure.engine.events import NarrationFinished, NarrationStarted, TokenStreamed

    app = make_app(lantern, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        sentences = [f"나는 {i}번째 돌다리를 조심스럽게 건넜다." for i in range(60)]
        app._post(NarrationStarted("model"))
        for sentence in sentences:
            for word in sentence.split(" "):
                app._post(TokenStreamed(word + " "))
        for _ in range(300):
            await pilot.pause(0.02)
            if app._queue.empty() and not app.log_view._pending and app.log_view.pieces:
                break
        assert app.log_view.pieces, "a long narration is frozen into pieces while it streams"
        final = " ".join(sentences[:-1])  # the engine trimmed the last sentence
        app._post(NarrationFinished(final, "model", {}))
        await settle(pilot, app)
        narration = [w for w in app.log_view.passages() if w.kind == "narration"]
        assert "".join(w.text for w in narration).replace(" ", "") == final.replace(" ", "")
        assert app._unshown == 0 and app.log_view.streaming is None
