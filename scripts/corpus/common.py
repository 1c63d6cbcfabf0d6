"""Shared helpers for the Korean training-corpus generators.

Every attribute module (neutral, horror, mystery, battle, romance) may import
from here.  The important pieces are:

* ``josa(word, pair)``: attach the right Korean particle to a word, based on
  whether the word ends in a final consonant (batchim).  Templated text is
  only grammatical if particles agree with the slot value chosen at run time.
* ``render(template, slots, rng, tense)``: a tiny template language with
  slots, particles and present/past alternatives, so one template yields
  both narrative tenses without a verb conjugator.
* ``compose(...)``: assemble one passage from sentence pools.
* Shared world vocabulary (places, people, times) so all labels describe
  the same world.

Only the standard library is used, and every random choice goes through the
``random.Random`` passed in, so output is reproducible.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

# ---------------------------------------------------------------------------
# Particles
# ---------------------------------------------------------------------------

_HANGUL_FIRST = 0xAC00
_HANGUL_LAST = 0xD7A3
_RIEUL = 8  # index of final consonant ㄹ in the Unicode Hangul syllable layout

# Final-consonant index for the last character when it is not Hangul.
# Digits are read the Sino-Korean way (일, 이, 삼 ...); 0 means "no batchim".
_DIGIT_FINAL = {
    "0": 21,  # 영 (ㅇ)
    "1": _RIEUL,  # 일
    "2": 0,  # 이
    "3": 16,  # 삼 (ㅁ)
    "4": 0,  # 사
    "5": 0,  # 오
    "6": 1,  # 육 (ㄱ)
    "7": _RIEUL,  # 칠
    "8": _RIEUL,  # 팔
    "9": 0,  # 구
}
_LATIN_FINAL = {"l": _RIEUL, "m": 16, "n": 4, "r": 0}

# Particle pairs: (form after a batchim, form after a vowel).
_PAIRS = [
    ("은", "는"),
    ("이", "가"),
    ("을", "를"),
    ("과", "와"),
    ("으로", "로"),
    ("으로는", "로는"),
    ("으로도", "로도"),
    ("아", "야"),
    ("이여", "여"),
    ("이랑", "랑"),
    ("이나", "나"),
    ("이나마", "나마"),
    ("이라", "라"),
    ("이라고", "라고"),
    ("이라는", "라는"),
    ("이라도", "라도"),
    ("이며", "며"),
    ("이다", "다"),
    ("이었다", "였다"),
    ("이었고", "였고"),
    ("이었지만", "였지만"),
    ("이지만", "지만"),
    ("이었어요", "였어요"),
    ("이에요", "예요"),
    ("이고", "고"),
    ("이야", "야"),
    ("이든", "든"),
    ("이면", "면"),
]
_PAIR_INDEX: dict[str, tuple[str, str]] = {}
for _p in _PAIRS:
    _PAIR_INDEX.setdefault(_p[0], _p)
    _PAIR_INDEX.setdefault(_p[1], _p)
    _PAIR_INDEX.setdefault(f"{_p[0]}/{_p[1]}", _p)
    _PAIR_INDEX.setdefault(f"{_p[1]}/{_p[0]}", _p)
# Particles that never change form; accepted so templates can use them uniformly.
for _inv in ("에", "에서", "에게", "에게서", "한테", "의", "도", "만", "까지", "부터", "처럼", "보다", "마다", "조차", "밖에"):
    _PAIR_INDEX[_inv] = (_inv, _inv)
# "이" alone is ambiguous with nothing else; "야" resolves to 아/야 (vocative).
_PAIR_INDEX["야"] = ("아", "야")


def final_consonant(word: str) -> int:
    """Return the index (0-27) of the last syllable's final consonant, 0 if none.

    Trailing punctuation, quotes and brackets are skipped, so
    ``final_consonant('"등대"')`` looks at 대.
    """
    for ch in reversed(word):
        code = ord(ch)
        if _HANGUL_FIRST <= code <= _HANGUL_LAST:
            return (code - _HANGUL_FIRST) % 28
        if ch in _DIGIT_FINAL:
            return _DIGIT_FINAL[ch]
        if ch.isalpha():
            return _LATIN_FINAL.get(ch.lower(), 0)
    return 0


def has_batchim(word: str) -> bool:
    """True when the word ends in a final consonant (받침)."""
    return final_consonant(word) != 0


def particle(word: str, pair: str) -> str:
    """Return only the particle form that fits ``word`` (e.g. '을' or '를').

    ``pair`` may be written either way round ('을/를', '를/을') or as a single
    form ('를'); the 으로/로 family treats a final ㄹ like a vowel (칼로, 길로).
    """
    try:
        with_batchim, without = _PAIR_INDEX[pair]
    except KeyError:
        raise ValueError(f"unknown particle pair: {pair!r}") from None
    final = final_consonant(word)
    if with_batchim.startswith("으로"):
        return with_batchim if final not in (0, _RIEUL) else without
    return with_batchim if final else without


def josa(word: str, pair: str) -> str:
    """Return ``word`` with the agreeing particle attached.

    >>> josa("동굴", "으로/로"), josa("숲", "은/는"), josa("바다", "을/를")
    ('동굴로', '숲은', '바다를')
    """
    return word + particle(word, pair)


# ---------------------------------------------------------------------------
# Template rendering
# ---------------------------------------------------------------------------

# {slot} or {slot:particle}; slot names are ASCII identifiers.
_SLOT_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]+))?\}")
# [present|past]; no nesting inside one alternative.
_TENSE_RE = re.compile(r"\[([^\[\]|]*)\|([^\[\]|]*)\]")

PRESENT = 0
PAST = 1


def _split_top(body: str) -> list[str]:
    """Split a choice body at '|' characters that are not inside [...] or {...}."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    return parts


