"""Snapshot tests of the TUI (pytest-textual-snapshot): the main screen, choices, the save picker and the
context viewer at 80×24 and 120×40, with Korean text, in the dark theme (and the main screen in the light one).

Update after an intended change with ``pytest tests/test_tui_snapshots.py --snapshot-update`` and look at
the SVGs in ``tests/__snapshots__/``.
"""

from __future__ import annotations

import json
import time

import pytest

pytest.importorskip("pytest_textual_snapshot")

from textual.widgets import Input  # noqa: E402

from adventure.saves import SaveStore  # noqa: E402
from adventure.tui.app import AdventureApp  # noqa: E402
from scripted import ScriptedNarrator  # noqa: E402
from test_tui import GatedNarrator, settle  # noqa: E402

pytestmark = pytest.mark.timeout(120)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
REPLIES = ["나는 등불을 높이 들고 안개 속을 살폈다. 어디선가 물 흐르는 소리가 들렸다.",
           "\"누구 없어요?\" 내 목소리가 나무 사이로 흩어졌다. 대답 대신 바람이 불었다."]


@pytest.fixture(autouse=True)
def _utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _app(lantern, tmp_path, narrator=None) -> AdventureApp:
    return AdventureApp(lantern, SaveStore(tmp_path / "saves", lantern.id), keymap_path=None,
                        narrator=narrator or ScriptedNarrator(REPLIES))


async def _steady_cursors(pilot) -> None:
    """Stop every input's cursor from blinking, so the picture does not depend on how long the run took.

    The cursor blinks every 0.5 s; on a slow machine the snapshot could catch it hidden (CI did, once).
    """
    for screen in pilot.app.screen_stack:
        for field in screen.query(Input):
            field.cursor_blink = False
    await pilot.pause()


async def _play(pilot, *lines: str) -> None:
    app = pilot.app
    await settle(pilot, app)
    for line in lines:
        await pilot.press(*line, "enter")
        await settle(pilot, app)
    app.clear_notifications()
    await pilot.pause()


def _steadied(run_before):
    async def run(pilot):
        await run_before(pilot)
        await _steady_cursors(pilot)
    return run


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare, lantern, tmp_path, size):
    async def run_before(pilot):
        await _play(pilot, "1", "1", "나는 등불을 켠다", "나는 큰 소리로 사람을 부른다")
    assert snap_compare(_app(lantern, tmp_path), terminal_size=size, run_before=_steadied(run_before))


def test_main_screen_light_theme(snap_compare, lantern, tmp_path):
    async def run_before(pilot):
        pilot.app.theme = "textual-light"
        await _play(pilot, "2", "나는 등불을 켠다")
    assert snap_compare(_app(lantern, tmp_path), terminal_size=(80, 24), run_before=_steadied(run_before))


@pytest.mark.parametrize("size", SIZES)
def test_choices_with_steering(snap_compare, lantern, tmp_path, size):
    async def run_before(pilot):
        await _play(pilot, "1", "1", "2", "/steer 공포 0.6")  # crossroads: three choices, fear steering on
    assert snap_compare(_app(lantern, tmp_path), terminal_size=size, run_before=_steadied(run_before))


@pytest.mark.parametrize("size", SIZES)
def test_save_picker(snap_compare, lantern, tmp_path, size):
    async def run_before(pilot):
        await _play(pilot, "1", "/save 대장간_앞", "1", "/save 숲어귀-첫날")
        folder = tmp_path / "saves" / "lantern"
        for i, path in enumerate(sorted(folder.glob("*.json"))):  # fixed times, so the picture is stable
            data = json.loads(path.read_text(encoding="utf-8"))
            data["saved_at"] = f"2025-03-0{i + 1}T0{i + 1}:15:00+00:00"
            path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert snap_compare(_app(lantern, tmp_path), terminal_size=size, run_before=_steadied(run_before))


@pytest.mark.parametrize("size", SIZES)
def test_context_viewer(snap_compare, lantern, tmp_path, size):
    narrator = GatedNarrator("나는 안개 속에서 희미한 불빛을 보았다.")
    narrator.gate.set()

    async def run_before(pilot):
        await _play(pilot, "2", "나는 불빛 쪽으로 걷는다")
        narrator.last_info = {
            "finish_reason": "sentence", "prompt_tokens": 412, "reused_tokens": 388, "processed_tokens": 24,
            "seconds": 1.25, "dropped_passages": 0,
            "parts": [{"part": "기억", "tokens": 61}, {"part": "세계 정보", "tokens": 38},
                      {"part": "이야기", "tokens": 290}, {"part": "작가의 말", "tokens": 17},
                      {"part": "행동", "tokens": 6}]}
        pilot.app.view = pilot.app.take_view()
        pilot.app._refresh_panel()
        await pilot.press("f4")
        await pilot.pause()
    assert snap_compare(_app(lantern, tmp_path, narrator), terminal_size=size, run_before=_steadied(run_before))
