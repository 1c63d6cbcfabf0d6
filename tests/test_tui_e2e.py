"""End to end: the real ``adventure play`` in a pseudo-terminal (tmux, else pexpect), a Korean action typed,
narration seen on the screen, quit with Ctrl+Q and the autosave checked.

Uses the bundled model when ``adventure/models/bundled/config.json`` exists, else ``--model fallback``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "adventure" / "models" / "bundled" / "config.json"
ACTION = "나는 주위를 둘러본다"

pytestmark = pytest.mark.timeout(300)


def _model_args() -> list[str]:
    return [] if BUNDLED.exists() else ["--model", "fallback"]


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONPATH": str(ROOT),
                "XDG_CONFIG_HOME": str(tmp_path / "config"), "HF_HUB_OFFLINE": "1", "COLORTERM": "truecolor"})
    env.pop("TEXTUAL", None)
    return env


def _last_narration(save_dir: Path) -> str:
    save = json.loads((save_dir / "lantern" / "autosave.json").read_text(encoding="utf-8"))
    passages = save["state"]["passages"]
    assert any(p["kind"] == "action" and p["text"] == ACTION for p in passages)
    assert passages[-1]["kind"] == "narration" and passages[-1]["text"].strip()
    return passages[-1]["text"]


def _turn_saved(save_dir: Path) -> bool:
    try:
        passages = json.loads((save_dir / "lantern" / "autosave.json").read_text(encoding="utf-8"))["state"]["passages"]
    except (OSError, ValueError, KeyError):
        return False
    return any(p["kind"] == "action" and p["text"] == ACTION for p in passages) and passages[-1]["kind"] == "narration"


def _squash(text: str) -> str:
    return "".join(text.split())


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_play_in_tmux(tmp_path):
    session = f"adv{os.getpid()}"
    save_dir = tmp_path / "saves"
    cmd = [sys.executable, "-m", "adventure", "play", "lantern", "--new", "--save-dir", str(save_dir),
           *_model_args()]
    env = _env(tmp_path)
    tmux = ["tmux", "-L", session, "-f", "/dev/null"]

    def capture() -> str:
        return subprocess.run([*tmux, "capture-pane", "-p", "-t", session], capture_output=True, text=True,
                              env=env).stdout

    def wait_for(predicate, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = capture()
            if predicate(screen):
                return screen
            time.sleep(0.2)
        raise AssertionError("timed out; the screen was:\n" + screen)

    subprocess.run([*tmux, "new-session", "-d", "-s", session, "-x", "100", "-y", "30",
                    " ".join(_shell_quote(c) for c in cmd)], check=True, env=env, cwd=ROOT)
    try:
        wait_for(lambda s: "마을 광장" in s and "1. 대장간" in s, 60)
        subprocess.run([*tmux, "send-keys", "-t", session, "-l", ACTION], check=True, env=env)
        wait_for(lambda s: ACTION in s, 20)
        subprocess.run([*tmux, "send-keys", "-t", session, "Enter"], check=True, env=env)
        screen = wait_for(lambda s: f"› {ACTION}" in s and "쓰는 중" not in s and "기다리는 중" not in s, 240)
        subprocess.run([*tmux, "send-keys", "-t", session, "C-q"], check=True, env=env)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            alive = subprocess.run([*tmux, "has-session", "-t", session], capture_output=True, env=env)
            if alive.returncode != 0:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the app did not quit on Ctrl+Q:\n" + capture())
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True, env=env)
    narration = _last_narration(save_dir)
    assert _squash(narration)[:8] in _squash(screen)
    assert "Traceback" not in screen


def test_play_in_pexpect(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    save_dir = tmp_path / "saves"
    child = pexpect.spawn(sys.executable, ["-m", "adventure", "play", "lantern", "--new", "--save-dir",
                                           str(save_dir), *_model_args()],
                          env=_env(tmp_path), cwd=str(ROOT), dimensions=(30, 100), encoding="utf-8", timeout=60)
    try:
        child.expect("마을 광장")
        child.send(ACTION)
        child.expect("둘러본다")
        child.send("\r")
        deadline = time.monotonic() + 240
        while not _turn_saved(save_dir):  # the turn is committed (and autosaved) after its narration
            assert time.monotonic() < deadline, "the turn never completed"
            child.expect([pexpect.TIMEOUT, pexpect.EOF], timeout=0.5)  # keep reading the screen
        child.sendcontrol("q")
        child.expect(pexpect.EOF, timeout=30)
    finally:
        child.close(force=True)
    _last_narration(save_dir)


def _shell_quote(text: str) -> str:
    import shlex

    return shlex.quote(text)