def expand_choices(template: str, rng: random.Random | None) -> str:
    """Replace each ``{=a|b|c}`` by one alternative (the first when rng is None)."""
    while True:
        start = template.find("{=")
        if start < 0:
            return template
        depth, end = 0, -1
        for i in range(start, len(template)):
            if template[i] == "{":
                depth += 1
            elif template[i] == "}":
                depth -= 1
                if depth == 0:
                    end = i
                    break
        if end < 0:
            raise ValueError(f"unclosed choice in {template!r}")
        options = _split_top(template[start + 2:end])
        chosen = options[0] if rng is None else rng.choice(options)
        template = template[:start] + chosen + template[end + 1:]


def render(template: str, slots: dict, rng: random.Random, tense: int = PRESENT, _depth: int = 0) -> str:
    """Expand a template.

    * ``{name}``: the slot value.  A ``str`` slot is fixed for the passage; a
      ``list``/``tuple`` slot is sampled with ``rng`` at every use.
    * A callable slot is called at every use (see ``scene_slots``).
    * ``{name:을}``: the value followed by the agreeing particle (see josa).
    * ``[간다|갔다]``: the present or past alternative, picked by ``tense``.
    * ``{=a|b|c}``: one of the alternatives, picked with ``rng`` (may nest and
      contain slots and tense pairs); it multiplies phrasings of one template.

    Slot values may contain templates themselves (expanded recursively), so a
    particle always agrees with the text that is finally printed.
    """
    if _depth > 8:
        raise ValueError(f"template recursion too deep: {template!r}")

    def slot(match: re.Match) -> str:
        name, pair = match.group(1), match.group(2)
        if name not in slots:
            raise KeyError(f"missing slot {name!r} in template {template!r}")
        value = slots[name]
        if callable(value):
            value = value()
        elif isinstance(value, (list, tuple)):
            value = rng.choice(value)
        value = render(value, slots, rng, tense, _depth + 1)
        return josa(value, pair) if pair else value

    text = _SLOT_RE.sub(slot, expand_choices(template, rng))
    return _TENSE_RE.sub(lambda m: m.group(1 + tense), text)


_QUOTED_RE = re.compile(r'"[^"]*"')
_END_RE = re.compile(r"[.!?…]+")


def count_sentences(text: str) -> int:
    """Count narrative sentences; a quoted utterance does not add to the count."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("> "))
    body = _QUOTED_RE.sub("Q", body)
    count = len(_END_RE.findall(body))
    # A line that ends with a quotation (…말했다. "멈춰.") still is one sentence.
    return max(count, 1)


def pick(rng: random.Random, items, k: int = 1):
    """Choose ``k`` distinct items (or one item when k == 1)."""
    items = list(items)
    if k == 1:
        return rng.choice(items)
    return rng.sample(items, min(k, len(items)))


# ---------------------------------------------------------------------------
# Shared world vocabulary
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A location, with details that make sentences about it coherent.

    ``loc`` phrases take 에/에서 (숲 속에서); ``names`` take any particle
    (숲으로).  ``outdoor`` decides whether sky/weather sentences fit.
    """

    key: str
    names: tuple[str, ...]
    loc: tuple[str, ...]
    outdoor: bool
    sights: tuple[str, ...]
    sounds: tuple[str, ...]
    smells: tuple[str, ...]
    things: tuple[str, ...]
    roles: tuple[str, ...]
    ground: tuple[str, ...] = ()


