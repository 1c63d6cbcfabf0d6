"""The command line as a user runs it: subprocesses, real files, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from adventure.packs.schema_files import SCHEMA_DIR, render_schemas


def adventure(*args, input=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "adventure", *args], input=input, capture_output=True,
                          text=True, timeout=timeout)


def test_version_and_help():
    out = adventure("--version")
    assert out.returncode == 0 and out.stdout.startswith("adventure ")
    for cmd in ("play", "validate", "packs", "schema"):
        res = adventure(cmd, "--help")
        assert res.returncode == 0 and "usage:" in res.stdout


def test_plain_play_reaches_ending_and_roundtrips(tmp_path):
    actions = "\n".join(["1", "1", "1", "/save 첫저장", "1", "/undo", "1", "/load 첫저장", "1", "1", "1", ""])
    res = adventure("play", "lantern", "--plain", "--model", "fallback", "--save-dir", str(tmp_path), "--new",
                    input=actions)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stdout + res.stderr
    assert "결말: 새 등불지기" in res.stdout
    assert "한 턴을 되돌렸습니다" in res.stdout and "불러왔습니다" in res.stdout
    saved = json.loads((tmp_path / "lantern" / "첫저장.json").read_text(encoding="utf-8"))
    assert saved["schema_version"] == 1 and saved["state"]["scene"] == "fox"


def test_plain_play_continues_autosave(tmp_path):
    adventure("play", "--plain", "--model", "fallback", "--save-dir", str(tmp_path), input="1\n")
    res = adventure("play", "--plain", "--model", "fallback", "--save-dir", str(tmp_path), input="1\n")
    assert "이어서" in res.stdout and "[숲 어귀]" in res.stdout


def test_play_with_bad_pack_is_one_line(tmp_path):
    (tmp_path / "pack.yaml").write_text("id: x\n  bad: [\n", encoding="utf-8")
    res = adventure("play", str(tmp_path), "--plain")
    assert res.returncode == 1 and "error ADV001" in res.stderr and "Traceback" not in res.stderr


def test_play_missing_pack():
    res = adventure("play", "no-such-pack", "--plain")
    assert res.returncode == 1 and "no such pack" in res.stderr


def test_packs_lists_bundled():
    res = adventure("packs")
    assert res.returncode == 0 and "lantern" in res.stdout and "bundled" in res.stdout


def test_validate_bundled_packs_clean():
    from adventure.packs.registry import bundled_packs_dir

    paths = [str(p) for p in sorted(bundled_packs_dir().iterdir()) if (p / "pack.yaml").exists()]
    res = adventure("validate", *paths)
    assert res.returncode == 0, res.stdout
    assert "warning" not in res.stdout


def test_committed_schema_matches_models():
    """Fails when the pydantic models change without `adventure schema --write`."""
    for name, text in render_schemas().items():
        assert (SCHEMA_DIR / name).read_text(encoding="utf-8") == text, f"regenerate {name}: adventure schema --write"


def test_schema_command_prints_json():
    res = adventure("schema")
    assert json.loads(res.stdout)["title"].startswith("adventure story pack")


def test_engine_core_never_imports_textual():
    code = ("import sys, adventure.engine.game, adventure.cli, adventure.cli.play, adventure.frontends.plain, "
            "adventure.engine.model_narrator, adventure.packs.loader, adventure.saves; "
            "assert 'textual' not in sys.modules, 'engine imported textual'")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
