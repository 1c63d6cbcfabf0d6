"""scripts/judge_sheets.py: blind sheets from play transcripts, and their scores."""

import importlib.util
import json
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location("_judge_sheets", Path(__file__).resolve().parents[1] / "scripts" /
                                               "judge_sheets.py")
judge = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(judge)

# The shape of `adventure play --plain`: scene title, authored text, a continuation starting with one space,
# numbered choices, then the player's lines after "> ".
TRANSCRIPT = """
[숲 어귀]
숲 어귀에 닿자 안개가 무릎까지 차올랐다.
 나는 숨을 골랐다. 나무 사이로 바람이 불었다.

  1. 우는 소리를 따라간다
  2. 오솔길을 따라 걷는다

> 주위를 둘러본다
나는 천천히 주위를 둘러보았다. "누구냐?"

  1. 덫을 풀어 준다
  2. 갈 길이 바쁘다며 지나친다

> 갈 길이 바쁘다며 지나친다
등 뒤에서 여우의 울음이 오래도록 따라왔다.

[갈림길]
오솔길이 두 갈래로 나뉘었다.

  1. 왼쪽 늪길로 내려간다
"""


def test_narrations_are_free_action_answers_and_scene_continuations_only():
    got = judge.narrations(TRANSCRIPT)
    assert got == [("장면: 숲 어귀에 닿자 안개가 무릎까지 차올랐다.", "나는 숨을 골랐다. 나무 사이로 바람이 불었다."),
                   ("행동: 주위를 둘러본다", '나는 천천히 주위를 둘러보았다. "누구냐?"')]


def test_make_hides_the_setup_and_score_adds_up(tmp_path):
    (tmp_path / "a_1.txt").write_text(TRANSCRIPT, encoding="utf-8")
    (tmp_path / "b_1.txt").write_text(TRANSCRIPT.replace("바람이 불었다", "바람이 바람이 불었다"), encoding="utf-8")
    out = tmp_path / "sheets"
    items = judge.make(out, 2, [f"a={tmp_path}/a_*.txt", f"b={tmp_path}/b_*.txt"])
    assert len(items) == 4 and {i["setup"] for i in items} == {"a", "b"}
    sheets = (out / "sheet1.md").read_text(encoding="utf-8") + (out / "sheet2.md").read_text(encoding="utf-8")
    assert "## item" in sheets and "a_1" not in sheets and "setup" not in sheets
    assert (out / "instructions.md").is_file()
    verdicts = [{"id": i["id"], "labels": ("G" if i["setup"] == "a" else "B") * len(i["sentences"])}
                for i in items]
    (out / "verdict1.jsonl").write_text("\n".join(json.dumps(v) for v in verdicts), encoding="utf-8")
    totals = judge.score(out)
    assert totals[("a", "all")] == {"G": 4} and totals[("b", "all")] == {"B": 4}
    assert totals[("a", "장면")] == {"G": 2} and totals[("a", "행동")] == {"G": 2}


def test_score_refuses_a_verdict_with_the_wrong_number_of_labels(tmp_path):
    (tmp_path / "a_1.txt").write_text(TRANSCRIPT, encoding="utf-8")
    items = judge.make(tmp_path / "s", 1, [f"a={tmp_path}/a_*.txt"])
    (tmp_path / "s" / "verdict1.jsonl").write_text(json.dumps({"id": items[0]["id"], "labels": "G"}),
                                                   encoding="utf-8")
    with pytest.raises(SystemExit, match="labels"):
        judge.score(tmp_path / "s")