def _p(key, names, loc, outdoor, sights, sounds, smells, things, roles, ground=()):
    return Place(key, tuple(names), tuple(loc), outdoor, tuple(sights), tuple(sounds),
                 tuple(smells), tuple(things), tuple(roles), tuple(ground))


PLACES: dict[str, Place] = {
    p.key: p
    for p in [
        _p("숲", ["숲", "깊은 숲", "전나무 숲", "참나무 숲"], ["숲 속", "숲길", "나무들 사이"], True,
           ["이끼 낀 바위", "쓰러진 고목", "가지가 뒤엉킨 덤불", "좁은 오솔길", "버섯이 돋은 그루터기", "키 큰 전나무들"],
           ["새소리", "나뭇잎 스치는 소리", "멀리서 흐르는 개울 소리", "딱따구리가 나무 쪼는 소리"],
           ["젖은 흙냄새", "송진 냄새", "썩은 낙엽 냄새"],
           ["부러진 나뭇가지", "작은 돌멩이", "떨어진 솔방울", "낡은 밧줄"],
           ["사냥꾼", "약초꾼", "나무꾼", "여행자"], ["낙엽", "마른 나뭇가지", "축축한 흙"]),
        _p("동굴", ["동굴", "석회 동굴", "좁은 동굴", "바닷가 동굴"], ["동굴 안", "동굴 깊은 곳", "좁은 통로"], False,
           ["축축한 바위벽", "천장에 매달린 종유석", "바닥에 고인 물웅덩이", "갈라진 암벽 틈", "낮게 꺾인 통로"],
           ["물방울 떨어지는 소리", "바람이 새는 소리", "박쥐 날갯짓 소리"],
           ["눅눅한 돌 냄새", "이끼 냄새", "습한 곰팡이 냄새"],
           ["녹슨 곡괭이", "꺼진 횃불", "깨진 등잔", "굵은 밧줄"],
           ["광부", "탐험가", "사냥꾼", "여행자"], ["젖은 자갈", "미끄러운 바위"]),
        _p("성", ["성", "낡은 성", "돌로 지은 성", "언덕 위의 성"], ["성 안", "성의 복도", "넓은 홀", "성벽 위"], False,
           ["높은 아치형 천장", "벽에 걸린 낡은 태피스트리", "돌계단", "빛바랜 깃발", "기사의 갑옷", "커다란 벽난로"],
           ["발소리가 울리는 소리", "깃발이 펄럭이는 소리", "멀리서 울리는 종소리"],
           ["오래된 돌 냄새", "촛농 냄새", "먼지 냄새"],
           ["청동 촛대", "낡은 열쇠 꾸러미", "은잔", "접힌 양피지"],
           ["기사", "경비병", "시종", "집사", "마법사"], ["차가운 돌바닥", "닳은 계단"]),
        _p("폐가", ["폐가", "버려진 집", "빈집", "허물어진 집"], ["폐가 안", "빈집 거실", "무너진 부엌"], False,
           ["깨진 창문", "먼지 쌓인 가구", "벗겨진 벽지", "내려앉은 천장", "기울어진 액자", "삐걱거리는 마루"],
           ["마룻바닥 삐걱이는 소리", "창틀 덜컹거리는 소리", "바람이 새는 소리"],
           ["먼지 냄새", "곰팡이 냄새", "습한 나무 냄새"],
           ["낡은 인형", "녹슨 주전자", "빛바랜 사진", "깨진 거울"],
           ["노인", "소년", "소녀", "여행자"], ["먼지 쌓인 마루", "부서진 타일"]),
        _p("항구", ["항구", "작은 항구", "어촌 항구", "부두"], ["항구", "부둣가", "선착장"], True,
           ["줄지어 묶인 고깃배", "녹슨 닻", "쌓여 있는 나무 상자", "그물을 손질하는 어부들", "높이 솟은 돛대"],
           ["파도 소리", "갈매기 울음소리", "밧줄이 삐걱대는 소리", "뱃고동 소리"],
           ["소금기 섞인 바람 냄새", "생선 비린내", "타르 냄새"],
           ["젖은 그물", "나무 상자", "밧줄 뭉치", "낡은 노"],
           ["어부", "선장", "뱃사공", "상인", "항만 관리인"], ["젖은 나무 판자", "돌 방파제"]),
        _p("사막", ["사막", "모래 사막", "붉은 사막"], ["사막 한가운데", "모래언덕 너머", "오아시스 근처"], True,
           ["끝없이 이어진 모래언덕", "말라 죽은 관목", "반쯤 묻힌 돌기둥", "멀리 보이는 오아시스", "하얗게 바랜 짐승 뼈"],
           ["모래바람 소리", "낙타 방울 소리", "바람이 모래를 쓸고 가는 소리"],
           ["뜨거운 모래 냄새", "마른 풀 냄새"],
           ["물주머니", "낡은 터번", "반쯤 묻힌 항아리", "깨진 나침반"],
           ["낙타 상인", "낙타몰이꾼", "순례자", "상인"], ["뜨거운 모래", "단단한 자갈밭"]),
        _p("설산", ["설산", "눈 덮인 산", "높은 설산"], ["산등성이", "눈 덮인 비탈", "산 중턱"], True,
           ["얼어붙은 폭포", "눈에 덮인 바위", "끝이 보이지 않는 능선", "바람에 깎인 얼음 기둥", "작은 산장"],
           ["눈 밟는 소리", "바람이 울부짖는 소리", "멀리서 눈사태가 나는 소리"],
           ["차가운 공기 냄새", "소나무 냄새"],
           ["얼어붙은 밧줄", "부러진 지팡이", "털장갑 한 짝", "녹슨 피켈"],
           ["산악인", "사냥꾼", "산장지기", "수도사"], ["단단하게 언 눈", "미끄러운 얼음"]),
        _p("마을", ["마을", "작은 마을", "산골 마을", "강가 마을"], ["마을 어귀", "마을 광장", "마을 골목"], True,
           ["낮은 초가지붕들", "우물가", "빨래가 널린 담장", "마을 한가운데 선 느티나무", "연기가 피어오르는 굴뚝"],
           ["아이들 웃음소리", "닭 우는 소리", "개 짖는 소리", "대장간 망치 소리"],
           ["밥 짓는 냄새", "장작 타는 냄새", "마른 짚 냄새"],
           ["물동이", "짚신 한 켤레", "나무 국자", "바구니"],
           ["촌장", "대장장이", "아이", "노인", "여관 주인"], ["흙길", "돌담길"]),
        _p("지하 묘지", ["지하 묘지", "오래된 지하 묘지", "납골당"], ["지하 묘지 안", "묘실", "좁은 회랑"], False,
           ["벽감에 놓인 해골", "이름이 지워진 묘비", "돌로 만든 관", "벽을 따라 쌓인 뼈", "무너진 아치"],
           ["물방울 떨어지는 소리", "돌이 갈리는 소리", "내 발소리의 메아리"],
           ["오래된 먼지 냄새", "축축한 흙냄새", "차가운 돌 냄새"],
           ["꺼진 양초", "녹슨 열쇠", "깨진 묘비 조각", "해진 수의 조각"],
           ["묘지기", "수도사", "사제"], ["차가운 돌바닥", "닳은 돌계단"]),
        _p("도서관", ["도서관", "오래된 도서관", "왕립 도서관", "작은 도서관"], ["도서관 안", "서가 사이", "열람실"], False,
           ["천장까지 닿는 책장", "먼지 쌓인 고서", "긴 열람 책상", "녹색 갓을 씌운 등", "나선형 계단"],
           ["책장 넘기는 소리", "시계 초침 소리", "누군가 기침하는 소리"],
           ["오래된 종이 냄새", "가죽 표지 냄새", "잉크 냄새"],
           ["낡은 지도책", "대출 카드", "돋보기", "펼쳐진 일기장"],
           ["사서", "학자", "학생", "노인"], ["삐걱이는 나무 바닥", "닳은 카펫"]),
        _p("기차역", ["기차역", "작은 간이역", "시골 기차역", "중앙역"], ["기차역 대합실", "승강장", "역 앞"], False,
           ["커다란 벽시계", "나무 벤치", "녹슨 철로", "시간표가 붙은 게시판", "매표소 창구"],
           ["기적 소리", "철로가 덜컹이는 소리", "안내 방송 소리"],
           ["석탄 연기 냄새", "쇠 냄새", "따뜻한 차 냄새"],
           ["낡은 여행 가방", "기차표 한 장", "잃어버린 우산", "신문 뭉치"],
           ["역무원", "여행자", "신문팔이 소년", "차장"], ["닳은 타일 바닥", "시멘트 승강장"]),
        _p("병원", ["병원", "오래된 병원", "시립 병원"], ["병원 복도", "병실", "진료실"], False,
           ["하얀 침대들", "약병이 늘어선 선반", "길게 뻗은 복도", "깜빡이는 형광등", "휠체어"],
           ["발걸음 소리", "멀리서 울리는 호출 벨 소리", "기계가 웅웅대는 소리"],
           ["소독약 냄새", "알코올 냄새", "세탁한 시트 냄새"],
           ["진료 기록부", "청진기", "빈 약병", "붕대 뭉치"],
           ["의사", "간호사", "환자", "경비원"], ["반들거리는 리놀륨 바닥"]),
        _p("학교", ["학교", "낡은 학교", "시골 학교", "빈 학교"], ["교실", "학교 복도", "운동장"], False,
           ["줄지어 놓인 책걸상", "분필 가루가 묻은 칠판", "게시판에 붙은 그림들", "복도 끝의 신발장", "교탁"],
           ["종소리", "아이들 발소리", "창문이 덜컹이는 소리"],
           ["분필 냄새", "왁스 칠한 바닥 냄새", "오래된 교과서 냄새"],
           ["출석부", "몽당연필", "낡은 공책", "분필 한 토막"],
           ["선생님", "학생", "교장", "관리인"], ["삐걱대는 나무 복도"]),
        _p("등대", ["등대", "바닷가 등대", "낡은 등대", "하얀 등대"], ["등대 안", "등대 꼭대기", "나선 계단"], False,
           ["커다란 렌즈", "녹슨 난간", "좁은 나선 계단", "바다 쪽으로 난 둥근 창", "기름 등잔"],
           ["파도 부서지는 소리", "바람이 창을 두드리는 소리", "갈매기 울음소리"],
           ["기름 냄새", "소금기 냄새", "녹 냄새"],
           ["기름통", "항해 일지", "망원경", "성냥갑"],
           ["등대지기", "어부", "선원"], ["좁은 철제 계단"]),
        _p("시장", ["시장", "장터", "오일장", "큰 시장"], ["시장 골목", "장터 한가운데", "좌판 사이"], True,
           ["과일이 쌓인 좌판", "천막을 친 가게들", "걸려 있는 말린 생선", "알록달록한 옷감", "김이 오르는 국밥 솥"],
           ["흥정하는 소리", "호객하는 외침", "수레바퀴 구르는 소리"],
           ["구운 고기 냄새", "향신료 냄새", "갓 구운 빵 냄새"],
           ["동전 주머니", "저울", "과일 바구니", "비단 두루마리"],
           ["상인", "장사꾼", "아이", "노인", "경비병"], ["붐비는 흙길", "돌 포장길"]),
        _p("여관", ["여관", "길가 여관", "낡은 여관", "항구 여관"], ["여관 식당", "여관 이층 방", "여관 마당"], False,
           ["기름때 묻은 탁자", "타닥거리는 벽난로", "벽에 걸린 사슴뿔", "술통이 쌓인 카운터", "좁은 나무 계단"],
           ["잔 부딪치는 소리", "왁자한 웃음소리", "장작 타는 소리"],
           ["맥주 냄새", "스튜 냄새", "장작 연기 냄새"],
           ["나무 술잔", "방 열쇠", "촛대", "낡은 카드 한 벌"],
           ["여관 주인", "음유시인", "상인", "여행자", "용병"], ["끈적한 나무 바닥"]),
        _p("늪지", ["늪지", "안개 낀 늪", "갈대 늪"], ["늪지 한가운데", "갈대밭 사이", "늪가"], True,
           ["썩은 나무둥치", "검은 물웅덩이", "무성한 갈대", "물 위로 솟은 뿌리", "이끼 덮인 징검돌"],
           ["개구리 울음소리", "물거품 터지는 소리", "갈대 서걱이는 소리"],
           ["썩은 물 냄새", "진흙 냄새", "비릿한 풀 냄새"],
           ["부러진 노", "녹슨 등불", "진흙 묻은 장화"],
           ["뱃사공", "약초꾼", "사냥꾼"], ["질척한 진흙", "물먹은 이끼"]),
        _p("광산", ["광산", "폐광", "오래된 광산"], ["갱도 안", "광산 입구", "좁은 갱도"], False,
           ["나무 버팀목", "녹슨 광차 선로", "벽에 박힌 등잔걸이", "무너진 갱도", "반짝이는 광맥"],
           ["곡괭이 소리", "돌 부스러기 떨어지는 소리", "바람 새는 소리"],
           ["쇳가루 냄새", "눅눅한 흙냄새", "기름 냄새"],
           ["광부의 도시락 통", "광부의 안전모", "녹슨 곡괭이", "등잔"],
           ["광부", "감독관", "노인"], ["자갈 깔린 바닥", "철로 침목"]),
        _p("수도원", ["수도원", "산속 수도원", "낡은 수도원"], ["수도원 회랑", "예배당", "수도원 정원"], False,
           ["스테인드글라스 창", "긴 나무 의자", "돌로 된 회랑 기둥", "작은 약초밭", "촛불이 놓인 제단"],
           ["낮게 울리는 종소리", "기도 소리", "분수 물소리"],
           ["향 냄새", "밀랍 냄새", "허브 냄새"],
           ["묵주", "필사본", "작은 청동 종", "낡은 성서"],
           ["수도사", "수녀", "순례자", "원장"], ["닳은 돌바닥"]),
        _p("강가", ["강가", "나루터", "강변"], ["강가", "나루터", "강둑"], True,
           ["느리게 흐르는 강물", "물가에 묶인 나룻배", "휘어진 버드나무", "나무로 만든 선착장", "물 위에 뜬 안개"],
           ["물 흐르는 소리", "노 젓는 소리", "물새 우는 소리"],
           ["물 냄새", "젖은 풀 냄새"],
           ["낡은 노", "낚싯대", "빨래 방망이"],
           ["뱃사공", "어부", "빨래하는 아낙", "여행자"], ["젖은 모래", "자갈밭"]),
        _p("저택", ["저택", "오래된 저택", "언덕 위 저택"], ["저택 응접실", "저택 서재", "저택 복도"], False,
           ["커다란 샹들리에", "벽에 걸린 초상화", "두꺼운 커튼", "괘종시계", "대리석 계단"],
           ["괘종시계 소리", "커튼 스치는 소리", "벽난로 장작 소리"],
           ["오래된 가구 냄새", "향수 냄새", "밀랍 냄새"],
           ["은촛대", "봉인된 편지", "장부", "찻잔"],
           ["집사", "하녀", "정원사", "귀족", "요리사"], ["윤이 나는 마루", "두꺼운 카펫"]),
        _p("초원", ["초원", "넓은 초원", "언덕 초원"], ["초원 한가운데", "풀밭", "언덕 비탈"], True,
           ["바람에 눕는 풀", "풀을 뜯는 양 떼", "홀로 선 나무", "멀리 보이는 풍차", "들꽃 무더기"],
           ["풀벌레 소리", "양 우는 소리", "바람 소리"],
           ["풀 냄새", "들꽃 향기"],
           ["양치기 지팡이", "나무 피리", "양털 뭉치"],
           ["양치기", "여행자", "농부"], ["부드러운 풀밭", "흙길"]),
        _p("신전", ["신전", "폐허가 된 신전", "고대 신전"], ["신전 안", "무너진 회랑", "제단 앞"], False,
           ["금이 간 석상", "쓰러진 돌기둥", "벽에 새겨진 문양", "덩굴에 덮인 제단", "반쯤 무너진 지붕"],
           ["바람이 기둥 사이를 지나는 소리", "돌 부스러기 떨어지는 소리"],
           ["오래된 향 냄새", "이끼 냄새", "마른 돌 냄새"],
           ["깨진 향로", "청동 가면", "녹슨 제기"],
           ["순례자", "학자", "탐험가", "사제"], ["갈라진 돌바닥", "풀이 돋은 계단"]),
    ]
}

