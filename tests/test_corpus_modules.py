"""Checks on the battle and romance corpus generators (scripts/corpus/).

They run the generators directly (no built corpus needed), so a broken
template, a wrong particle or a leftover placeholder fails here before it
reaches the training data.
"""

from __future__ import annotations

import importlib.util
import random
import re
from pathlib import Path

import pytest

MODULES = Path(__file__).resolve().parents[1] / "scripts" / "corpus"
LABELS = ("battle", "romance")

# Hangul syllables, digits, spaces, the punctuation the corpus uses, ASCII quotes.
ALLOWED = re.compile(r'^[가-힣0-9 .,!?"\'…]+$')
QUOTED = re.compile(r'"[^"]*"')
SENTENCE_END = re.compile(r"[.!?…]+")
# A word ending in one of these particles; checked against the batchim rule.
PARTICLE = re.compile(r"([가-힣]+)(을|를|과|와|으로)(?=[\s.,!?\"'…]|$)")
# Nouns that merely end in the same syllable as a particle.
NOT_PARTICLES = {"마을", "가을", "노을", "고을", "사과", "효과", "결과"}

# Words that mark the attribute; nearly every passage should contain one.
KEYWORDS = {
    "battle": ("칼", "검을", "검이", "장검", "단검", "대검", "쌍검", "방패", "화살", "활", "창끝", "창을", "장창", "도끼",
               "철퇴", "망치", "적의", "적이", "적을", "적들", "적병", "적군", "공격", "일격", "함성", "상처", "갑옷",
               "투구", "전장", "승리", "싸움", "결투", "무기", "병사", "피", "놈", "성벽", "진영", "달려들", "쓰러"),
    "romance": ("손", "눈동자", "미소", "웃", "고백", "심장", "두근", "그리", "약속", "입을 맞", "사랑", "좋아", "설레",
                "뺨", "품", "안", "기대", "기댔", "곁", "마음", "바라보", "이름", "편지", "눈물", "보고 싶", "얼굴을 붉",
                "숨소리", "기다리", "시선", "첫 만남", "떨림", "청혼", "선물", "어깨"),
}


def _load(label: str):
    spec = importlib.util.spec_from_file_location(f"_corpus_test_{label}", MODULES / f"{label}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", params=LABELS)
def module(request):
    return _load(request.param)


@pytest.fixture(scope="module")
def texts(module) -> list[str]:
    return module.passages(random.Random(1))


def _narration(text: str) -> str:
    return text.split("\n", 1)[1] if text.startswith("> ") else text


def _sentences(text: str) -> int:
    """Narrative sentences: quoted speech does not count, the action line neither."""
    return len(SENTENCE_END.findall(QUOTED.sub("Q", _narration(text))))


def _final(ch: str) -> int:
    return (ord(ch) - 0xAC00) % 28


def test_label(module):
    assert module.LABEL in LABELS
    assert Path(module.__file__).stem == module.LABEL


def test_deterministic(module, texts):
    assert module.passages(random.Random(1)) == texts
    assert module.passages(random.Random(2)) != texts


def test_size(texts):
    assert len(texts) >= 700
    size = sum(len(t.encode("utf-8")) for t in texts)
    assert 230 * 1024 <= size <= 300 * 1024, size


def test_passage_shape(texts):
    for t in texts:
        assert t == t.strip() and "\n\n" not in t, t
        assert 150 <= len(t.encode("utf-8")) <= 900, t
        assert 2 <= _sentences(t) <= 10, t


def test_no_duplicates(texts):
    assert len(set(texts)) == len(texts)
    keys = [re.sub(r"[\W_]+", "", t) for t in texts]
    assert len(set(keys)) == len(keys), "near duplicates (equal without spaces and punctuation)"


def test_characters(texts):
    for t in texts:
        lines = t.split("\n")
        assert len(lines) <= 2, t
        if len(lines) == 2:
            assert lines[0].startswith("> "), t
            assert ALLOWED.match(lines[0][2:]), t
        assert not lines[-1].startswith(">"), t
        assert ALLOWED.match(lines[-1]), f"unexpected character (Latin letter, brace, marker?): {t}"
        assert t.count('"') % 2 == 0, f"unbalanced quotes: {t}"


def test_action_lines(texts):
    actions = [t for t in texts if t.startswith("> ")]
    share = len(actions) / len(texts)
    assert 0.3 <= share <= 0.5, share
    for t in actions:
        action, narration = t.split("\n")
        assert action.endswith(".") and len(action) <= 40, action
        assert narration and _sentences(t) >= 2, t


def test_particles_agree(texts):
    for t in texts:
        for m in PARTICLE.finditer(t):
            word, particle = m.groups()
            if word + particle in NOT_PARTICLES:
                continue
            final = _final(word[-1])
            if particle in ("을", "과"):
                assert final, f"{word}{particle}: {t}"
            elif particle in ("를", "와"):
                assert not final, f"{word}{particle}: {t}"
            else:  # 으로 only after a batchim other than ㄹ
                assert final not in (0, 8), f"{word}{particle}: {t}"


def test_josa_helper(module):
    josa = module._josa
    assert josa("검", "을/를") == "검을"
    assert josa("나무", "을/를") == "나무를"
    assert josa("칼", "으로/로") == "칼로"
    assert josa("집", "으로/로") == "집으로"
    assert josa("바다", "으로/로") == "바다로"
    assert josa("달", "이/가") == "달이" and josa("그녀", "이/가") == "그녀가"
    assert josa("하늘", "은/는") == "하늘은" and josa("그", "은/는") == "그는"
    assert josa("방패", "과/와") == "방패와" and josa("창", "과/와") == "창과"
    assert josa("민준", "아/야") == "민준아" and josa("지호", "아/야") == "지호야"


def test_render_resolves_everything(module):
    rng = random.Random(3)
    slots = {"w": "칼", "p": "그녀"}
    out = module._render("(나는|내가) {w}[으로] {p}[을] <지킨다|지켰다>.", slots, True, rng, set())
    assert out in ("나는 칼로 그녀를 지켰다.", "내가 칼로 그녀를 지켰다.")
    assert module._render("{w}[이] <빛난다|빛났다>.", slots, False, rng, set()) == "칼이 빛난다."


def test_handwritten(module, texts):
    hand = [h.strip() for h in module._HANDWRITTEN.strip().split("\n\n")]
    assert len(hand) >= 80
    assert texts[:len(hand)] == hand
    assert sum(h.startswith("> ") for h in hand) >= 25


def test_reads_as_its_label(module, texts):
    words = KEYWORDS[module.LABEL]
    hits = sum(any(w in t for w in words) for t in texts)
    assert hits / len(texts) >= 0.93, hits / len(texts)