# Sino-Korean full names, with gender for pronouns (그 / 그녀).
MALE_NAMES = (
    "김도윤", "이준호", "박성민", "최현우", "정태호", "강민재", "조우진", "윤재훈", "장석진", "임동현",
    "오세준", "서지호", "신영철", "권혁", "황보석", "안태경", "송민호", "전승우", "홍기석",
    "유진혁", "고은찬", "문성훈", "양도현", "배준수", "백운", "허준영", "남궁찬", "노경수", "하동진",
)
FEMALE_NAMES = (
    "이서아", "김하은", "박지민", "최유나", "정수빈", "강예린", "조은서", "윤소희", "장미경", "임하늘",
    "한지우", "오채원", "서윤", "신다인", "권나래", "황수정", "안보람", "송연희", "전혜진", "홍가을",
    "고은별", "문채령", "양지현", "배수아", "백소연", "허윤정", "남유진", "노은비", "하윤서",
)
FEMALE_ROLES = frozenset({"소녀", "수녀", "하녀", "빨래하는 아낙", "할머니"})
MALE_ROLES = frozenset({"소년", "신문팔이 소년", "수도사", "할아버지"})

GENERIC_ROLES = ("여행자", "노인", "소녀", "소년", "상인", "순례자", "나그네")

TIMES = {
    "dawn": ("새벽", "동틀 무렵", "이른 아침"),
    "day": ("한낮", "정오 무렵", "오후", "늦은 아침"),
    "dusk": ("해 질 녘", "저녁 무렵", "황혼 무렵"),
    "night": ("한밤중", "늦은 밤", "자정 무렵", "깊은 밤"),
}


@dataclass
class Person:
    """A character in one passage: intro form, short form and pronoun."""

    name: str
    role: str
    female: bool

    @property
    def intro(self) -> str:
        return f"{self.role} {self.name}"

    @property
    def pronoun(self) -> str:
        return "그녀" if self.female else "그"


def make_person(rng: random.Random, roles) -> Person:
    """Pick a role and a name whose gender fits the role."""
    role = rng.choice(list(roles))
    if role in FEMALE_ROLES:
        female = True
    elif role in MALE_ROLES:
        female = False
    else:
        female = rng.random() < 0.5
    name = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
    return Person(name, role, female)


# ---------------------------------------------------------------------------
# Passage composition
# ---------------------------------------------------------------------------

# Extra scene tags per place, so templates can require e.g. a crowd or windows.
PLACE_TAGS: dict[str, frozenset] = {
    "숲": frozenset({"nature"}),
    "동굴": frozenset({"underground", "dark"}),
    "성": frozenset({"window", "crowd", "building"}),
    "폐가": frozenset({"window", "building", "abandoned"}),
    "항구": frozenset({"crowd", "sea", "water", "trade"}),
    "사막": frozenset({"nature", "hot"}),
    "설산": frozenset({"nature", "cold"}),
    "마을": frozenset({"crowd", "trade"}),
    "지하 묘지": frozenset({"underground", "dark", "grave"}),
    "도서관": frozenset({"window", "crowd", "building", "books"}),
    "기차역": frozenset({"window", "crowd", "building"}),
    "병원": frozenset({"window", "crowd", "building"}),
    "학교": frozenset({"window", "crowd", "building"}),
    "등대": frozenset({"window", "building", "sea"}),
    "시장": frozenset({"crowd", "trade"}),
    "여관": frozenset({"window", "crowd", "building"}),
    "늪지": frozenset({"nature", "water"}),
    "광산": frozenset({"underground", "dark"}),
    "수도원": frozenset({"window", "crowd", "building"}),
    "강가": frozenset({"nature", "water", "crowd"}),
    "저택": frozenset({"window", "building"}),
    "초원": frozenset({"nature"}),
    "신전": frozenset({"abandoned", "building"}),
}


def scene_tags(place: Place, time_key: str) -> frozenset:
    """Tags a template condition can test: in/out, time of day, place traits."""
    tags = {"out" if place.outdoor else "in", time_key, place.key}
    tags.add("lit" if time_key != "night" else "unlit")
    tags |= PLACE_TAGS.get(place.key, frozenset())
    return frozenset(tags)


def _fits(cond: str, tags: frozenset) -> bool:
    for part in cond.split(","):
        part = part.strip()
        if part.startswith("!"):
            if part[1:] in tags:
                return False
        elif part not in tags:
            return False
    return True


@dataclass
class Pools:
    """Sentence templates for one label.

    Entries are templates, or ``(template, cond)`` where ``cond`` is a
    comma-separated list of scene tags ('out', 'in', 'night', 'crowd',
    '!night', a place key such as '항구' ...) that must all hold.  ``actions``
    are (action line, first narration sentence[, cond]) so the narration
    follows from the action the player typed.
    """

    openers: list
    actions: list
    body: list
    dialogue: list
    closers: list


def usable(entries, tags: frozenset, actions: bool = False) -> list:
    """Entries whose condition fits the scene, with the condition removed.

    Plain pools hold ``str`` or ``(template, cond)``; the action pool holds
    ``(line, first)`` or ``(line, first, cond)``.
    """
    out = []
    for e in entries:
        if actions:
            if len(e) == 3:
                if _fits(e[2], tags):
                    out.append(e[:2])
            else:
                out.append(e)
        elif isinstance(e, tuple):
            if _fits(e[1], tags):
                out.append(e[0])
        else:
            out.append(e)
    return out


def mention(first: str, later: str):
    """A slot that renders ``first`` on its first use and ``later`` afterwards.

    Used for entities and characters: '하얀 옷을 입은 여자' once, then '그것'.
    """
    state = {"used": False}

    def value() -> str:
        if state["used"]:
            return later
        state["used"] = True
        return first
    return value


def scene_slots(rng: random.Random, place: Place, extra_roles=(), time_key: str | None = None) -> dict:
    """Slot values that stay fixed (str) or vary (list) within one passage.

    ``npc`` gives the introduction first and then the name; ``he`` gives the
    introduction first and then 그/그녀; both share one state, as do
    ``other`` / ``other_he``.
    """
    person = make_person(rng, tuple(place.roles) + tuple(extra_roles))
    other = make_person(rng, GENERIC_ROLES + tuple(place.roles))
    while other.name == person.name or other.role == person.role:
        other = make_person(rng, GENERIC_ROLES + tuple(place.roles))
    time_key = time_key or rng.choice(list(TIMES))
    sights = list(place.sights)
    rng.shuffle(sights)

    def pair(p: Person):
        state = {"used": False}

        def mk(later):
            def f():
                if state["used"]:
                    return later
                state["used"] = True
                return p.intro
            return f
        return mk(p.name), mk(p.pronoun)

    npc, he = pair(person)
    oth, other_he = pair(other)
    return {
        "place": rng.choice(place.names),
        "loc": rng.choice(place.loc),
        "sight": sights[1:] or sights,
        "sight1": sights[0],
        "sound": list(place.sounds),
        "sound1": rng.choice(place.sounds),
        "smell": list(place.smells),
        "smell1": rng.choice(place.smells),
        "thing": rng.choice(place.things),
        "things": list(place.things),
        "ground": rng.choice(place.ground) if place.ground else "바닥",
        "time": rng.choice(TIMES[time_key]),
        "npc": npc,
        "he": he,
        "npc_name": person.name,
        "npc_role": person.role,
        "other": oth,
        "other_he": other_he,
        "other_role": other.role,
        "_time_key": time_key,
    }


def _count_template(tpl: str) -> int:
    return count_sentences(_TENSE_RE.sub(lambda m: m.group(1), _SLOT_RE.sub("X", expand_choices(tpl, None))))


def compose(rng: random.Random, pools: Pools, slots: dict, tags: frozenset,
            action_rate: float = 0.4, min_sent: int = 3, max_sent: int = 9,
            dialogue_rate: float = 0.4, closer_rate: float = 0.8) -> str:
    """Build one passage: optional action line, opener, body, dialogue, closer.

    Templates are chosen first and rendered afterwards in reading order, so
    a character is introduced at its first appearance.  Body sentences are
    observations and small events that read well in any order; longer
    ordered beats live inside one multi-sentence template.
    """
    tense = PAST if rng.random() < 0.5 else PRESENT
    # Skewed towards shorter passages: more, and more varied, passages per byte.
    target = min(max(rng.choice((3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 7, 8, 9)), min_sent), max_sent)
    line = None
    if rng.random() < action_rate:
        line, first = rng.choice(usable(pools.actions, tags, actions=True))
    else:
        first = rng.choice(usable(pools.openers, tags))
    closer = rng.choice(usable(pools.closers, tags)) if rng.random() < closer_rate else None
    dialogue = rng.choice(usable(pools.dialogue, tags)) if rng.random() < dialogue_rate else None

    used = _count_template(first)
    used += _count_template(closer) if closer else 0
    used += _count_template(dialogue) if dialogue else 0
    candidates = usable(pools.body, tags)
    rng.shuffle(candidates)
    body = []
    for tpl in candidates:
        if used >= target:
            break
        n = _count_template(tpl)
        if used + n > max_sent:
            continue
        body.append(tpl)
        used += n
    if dialogue:
        body.insert(rng.randint(0, len(body)), dialogue)
    order = [first] + body + ([closer] if closer else [])
    head = "> " + render(line, slots, rng, PRESENT) if line else None
    rendered = []
    for t in order:
        sentence = render(t, slots, rng, tense)
        # Korean drops a subject that is obvious: avoid "나는 ... 나는 ..." chains.
        if rendered and sentence.startswith("나는 ") and rendered[-1].startswith(("나는 ", "나도 ")) \
                and rng.random() < 0.6:
            sentence = sentence[3:]
        rendered.append(sentence)
    text = " ".join(rendered)
    return f"{head}\n{text}" if head else text


def near_key(text: str) -> str:
    """Key for near-duplicate detection: text without spaces or punctuation."""
    return re.sub(r"[\W_]+", "", text)


def generate(rng: random.Random, handwritten: list[str], make_one, target_bytes: int,
             min_bytes: int = 150, max_bytes: int = 900, max_tries: int = 20000) -> list[str]:
    """Hand-written passages first, then generated ones until ``target_bytes``.

    Generated passages outside the byte range or colliding with an earlier
    passage (after removing spaces and punctuation) are skipped, so the
    build script's de-duplication does not shrink the label.
    """
    out: list[str] = []
    seen: set[str] = set()
    size = 0
    for text in handwritten:
        text = text.strip()
        key = near_key(text)
        if key in seen:
            continue
        seen.add(key)
        out.append(text)
        size += len(text.encode("utf-8"))
    tries = 0
    while size < target_bytes and tries < max_tries:
        tries += 1
        text = make_one(rng)
        n = len(text.encode("utf-8"))
        if not (min_bytes <= n <= max_bytes):
            continue
        key = near_key(text)
        if key in seen:
            continue
        seen.add(key)
        out.append(text)
        size += n
    return out
