"""Battle (전투) passages for the Korean narrator corpus.

Hand-written passages give the label its best prose; a small scene grammar
adds volume and variety.  The grammar is self-contained (its own particle
helper and renderer) so this module works whatever shape the shared
``common.py`` takes.

Template syntax used by the grammar (resolved in this order):

* ``<present|past>``: the two tense forms of the ending; one tense per passage.
* ``(a|b|c)``: a random alternative, chosen with the passage's rng.
* ``{slot}``: a value bound for the whole passage.  A ``_Ref`` slot prints its
  full name on first mention and a short form (name, pronoun) afterwards.
* ``[을]`` and friends: the particle form that agrees with the preceding
  syllable (batchim rule; ㄹ takes 로).
* ``tag,tag@template``: the template is used only when every tag holds for the
  passage (``!tag`` means the tag must not hold).
"""

from __future__ import annotations

import random
import re

LABEL = "battle"

TARGET_BYTES = 252_000
MIN_BYTES = 150
MAX_BYTES = 900

# ---------------------------------------------------------------------------
# Grammar engine (kept private and self-contained on purpose)
# ---------------------------------------------------------------------------

_PAIRS = {
    "을": "을/를", "를": "을/를", "이": "이/가", "가": "이/가", "은": "은/는", "는": "은/는",
    "과": "과/와", "와": "과/와", "으로": "으로/로", "로": "으로/로", "아": "아/야", "야": "아/야",
    "이야": "이야/야", "이다": "이다/다", "이었다": "이었다/였다", "이라고": "이라고/라고",
}
_TENSE_RE = re.compile(r"<([^<>|]*)\|([^<>|]*)>")
_CHOICE_RE = re.compile(r"\(([^()]*)\)")
_SLOT_RE = re.compile(r"\{(\w+)\}")
_JOSA_RE = re.compile(r"\[(이었다|이라고|이야|이다|으로|을|를|이|가|은|는|과|와|로|아|야)\]")
_QUOTED_RE = re.compile(r'"[^"]*"')
_END_RE = re.compile(r"[.!?…]+")


def _josa(word: str, pair: str) -> str:
    """Return ``word`` plus the particle of ``pair`` ("을/를") that agrees with it."""
    with_final, without_final = pair.split("/")
    last = word[-1]
    if not "가" <= last <= "힣":
        return word + with_final
    final = (ord(last) - 0xAC00) % 28
    if with_final == "으로":
        return word + (without_final if final in (0, 8) else with_final)
    return word + (with_final if final else without_final)


def _count_sentences(text: str) -> int:
    """Narrative sentences outside quotes, ignoring the action line."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("> "))
    return len(_END_RE.findall(_QUOTED_RE.sub("Q", body)))


def _near_key(text: str) -> str:
    """Text without spaces and punctuation: the builder's duplicate criterion."""
    return re.sub(r"[\W_]+", "", text)


class _Ref:
    """A character: full form on first mention, one of the short forms later.

    ``key`` lets two slots share one "already mentioned" flag (a group and
    "the one in front" of that group).
    """

    def __init__(self, first: str, later: list[str], key: str | None = None):
        self.first = first
        self.later = later
        self.key = key


def _render(tpl: str, slots: dict, past: bool, rng: random.Random, seen: set) -> str:
    text = _TENSE_RE.sub(lambda m: m.group(2 if past else 1), tpl)
    while True:
        text, n = _CHOICE_RE.subn(lambda m: rng.choice(m.group(1).split("|")), text)
        if not n:
            break

    def slot(m: re.Match) -> str:
        name = m.group(1)
        value = slots[name]
        if isinstance(value, _Ref):
            key = value.key or name
            if key in seen:
                return rng.choice(value.later)
            seen.add(key)
            return value.first
        return value

    text = _SLOT_RE.sub(slot, text)
    return _JOSA_RE.sub(lambda m: _josa(m.string[m.start() - 1], _PAIRS[m.group(1)])[1:], text)


def _pool(entries: list[str]) -> list[tuple[frozenset, frozenset, str]]:
    out = []
    for entry in entries:
        cond, _, tpl = entry.rpartition("@")
        names = [c for c in cond.split(",") if c]
        need = frozenset(c for c in names if not c.startswith("!"))
        deny = frozenset(c[1:] for c in names if c.startswith("!"))
        out.append((need, deny, tpl))
    return out


def _usable(pool, tags: frozenset, used: set) -> list[str]:
    return [t for need, deny, t in pool if need <= tags and not deny & tags and t not in used]


def _compose(rng: random.Random, stages, pools: dict, tags: frozenset, budget: int,
             first: str | None = None) -> list[str]:
    """Walk the stages in order, keeping each with its probability, up to ``budget`` templates."""
    used: set = set()
    out = [first] if first else []
    for name, prob in stages:
        if len(out) >= budget:
            break
        if rng.random() >= prob:
            continue
        options = _usable(pools[name], tags, used)
        if options:
            tpl = rng.choice(options)
            used.add(tpl)
            out.append(tpl)
    return out


def _finish(rng: random.Random, templates: list[str], slots: dict, action: str | None) -> str:
    past = rng.random() < 0.5
    seen: set = set()
    sentences: list[str] = []
    for tpl in templates:
        s = _render(tpl, slots, past, rng, seen)
        # Korean drops an obvious subject: avoid a chain of sentences all opening with 나는.
        if sentences and s.startswith("나는 ") and sentences[-1].startswith("나는 ") and rng.random() < 0.6:
            s = s[3:]
        sentences.append(s)
    text = " ".join(sentences)
    if action:
        text = "> " + _render(action, slots, False, rng, set()) + "\n" + text
    return text


# ---------------------------------------------------------------------------
# World vocabulary
# ---------------------------------------------------------------------------

_NAMES = [
    "민준", "서연", "하윤", "지호", "도윤", "유나", "태식", "강철", "보람", "세린", "예준", "수아",
    "가온", "한결", "다온", "이안", "루다", "마루", "시우", "준서", "하람", "우진", "재희", "석주",
    "무영", "단비", "소율", "은호", "태오", "건우", "나래", "해솔", "진수", "범수", "철민", "윤호",
    "혜린", "도경", "기범", "영철", "봉수", "칠성", "은채", "서아", "도현", "하진", "미르", "초롱",
]

# role, kind of help it gives in a fight
_COMP_ROLES = [
    ("기사", "fighter"), ("용병", "fighter"), ("창병", "fighter"), ("방패병", "fighter"),
    ("늙은 검사", "fighter"), ("견습 기사", "fighter"), ("대장장이", "fighter"), ("부대장", "fighter"),
    ("궁수", "archer"), ("사냥꾼", "archer"), ("척후병", "archer"), ("석궁수", "archer"),
    ("사제", "caster"), ("마법사", "caster"), ("치유사", "caster"),
]

_WEAPONS = {
    "blade": ["검", "장검", "단검", "대검", "쌍검", "낡은 칼", "환도", "외날 검", "아버지의 검", "녹슨 검", "은빛 검"],
    "axe": ["도끼", "전투 도끼", "양날 도끼", "손도끼"],
    "spear": ["창", "장창", "미늘창", "짧은 창"],
    "mace": ["철퇴", "전투 망치", "쇠망치", "가시 철퇴"],
    "bow": ["활", "장궁", "사냥용 활", "각궁"],
}

# name, kind, group?, big?, pronoun forms, arms (weapon or natural weapon), extra tags
_FOES = [
    ("산적들", "human", True, False, ["놈들", "산적들"], "녹슨 칼", ""),
    ("산적 떼", "human", True, False, ["놈들", "산적들"], "손도끼", ""),
    ("해적들", "human", True, False, ["놈들", "해적들"], "굽은 칼", ""),
    ("적군 기병대", "human", True, False, ["적들", "기병들"], "긴 창", ""),
    ("제국 병사들", "human", True, False, ["적들", "병사들"], "짧은 창", ""),
    ("사막 약탈자들", "human", True, False, ["놈들", "약탈자들"], "초승달 모양의 칼", ""),
    ("반란군 병사들", "human", True, False, ["적들", "놈들"], "낫처럼 휜 칼", ""),
    ("복면을 쓴 자객", "human", False, False, ["자객", "놈"], "독 묻은 단검", ""),
    ("검은 갑옷의 기사", "human", False, False, ["그", "검은 기사"], "거대한 대검", ""),
    ("떠돌이 용병", "human", False, False, ["그", "용병"], "이 빠진 도끼", ""),
    ("오크 전사들", "monster", True, False, ["오크들", "놈들"], "톱날 같은 도끼", ""),
    ("고블린 무리", "monster", True, False, ["고블린들", "놈들"], "짧은 창", ""),
    ("해골 병사들", "monster", True, False, ["해골들", "놈들"], "부러진 검", "undead"),
    ("구울 떼", "monster", True, False, ["구울들", "놈들"], "녹슨 낫", "undead"),
    ("도깨비들", "monster", True, False, ["도깨비들", "놈들"], "쇠방망이", ""),
    ("트롤", "monster", False, True, ["트롤", "놈"], "나무 몽둥이", ""),
    ("망령 기사", "monster", False, False, ["망령", "놈"], "푸른빛이 도는 검", "undead"),
    ("오크 족장", "monster", False, True, ["족장", "놈"], "거대한 전투 도끼", ""),
    ("늑대 떼", "beast", True, False, ["늑대들", "놈들"], "이빨", ""),
    ("설원 늑대들", "beast", True, False, ["늑대들", "놈들"], "이빨", ""),
    ("굶주린 곰", "beast", False, True, ["곰", "놈"], "앞발", ""),
    ("거대한 거미", "beast", False, True, ["거미", "놈"], "독니", ""),
    ("늙은 용", "beast", False, True, ["용", "놈"], "발톱", ""),
    ("와이번", "beast", False, True, ["와이번", "놈"], "꼬리 가시", ""),
    ("거대한 전갈", "beast", False, True, ["전갈", "놈"], "독침", ""),
    ("이무기", "beast", False, True, ["이무기", "놈"], "이빨", ""),
    ("멧돼지 떼", "beast", True, False, ["멧돼지들", "놈들"], "엄니", ""),
]

# location phrase (takes 에/에서), tags, details
_PLACES = [
    ("어두운 숲 속", "wide", [
        "빽빽한 나무 사이로 희미한 빛이 <스며든다|스며들었다>.",
        "발밑에서 마른 나뭇가지가 <부러진다|부러졌다>.",
        "축축한 흙냄새와 이끼 냄새가 코를 <찌른다|찔렀다>.",
        "어디선가 까마귀가 날카롭게 <운다|울었다>.",
    ]),
    ("좁은 동굴 안", "indoor", [
        "천장에서 물방울이 똑똑 <떨어진다|떨어졌다>.",
        "횃불 빛이 울퉁불퉁한 바위벽에 <일렁인다|일렁였다>.",
        "숨을 쉴 때마다 차갑고 눅눅한 공기가 폐를 <채운다|채웠다>.",
        "동굴 안쪽에서 바람 소리 같은 것이 낮게 <울린다|울렸다>.",
    ]),
    ("무너져 가는 성벽 위", "", [
        "성벽 아래로 적의 횃불이 끝도 없이 <늘어서 있다|늘어서 있었다>.",
        "돌 틈마다 부러진 화살이 <박혀 있다|박혀 있었다>.",
        "깃발이 거센 바람에 찢어질 듯 <펄럭인다|펄럭였다>.",
    ]),
    ("옛 왕국의 폐허", "wide", [
        "부서진 기둥들이 묘비처럼 <서 있다|서 있었다>.",
        "이끼 낀 석상이 텅 빈 눈으로 나를 <내려다본다|내려다보았다>.",
        "바람이 무너진 아치 사이를 지나며 낮게 <운다|울었다>.",
    ]),
    ("불타는 항구", "wide,loud", [
        "부두에 묶인 배들이 불길에 <휩싸여 있다|휩싸여 있었다>.",
        "짠 바닷바람에 연기와 그을음 냄새가 <섞여 있다|섞여 있었다>.",
        "갈매기들이 비명 같은 소리를 내며 하늘로 <흩어진다|흩어졌다>.",
    ]),
    ("모래바람 부는 사막 한가운데", "wide,dry", [
        "day@뜨거운 모래가 바람에 실려 얼굴을 <때린다|때렸다>.",
        "day@모래 언덕 너머로 아지랑이가 <피어오른다|피어올랐다>.",
        "night@사막의 밤공기가 뼛속까지 <차갑다|차가웠다>.",
        "말라 버린 짐승의 뼈가 모래 위에 하얗게 <드러나 있다|드러나 있었다>.",
    ]),
    ("눈 덮인 설산의 능선", "wide,cold", [
        "눈보라가 앞을 분간할 수 없을 만큼 <몰아친다|몰아쳤다>.",
        "입김이 하얗게 얼어붙어 <흩어진다|흩어졌다>.",
        "발을 디딜 때마다 무릎까지 눈에 <빠진다|빠졌다>.",
    ]),
    ("불길이 번지는 마을 어귀", "wide,loud", [
        "초가지붕 위로 검은 연기가 <치솟는다|치솟았다>.",
        "우물가에는 깨진 물동이가 <나뒹군다|나뒹굴었다>.",
        "아이들의 울음소리가 멀리서 <들려온다|들려왔다>.",
    ]),
    ("낡은 돌다리 위", "", [
        "다리 아래로 불어난 강물이 사납게 <흐른다|흘렀다>.",
        "발을 옮길 때마다 낡은 돌이 <삐걱거린다|삐걱거렸다>.",
        "다리는 두 사람이 겨우 지나갈 만큼 <좁다|좁았다>.",
    ]),
    ("도시의 중앙 광장", "wide", [
        "분수대의 물이 핏빛으로 <물들어 있다|물들어 있었다>.",
        "광장을 둘러싼 집들의 창문이 굳게 <닫혀 있다|닫혀 있었다>.",
        "돌바닥 위로 부서진 수레 조각이 <흩어져 있다|흩어져 있었다>.",
    ]),
    ("흔들리는 갑판 위", "loud", [
        "파도가 뱃전을 때릴 때마다 갑판이 크게 <기운다|기울었다>.",
        "찢어진 돛이 바람에 <펄럭인다|펄럭였다>.",
        "짠 물보라가 얼굴로 <쏟아진다|쏟아졌다>.",
    ]),
    ("마법사의 탑 꼭대기", "indoor", [
        "좁은 나선 계단 아래로 발소리가 <울린다|울렸다>.",
        "창밖으로 번개가 하늘을 <가른다|갈랐다>.",
        "바닥에 그려진 문양이 희미하게 <빛난다|빛났다>.",
    ]),
    ("좁은 협곡", "wide", [
        "양쪽 절벽이 하늘을 가릴 듯 높이 <솟아 있다|솟아 있었다>.",
        "머리 위에서 자갈이 굴러 <떨어진다|떨어졌다>.",
        "작은 소리도 절벽에 부딪혀 메아리로 <돌아온다|돌아왔다>.",
    ]),
    ("넓은 들판", "wide", [
        "누렇게 익은 보리가 바람에 <물결친다|물결쳤다>.",
        "지평선 끝까지 적의 깃발이 <나부낀다|나부꼈다>.",
        "말발굽 소리가 땅을 울리며 <다가온다|다가왔다>.",
    ]),
    ("부서진 성문 앞", "loud", [
        "공성추에 맞은 성문이 비명을 지르며 <갈라진다|갈라졌다>.",
        "문틈으로 적병들의 함성이 <쏟아져 들어온다|쏟아져 들어왔다>.",
        "성문 위에서 끓는 기름 냄새가 <흘러내린다|흘러내렸다>.",
    ]),
    ("안개 낀 늪지", "wide", [
        "한 걸음 디딜 때마다 진흙이 발목을 <붙잡는다|붙잡았다>.",
        "썩은 물 냄새가 안개와 함께 <밀려온다|밀려왔다>.",
        "검은 수면 위로 거품이 보글보글 <올라온다|올라왔다>.",
    ]),
    ("지하 감옥의 복도", "indoor", [
        "녹슨 쇠창살 너머에서 쇠사슬이 <철컥거린다|철컥거렸다>.",
        "벽에 걸린 횃불 하나가 꺼질 듯 <흔들린다|흔들렸다>.",
        "돌바닥에 고인 물이 발걸음마다 <튄다|튀었다>.",
    ]),
    ("버려진 신전", "indoor", [
        "제단 위에 꺼진 촛대가 <쓰러져 있다|쓰러져 있었다>.",
        "금이 간 천장 틈으로 가느다란 빛이 <새어 든다|새어 들었다>.",
        "높은 천장 아래 발소리가 길게 <울린다|울렸다>.",
    ]),
    ("요새의 안마당", "wide", [
        "병사들이 서둘러 투석기에 돌을 <싣는다|실었다>.",
        "대장간 화로에서 불똥이 <튄다|튀었다>.",
        "마당 한쪽에 부상병들이 줄지어 <누워 있다|누워 있었다>.",
    ]),
    ("바람 부는 언덕 위", "wide", [
        "언덕 아래로 적의 진영이 한눈에 <내려다보인다|내려다보였다>.",
        "풀잎이 바람에 눕고 다시 <일어선다|일어섰다>.",
        "언덕 꼭대기의 늙은 나무 한 그루가 바람에 <신음한다|신음했다>.",
    ]),
    ("강가의 갈대밭", "wide", [
        "키 큰 갈대가 사각사각 <흔들린다|흔들렸다>.",
        "갈대 사이로 누군가 숨죽이고 있는 기척이 <느껴진다|느껴졌다>.",
        "물가의 진흙에 낯선 발자국이 <찍혀 있다|찍혀 있었다>.",
    ]),
    ("버려진 광산 갱도", "indoor", [
        "무너진 버팀목 사이로 흙먼지가 <떨어진다|떨어졌다>.",
        "녹슨 수레 하나가 철길 위에 <멈춰 있다|멈춰 있었다>.",
        "갱도 깊은 곳에서 곡괭이 소리 같은 것이 <들려온다|들려왔다>.",
    ]),
    ("얼어붙은 강 위", "wide,cold", [
        "발밑의 얼음이 불길하게 <갈라지는 소리를 낸다|갈라지는 소리를 냈다>.",
        "얼음 아래로 검은 물이 천천히 <흐른다|흘렀다>.",
        "매서운 바람이 얼음 위를 <휩쓸고 지나간다|휩쓸고 지나갔다>.",
    ]),
    ("험한 산길 고개", "wide", [
        "구불구불한 길 양쪽으로 커다란 바위가 <늘어서 있다|늘어서 있었다>.",
        "낭떠러지 아래로 돌멩이 하나가 소리도 없이 <사라진다|사라졌다>.",
        "고갯마루의 낡은 장승이 비스듬히 <기울어 있다|기울어 있었다>.",
    ]),
    ("시장 골목", "", [
        "뒤집힌 좌판 사이로 과일이 <굴러다닌다|굴러다녔다>.",
        "좁은 골목 양쪽으로 차양이 찢어진 채 <늘어져 있다|늘어져 있었다>.",
        "상인들은 모두 달아나고 골목은 텅 <비어 있다|비어 있었다>.",
    ]),
    ("참나무 숲 가장자리", "wide", [
        "오래된 참나무 뿌리가 땅 위로 뱀처럼 <구불거린다|구불거렸다>.",
        "나뭇잎 사이로 바람이 <수런거린다|수런거렸다>.",
        "숲 가장자리에 누군가 피운 모닥불 자국이 아직 <따뜻하다|따뜻했다>.",
    ]),
]

_TIME = {
    "day": [
        "한낮의 햇볕이 투구를 달구어 이마에 땀이 <흐른다|흘렀다>.",
        "해가 서쪽으로 기울며 그림자가 길게 <늘어진다|늘어졌다>.",
        "동쪽 하늘이 붉게 <밝아 온다|밝아 왔다>.",
        "잿빛 구름이 낮게 깔려 하늘이 <어둡다|어두웠다>.",
        "!dry,!cold@가는 비가 갑옷 위로 소리 없이 <떨어진다|떨어졌다>.",
        "차가운 바람이 망토 자락을 거칠게 <잡아당긴다|잡아당겼다>.",
        "새벽안개가 아직 낮게 <깔려 있다|깔려 있었다>.",
        "먹구름 너머에서 천둥이 낮게 <으르렁거린다|으르렁거렸다>.",
    ],
    "night": [
        "달빛이 희미하게 주변을 <비춘다|비추었다>.",
        "구름이 달을 가려 사방이 <캄캄하다|캄캄했다>.",
        "밤하늘에는 별 하나 <보이지 않는다|보이지 않았다>.",
        "멀리서 부엉이가 <운다|울었다>.",
        "어둠이 짙어 한 치 앞도 잘 <보이지 않는다|보이지 않았다>.",
        "횃불 몇 개만이 밤을 겨우 <밝히고 있다|밝히고 있었다>.",
        "차가운 밤이슬이 갑옷 위에 <내려앉는다|내려앉았다>.",
    ],
}

_SHOUTS = [
    "뒤를 조심해!", "왼쪽이다!", "물러서지 마!", "지금이야, 쳐!", "버텨, 조금만 더!",
    "내가 막을 테니 가!", "고개 숙여!", "놈의 다리를 노려!", "대열을 지켜!", "아직 끝나지 않았어!",
    "혼자 나서지 마!", "이쪽으로 와!", "오른쪽에서 또 온다!", "숨 돌릴 틈을 주지 마!",
]
_MY_SHOUTS = [
    "덤벼라!", "여기서 물러설 수는 없다!", "누구든 먼저 오너라!", "더는 한 발짝도 못 지나간다!",
    "이 길은 내가 지킨다!", "살고 싶으면 돌아가라!",
]

# ---------------------------------------------------------------------------
# Skirmish: an ambush or fight anywhere
# ---------------------------------------------------------------------------

_SK = {
    "open": _pool([
        "나는 {loc}에서 숨을 죽인 채 귀를 <기울인다|기울였다>.",
        "comp@나는 {comp}[과] 함께 {loc}[을] 지나고 <있다|있었다>.",
        "{loc}에 들어서자 공기가 달라진 것이 <느껴진다|느껴졌다>.",
        "blade@나는 {loc}에서 걸음을 멈추고 칼자루에 손을 <얹는다|얹었다>.",
        "comp@우리 일행은 {loc}에서 조용히 걸음을 <멈춘다|멈추었다>.",
        "오래 걸은 끝에 나는 {loc}에 <다다른다|다다랐다>.",
        "!loud@{loc}[은] 이상할 만큼 <고요하다|고요했다>.",
        "나는 {weapon}[을] 손에 쥔 채 {loc}[을] <살핀다|살폈다>.",
        "comp@{comp}[이] 앞장서고 나는 그 뒤를 바짝 <따른다|따랐다>.",
        "이곳 {loc}에서 적을 막으라는 명령을 받은 지 벌써 사흘째<다|였다>.",
        "나는 {loc}에 몸을 낮추고 적의 움직임을 <기다린다|기다렸다>.",
        "!loud@{loc}에는 (불길한|무거운|이상한) 정적이 <감돈다|감돌았다>.",
        "comp@{comp}[이] 손을 들어 멈추라는 신호를 <보낸다|보냈다>.",
        "나는 {loc}에서 (누군가의 시선|낯선 기척)[을] <느낀다|느꼈다>.",
    ]),
    "place": [],  # filled per passage from the place
    "time": [],  # filled per passage from the time of day
    "atmos": _pool([
        "심장이 북소리처럼 쿵쿵 <뛴다|뛰었다>.",
        "손바닥에 밴 땀 때문에 {weapon}[이] 미끄럽게 <느껴진다|느껴졌다>.",
        "입안이 바싹 <마른다|말랐다>.",
        "나는 천천히 숨을 들이쉬고 <내쉰다|내쉬었다>.",
        "comp@{comp}[이] 내게 눈짓으로 신호를 <보낸다|보냈다>.",
        "comp@{comp}[이] 낮게 <속삭인다|속삭였다>. \"(서두르지 마.|내가 신호하면 움직여.|놈들 숫자가 많아.|등 뒤를 조심해.|소리 내지 마.)\"",
        "어디선가 쇠가 부딪히는 소리가 <들려온다|들려왔다>.",
        "비릿한 피 냄새가 바람을 타고 <풍겨 온다|풍겨 왔다>.",
        "갑옷 속으로 식은땀이 <흘러내린다|흘러내렸다>.",
        "나는 {weapon}[을] 고쳐 <쥔다|쥐었다>.",
        "!loud@모든 소리가 멎은 듯 주위가 숨 막히게 <조용하다|조용했다>.",
        "목덜미의 털이 곤두서는 것이 <느껴진다|느껴졌다>.",
        "shield@나는 방패 손잡이를 더욱 단단히 <움켜쥔다|움켜쥐었다>.",
        "나는 (스승의 말|아버지의 얼굴|고향의 강)[을] 잠깐 <떠올린다|떠올렸다>.",
    ]),
    "appear": _pool([
        "그때 (어둠 속|바위 뒤|연기 너머|그림자 속)에서 {them}[이] <뛰쳐나온다|뛰쳐나왔다>.",
        "beast@낮은 으르렁거림과 함께 {them}[이] 모습을 <드러낸다|드러냈다>.",
        "발소리가 빠르게 가까워지더니 {them}[이] 앞을 <가로막는다|가로막았다>.",
        "group@{them}[이] 어느새 {us}[을] 둥글게 <에워싼다|에워쌌다>.",
        "human,group@누군가 날카롭게 휘파람을 불자 {them}[이] 사방에서 <몰려든다|몰려들었다>.",
        "human@\"저기 있다!\" 거친 외침과 함께 {them}[이] <나타난다|나타났다>.",
        "big@땅이 크게 울리더니 {them}[이] 거대한 몸을 <일으킨다|일으켰다>.",
        "!beast@{arms}[을] 든 {them}[이] 천천히 <다가온다|다가왔다>.",
        "undead@썩은 냄새와 함께 {them}[이] 비틀거리며 <걸어 나온다|걸어 나왔다>.",
        "monster,!undead@거친 숨소리와 함께 {them}[이] 길을 <막아선다|막아섰다>.",
        "{them}[이] 어느새 코앞까지 <다가와 있다|다가와 있었다>.",
        "beast,group@어둠 속에서 번뜩이는 눈들이 하나둘 <늘어난다|늘어났다>. <{them}[이다]|{them}[이었다]>.",
        "group,!beast@{them}[이] 무기를 부딪치며 {us}[을] <위협한다|위협했다>.",
    ]),
    "attack": _pool([
        "!beast@{them}[이] {arms}[을] 휘두르며 <달려든다|달려들었다>.",
        "beast@{them}[이] {arms}[을] 드러내며 <덮쳐 온다|덮쳐 왔다>.",
        "!beast@{arms}[이] 바람을 가르며 내 머리 위로 <떨어진다|떨어졌다>.",
        "human@어디선가 날아온 화살 한 대가 귓가를 스치고 <지나간다|지나갔다>.",
        "monster@{them}[이] 괴성을 지르며 <돌진한다|돌진했다>.",
        "human@{them}[이] 함성을 지르며 <돌진한다|돌진했다>.",
        "big@{them}의 일격에 땅이 움푹 <팬다|팼다>.",
        "{them}[이] 틈을 주지 않고 나를 <몰아붙인다|몰아붙였다>.",
        "group@{them}[이] 한꺼번에 <달려든다|달려들었다>.",
        "{them}의 공격은 빠르고 <사납다|사나웠다>.",
        "beast@{them}[이] 허공으로 뛰어올라 나를 <덮친다|덮쳤다>.",
        "big,beast@{them}의 뜨거운 숨결이 얼굴에 <끼친다|끼쳤다>.",
        "!group@{them}[이] 낮게 몸을 숙였다가 용수철처럼 <튀어 오른다|튀어 올랐다>.",
    ]),
    "defend": _pool([
        "shield@나는 방패를 들어 올려 일격을 <막는다|막았다>.",
        "shield@방패를 타고 묵직한 충격이 어깨까지 <전해진다|전해졌다>.",
        "나는 몸을 낮춰 간신히 공격을 <피한다|피했다>.",
        "나는 옆으로 몸을 굴려 <피한다|피했다>.",
        "!beast,melee@{weapon}[과] {arms}[이] 부딪치며 불꽃이 <튄다|튀었다>.",
        "한 뼘만 늦었어도 목이 달아났을 것이다.",
        "나는 이를 악물고 뒤로 한 걸음 <물러선다|물러섰다>.",
        "blade@나는 칼날을 비스듬히 세워 공격을 흘려 <보낸다|보냈다>.",
        "spear@나는 창대를 가로로 들어 일격을 <받아 낸다|받아 냈다>.",
        "bow@나는 바위 뒤로 몸을 <던진다|던졌다>.",
        "shield@방패 가장자리가 쪼개지며 나무 조각이 얼굴로 <튄다|튀었다>.",
    ]),
    "wound": _pool([
        "뜨거운 통증이 왼팔을 <파고든다|파고들었다>.",
        "옆구리에서 따뜻한 피가 <배어 나온다|배어 나왔다>.",
        "이마가 찢어져 피가 눈으로 <흘러든다|흘러들었다>.",
        "!beast@{them}의 {arms}[이] 어깨를 <스친다|스쳤다>.",
        "beast@{them}의 {arms}에 종아리가 깊게 <긁힌다|긁혔다>.",
        "<나는 비틀거리지만 쓰러지지는 않는다|나는 비틀거렸지만 쓰러지지는 않았다>.",
        "숨을 쉴 때마다 갈비뼈가 <욱신거린다|욱신거렸다>.",
        "다리에 힘이 풀려 한쪽 무릎이 땅에 <닿는다|닿았다>.",
        "귀가 멍해지며 세상이 잠시 한쪽으로 <기운다|기울었다>.",
    ]),
    "counter": _pool([
        "blade@나는 빈틈을 놓치지 않고 {weapon}[을] <휘두른다|휘둘렀다>.",
        "blade@칼날이 {one}의 (옆구리|다리)[을] 깊게 <벤다|베었다>.",
        "blade@나는 몸을 틀며 {one}의 목을 노리고 {weapon}[을] 찔러 <넣는다|넣었다>.",
        "blade@단번에 내리친 {weapon}에 {one}[이] 비명을 지르며 <물러선다|물러섰다>.",
        "axe@나는 {weapon}[을] 머리 위로 치켜들었다가 힘껏 <내리찍는다|내리찍었다>.",
        "axe,!beast@도끼날이 {one}의 방패를 두 동강 <낸다|냈다>.",
        "axe@묵직한 손맛과 함께 {one}[이] 뒤로 <나동그라진다|나동그라졌다>.",
        "spear@나는 {weapon}[을] 곧게 내질러 {one}의 가슴을 <노린다|노렸다>.",
        "spear@창끝이 {one}의 옆구리를 깊숙이 <파고든다|파고들었다>.",
        "spear,group@나는 긴 창대를 휘둘러 {them}[을] 멀찍이 <밀어낸다|밀어냈다>.",
        "mace@{weapon}[이] {one}의 머리를 정통으로 <때린다|때렸다>.",
        "mace@둔탁한 소리와 함께 {one}[이] 무릎을 <꿇는다|꿇었다>.",
        "bow@나는 재빨리 화살을 시위에 걸어 <당긴다|당겼다>.",
        "bow@시위를 떠난 화살이 {one}의 (어깨|옆구리|목덜미)에 <꽂힌다|꽂혔다>.",
        "bow@나는 쉬지 않고 화살을 연달아 <날린다|날렸다>.",
        "melee@나는 함성을 지르며 {them}에게 <달려든다|달려들었다>.",
        "나는 {one}의 빈틈을 <노린다|노렸다>.",
        "melee@나는 발을 내디디며 온몸의 무게를 실어 <공격한다|공격했다>.",
        "melee@나는 <외친다|외쳤다>. \"{my_shout}\"",
    ]),
    "comp": _pool([
        "comp@{comp}[이] 옆에서 뛰어들어 {one}의 공격을 <막아 준다|막아 주었다>.",
        "comp_archer@{comp}의 화살이 날아와 {one}의 (어깨|다리)에 <박힌다|박혔다>.",
        "comp_caster@{comp}[이] 주문을 외우자 푸른 불꽃이 {them}[을] <덮친다|덮쳤다>.",
        "comp_caster@{comp}의 기도 소리에 상처의 통증이 조금 <누그러진다|누그러졌다>.",
        "comp_fighter@{comp}[이] 방패를 앞세우고 {them}에게 <부딪쳐 간다|부딪쳐 갔다>.",
        "comp@{comp}[이] <외친다|외쳤다>. \"{shout}\"",
        "comp@\"{shout}\" {comp}의 목소리가 싸움의 소음을 <뚫고 들려온다|뚫고 들려왔다>.",
        "comp@{comp}[과] 나는 등을 맞대고 {them}[을] <상대한다|상대했다>.",
        "comp@{comp}[이] 내 이름을 부르며 <달려온다|달려왔다>.",
        "comp_fighter@{comp}의 칼이 내 등 뒤를 노리던 일격을 <쳐낸다|쳐냈다>.",
    ]),
    "outcome": _pool([
        "마침내 {one}[이] 땅바닥에 쓰러져 더는 <움직이지 않는다|움직이지 않았다>.",
        "group@남은 {them}[이] 겁에 질려 뿔뿔이 <흩어진다|흩어졌다>.",
        "나는 거칠게 숨을 몰아쉬며 {weapon}[을] <내린다|내렸다>.",
        "싸움은 시작될 때처럼 갑자기 <끝난다|끝났다>.",
        "comp@{comp}[이] 피 묻은 얼굴로 나를 보며 씩 <웃는다|웃었다>.",
        "human,group@\"살려 줘!\" {them} 중 하나가 무기를 버리고 <달아난다|달아났다>.",
        "beast@상처 입은 {them}[이] 울부짖으며 멀리 <달아난다|달아났다>.",
        "blade@나는 {weapon}에 묻은 피를 털어 내고 칼집에 <꽂는다|꽂았다>.",
        "group@<놈들의 수가 너무 많다|놈들의 수가 너무 많았다>. 물러설 수밖에 <없다|없었다>.",
        "comp@\"물러나!\" {comp}의 외침에 나는 이를 악물고 등을 <돌린다|돌렸다>.",
        "싸움은 아직 끝나지 않았다.",
        "저 멀리서 또 다른 함성이 <들려온다|들려왔다>.",
        "나는 {weapon}[을] 다시 고쳐 쥐고 다음 공격을 <기다린다|기다렸다>.",
        "{loc}에 다시 무거운 정적이 <내려앉는다|내려앉았다>.",
        "!group@{them}[이] 마지막 숨을 내뱉으며 <쓰러진다|쓰러졌다>.",
    ]),
    "flee_run": _pool([
        "나는 (좁은 골목으로|바위 틈으로|덤불 속으로) 몸을 <던진다|던졌다>.",
        "발밑의 돌이 미끄러져 하마터면 <넘어질 뻔한다|넘어질 뻔했다>.",
        "comp@{comp}[이] 내 팔을 붙잡고 함께 <달린다|달렸다>.",
    ]),
    "flee_chase": _pool([
        "숨이 턱까지 차올라 <온다|왔다>.",
        "등 뒤에서 {them}의 발소리가 점점 <가까워진다|가까워졌다>.",
        "심장이 터질 듯 <뛴다|뛰었다>.",
    ]),
    "flee_end": _pool([
        "추격하던 발소리가 조금씩 <멀어진다|멀어졌다>.",
        "나는 겨우 숨을 고르며 뒤를 <돌아본다|돌아보았다>. 아무도 <보이지 않는다|보이지 않았다>.",
        "그러나 앞은 깎아지른 <낭떠러지다|낭떠러지였다>.",
    ]),
}

_SK_STAGES = [
    ("open", 1.0), ("place", 0.8), ("time", 0.5), ("atmos", 0.55), ("appear", 1.0),
    ("attack", 0.95), ("defend", 0.7), ("wound", 0.3), ("counter", 0.9), ("comp", 0.6), ("outcome", 0.9),
]

# tags, action line, its narration, then: start stage in _SK_STAGES or an explicit stage list
_SK_BEATS = [
    ("", "주변을 살핀다.", "나는 걸음을 멈추고 주변을 천천히 <살핀다|살폈다>.", "place"),
    ("", "앞으로 나아간다.", "나는 {weapon}[을] 앞세우고 조심스럽게 앞으로 <나아간다|나아갔다>.", "place"),
    ("blade", "{weapon}[을] 뽑아 든다.",
     "나는 칼집에서 {weapon}[을] 단숨에 뽑아 <든다|들었다>. 칼날이 차갑게 <번뜩인다|번뜩였다>.", "atmos"),
    ("", "귀를 기울인다.",
     "나는 숨을 죽이고 귀를 <기울인다|기울였다>. (멀리서|가까이서) 무언가 움직이는 소리가 <들린다|들렸다>.", "appear"),
    ("", "몸을 숨긴다.", "나는 (바위 뒤에|가까운 그늘 속에|무너진 담 뒤에) 재빨리 몸을 <숨긴다|숨겼다>.", "atmos"),
    ("bow", "화살을 시위에 건다.", "나는 화살 한 대를 뽑아 시위에 <건다|걸었다>.", "atmos"),
    ("comp", "{comp_name}에게 신호를 보낸다.", "나는 손을 들어 {comp}에게 멈추라는 신호를 <보낸다|보냈다>.", "place"),
    ("dark", "횃불을 높이 든다.", "나는 횃불을 높이 들어 앞을 <비춘다|비추었다>.", "appear"),
    ("shield", "방패를 들고 전진한다.", "나는 방패를 가슴 높이로 들고 한 걸음씩 <전진한다|전진했다>.", "place"),
    ("", "몸을 숙여 피한다.",
     "나는 재빨리 몸을 숙여 <피한다|피했다>. 머리 위로 바람 가르는 소리가 <지나간다|지나갔다>.", "wound"),
    ("shield", "방패로 막는다.",
     "나는 방패를 들어 날아드는 일격을 <막는다|막았다>. 팔뚝까지 묵직한 충격이 <전해진다|전해졌다>.", "counter"),
    ("melee", "적에게 달려든다.", "나는 함성을 지르며 {them}에게 <달려든다|달려들었다>.", "comp"),
    ("blade", "{weapon}[을] 휘두른다.", "나는 온 힘을 실어 {weapon}[을] 크게 <휘두른다|휘둘렀다>.", "comp"),
    ("spear", "{weapon}[을] 내지른다.", "나는 {weapon}[을] 곧게 앞으로 <내지른다|내질렀다>.", "comp"),
    ("axe", "{weapon}[을] 내리찍는다.",
     "나는 {weapon}[을] 머리 위로 치켜들었다가 힘껏 <내리찍는다|내리찍었다>.", "comp"),
    ("mace", "{weapon}[을] 내려친다.", "나는 {weapon}[을] 크게 휘둘러 <내려친다|내려쳤다>.", "comp"),
    ("bow", "활을 쏜다.", "나는 재빨리 시위를 당겨 {one}에게 화살을 <날린다|날렸다>.", "comp"),
    ("", "뒤로 물러선다.", "나는 두어 걸음 뒤로 물러서며 거리를 <벌린다|벌렸다>.", "counter"),
    ("comp", "{comp_name}[을] 부른다.", "나는 목청껏 {comp}의 이름을 <부른다|불렀다>.", "comp"),
    ("", "함성을 지른다.", "나는 {weapon}[을] 높이 치켜들고 <함성을 지른다|함성을 질렀다>.", "attack"),
    ("", "옆으로 구른다.", "나는 땅을 박차고 옆으로 몸을 <굴린다|굴렸다>.", "counter"),
    ("", "빈틈을 노린다.", "나는 숨을 고르며 {one}의 빈틈을 <노린다|노렸다>.", "counter"),
    ("", "도망친다.",
     "나는 등을 돌려 있는 힘껏 <달린다|달렸다>.", [("flee_run", 1.0), ("flee_chase", 0.8), ("flee_run", 0.4), ("flee_end", 0.8)]),
]

# ---------------------------------------------------------------------------
# Siege: walls, ladders, the commander's voice
# ---------------------------------------------------------------------------

_SIEGE_PLACES = ["성벽 위", "성문 위 망루", "요새 안마당", "동쪽 성탑", "해안 요새 성벽 위", "국경 요새 성루"]
_ARMIES = ["적군", "오크 군단", "제국군", "반란군", "북방 야만족", "해골 군단", "사막 왕국 군대", "산적 연합군"]
_COMMANDERS = ["늙은 성주", "백발의 장군", "기사단장 {n}", "부대장 {n}", "성주의 딸 {n}", "수비대장 {n}"]

_SG = {
    "open": _pool([
        "나는 {loc}에서 몰려오는 {army}[을] <내려다본다|내려다보았다>.",
        "성벽 아래로 {army}의 횃불이 끝도 없이 <늘어서 있다|늘어서 있었다>.",
        "포위된 지 열흘째, 성 안의 식량은 바닥을 <드러낸다|드러냈다>.",
        "새벽부터 {army}의 북소리가 쉬지 않고 <울린다|울렸다>.",
        "{army}[이] 마침내 총공격을 <시작한다|시작했다>.",
        "나는 {loc}에 서서 적진의 깃발을 <헤아린다|헤아렸다>.",
        "{loc}에 선 병사들은 모두 지쳐 <있다|있었다>.",
    ]),
    "enemy": _pool([
        "공성 사다리 수십 개가 한꺼번에 성벽에 <걸린다|걸렸다>.",
        "거대한 공성탑이 삐걱거리며 성벽 쪽으로 <다가온다|다가왔다>.",
        "투석기가 쏘아 올린 바위가 성탑 한쪽을 <무너뜨린다|무너뜨렸다>.",
        "공성추가 성문을 들이받을 때마다 성 전체가 <울린다|울렸다>.",
        "불화살이 하늘을 가로질러 성 안 지붕 위로 <쏟아진다|쏟아졌다>.",
        "{army}의 함성이 파도처럼 성벽을 <덮친다|덮쳤다>.",
        "적병들이 방패를 머리 위로 들고 해자를 <건넌다|건넜다>.",
        "화살이 비처럼 성벽 위로 <쏟아진다|쏟아졌다>.",
    ]),
    "act": _pool([
        "나는 사다리 끝을 붙잡고 온 힘을 다해 <밀어낸다|밀어냈다>.",
        "병사들이 끓는 기름을 성벽 아래로 <쏟아붓는다|쏟아부었다>.",
        "melee@나는 성가퀴 너머로 기어오르는 적병을 향해 {weapon}[을] <내리친다|내리쳤다>.",
        "bow@나는 성가퀴 사이로 화살을 쉴 새 없이 <쏘아 댄다|쏘아 댔다>.",
        "궁수들이 일제히 시위를 <놓는다|놓았다>.",
        "나는 부서진 성벽 틈을 막으려 병사들과 함께 돌과 통나무를 <쌓는다|쌓았다>.",
        "shield@나는 방패를 머리 위로 들어 쏟아지는 화살을 <막는다|막았다>.",
        "나는 쓰러진 병사의 자리를 메우며 성벽 위를 <달린다|달렸다>.",
    ]),
    "cmd": _pool([
        "{cmd}[이] 성벽 위를 달리며 <외친다|외쳤다>. \"{sline}\"",
        "{cmd}의 목소리가 함성을 뚫고 <울린다|울렸다>. \"{sline}\"",
        "\"{sline}\" {cmd}의 명령이 성벽을 따라 <전해진다|전해졌다>.",
    ]),
    "crisis": _pool([
        "성문 빗장에 금이 가기 <시작한다|시작했다>.",
        "옆에 서 있던 병사가 화살에 맞아 성벽 아래로 <떨어진다|떨어졌다>.",
        "적병 하나가 성벽을 넘어와 내 앞에 <내려선다|내려섰다>.",
        "동쪽 성벽이 뚫렸다는 외침이 <들려온다|들려왔다>.",
        "연기가 눈을 찔러 앞이 잘 <보이지 않는다|보이지 않았다>.",
        "화살 한 대가 내 투구를 맞고 튕겨 <나간다|나갔다>.",
    ]),
    "outcome": _pool([
        "해가 질 무렵, {army}[이] 마침내 퇴각의 나팔을 <분다|불었다>.",
        "멀리 언덕 위로 원군의 깃발이 <나타난다|나타났다>.",
        "성벽 위에서 지친 병사들의 환호성이 <터져 나온다|터져 나왔다>.",
        "오늘 밤도 성은 <무너지지 않는다|무너지지 않았다>.",
        "그러나 {army}[은] 물러날 기색이 <없다|없었다>.",
        "나는 피 묻은 {weapon}[을] 짚고 무너진 성가퀴에 <기대어 선다|기대어 섰다>.",
        "사다리가 하나둘 성벽에서 <떨어져 나간다|떨어져 나갔다>.",
    ]),
}
_SG_LINES = [
    "자리를 지켜라!", "성문을 막아라!", "궁수들, 쏴라!", "한 놈도 성벽을 넘게 하지 마라!",
    "기름을 부어라!", "조금만 버텨라, 원군이 온다!", "사다리를 밀어내라!", "방패를 들어라!",
]
_SG_STAGES = [("open", 1.0), ("enemy", 0.9), ("cmd", 0.5), ("act", 0.9), ("crisis", 0.5),
              ("act", 0.4), ("outcome", 0.8)]
_SG_BEATS = [
    ("", "성벽 위로 올라간다.", "나는 좁은 계단을 뛰어 성벽 위로 <올라간다|올라갔다>.", "enemy"),
    ("", "사다리를 밀어낸다.",
     "나는 성벽에 걸린 사다리 끝을 붙잡고 힘껏 <밀어낸다|밀어냈다>. 사다리가 매달린 적병들과 함께 뒤로 <넘어간다|넘어갔다>.",
     "cmd"),
    ("bow", "성벽 아래로 활을 쏜다.", "나는 성가퀴 사이로 몸을 내밀어 아래를 향해 화살을 <날린다|날렸다>.", "crisis"),
    ("shield", "방패를 머리 위로 든다.",
     "나는 방패를 머리 위로 <치켜든다|치켜들었다>. 곧바로 화살 몇 대가 방패에 <박힌다|박혔다>.", "crisis"),
    ("", "기름을 붓는다.",
     "나는 병사들과 함께 끓는 기름 솥을 기울여 성벽 아래로 <쏟는다|쏟았다>. 아래에서 비명이 <솟구친다|솟구쳤다>.",
     "cmd"),
    ("", "성문으로 달려간다.", "나는 계단을 뛰어 내려가 성문 쪽으로 <달려간다|달려갔다>.", "crisis"),
]

# ---------------------------------------------------------------------------
# Duel: one named rival
# ---------------------------------------------------------------------------

_RIVALS = [
    ("흑기사", "무열", "그"), ("용병대장", "철웅", "그"), ("산적 두목", "곰발", "그"),
    ("제국의 검사", "백련", "그녀"), ("배신자 기사", "강혁", "그"), ("외눈박이 검객", "독고현", "그"),
    ("사막의 칼잡이", "자한", "그"), ("해적 선장", "붉은수염", "그"), ("북방의 전사", "한설", "그녀"),
    ("어둠의 기사", "진무", "그"), ("떠돌이 결투꾼", "서량", "그"), ("왕실 근위대장", "윤강", "그"),
    ("검은 늑대 기사단장", "마갑", "그"), ("쌍검의 암살자", "월영", "그녀"),
]
_RIVAL_WEAPONS = ["대검", "쌍검", "가는 검", "언월도", "철퇴", "장창", "굽은 칼", "검은 장검"]

_DU = {
    "open": _pool([
        "{rival}[이] {loc}에서 나를 기다리고 <있다|있었다>.",
        "나는 {loc}에서 {rival}[과] 마주 <선다|섰다>.",
    ]),
    "crowd": _pool([
        "!indoor@구경꾼들이 둥글게 물러서며 우리 둘에게 자리를 <내준다|내주었다>.",
        "{rival}[은] {rweapon}[을] 천천히 <뽑아 든다|뽑아 들었다>.",
        "!loud@바람 한 점 없이 {loc}[이] <조용하다|조용했다>.",
        "{rival}[과] 나 사이의 거리는 열 걸음도 <되지 않는다|되지 않았다>.",
    ]),
    "talk": _pool([
        "{rival}[이] 비웃듯 <말한다|말했다>. \"{rline}\"",
        "\"{rline}\" {rival}의 목소리는 낮고 <차갑다|차가웠다>.",
        "나는 말없이 {weapon}[을] 들어 예를 <갖춘다|갖추었다>.",
        "나는 {rival}의 눈을 똑바로 보며 <말한다|말했다>. \"{dline}\"",
    ]),
    "clash": _pool([
        "{rival}의 {rweapon}[이] 번개처럼 내 목을 향해 <날아든다|날아들었다>. 나는 간신히 {weapon}[을] 세워 그 일격을 <받아 낸다|받아 냈다>.",
        "{rival}[이] 낮게 파고들며 내 다리를 <노린다|노렸다>.",
        "쇠와 쇠가 부딪치는 날카로운 소리가 {loc}에 <울려 퍼진다|울려 퍼졌다>.",
        "우리는 서너 합을 빠르게 <주고받는다|주고받았다>.",
        "{rival}의 발놀림은 춤을 추듯 <가볍다|가벼웠다>.",
        "팔이 저려 {weapon}[을] 쥔 손에 힘이 <빠진다|빠졌다>.",
        "{rival}의 칼끝이 내 뺨을 스치며 가는 핏줄기를 <남긴다|남겼다>.",
        "나는 뒤로 물러서는 척하다가 갑자기 앞으로 <파고든다|파고들었다>.",
    ]),
    "turn": _pool([
        "{rival}의 어깨가 아주 잠깐 <흔들린다|흔들렸다>. 나는 그 빈틈을 놓치지 <않는다|않았다>.",
        "나는 {rival}의 {rweapon}[을] 옆으로 쳐내고 한 걸음 <파고든다|파고들었다>.",
        "{rival}[이] 처음으로 당황한 눈빛을 <보인다|보였다>.",
        "내 발이 미끄러지며 균형이 <무너진다|무너졌다>. 나는 가까스로 몸을 틀어 다음 일격을 <피한다|피했다>.",
        "{rival}의 숨소리가 점점 거칠어지기 <시작한다|시작했다>.",
    ]),
    "end": _pool([
        "{rival}의 {rweapon}[이] 허공을 돌며 멀리 <날아간다|날아갔다>.",
        "나는 {weapon} 끝을 {rival}의 목에 <겨눈다|겨누었다>.",
        "{rival}[이] 한쪽 무릎을 꿇으며 거칠게 숨을 <몰아쉰다|몰아쉬었다>.",
        "{rival}[이] 피 묻은 입가를 훔치며 <웃는다|웃었다>. \"(제법이군.|다음엔 이렇게 쉽지 않을 거다.|어서 끝내라. 패자에게 변명은 없다.)\"",
        "구경꾼들 사이에서 (탄성이|함성이) <터져 나온다|터져 나왔다>.",
        "승부는 아직 나지 않았다.",
    ]),
}
_DU_RLINES = [
    "네가 그 소문의 검사인가.", "오늘 여기서 끝을 보자.", "칼을 버린다면 목숨은 살려 주지.",
    "네 스승도 나를 이기지 못했다.", "망설이는 자의 검은 무디다.", "기다리고 있었다. 아주 오래.",
]
_DU_DLINES = [
    "내가 이기면 이 마을을 떠나라.", "오늘은 도망치지 않는다.", "네가 빼앗은 것을 돌려받으러 왔다.",
    "말은 필요 없다. 검으로 답하겠다.",
]
_DU_STAGES = [("open", 1.0), ("crowd", 0.6), ("talk", 0.7), ("clash", 1.0), ("clash", 0.6),
              ("turn", 0.7), ("end", 0.9)]
_DU_BEATS = [
    ("", "결투를 청한다.", "나는 {rival}[을] 향해 {weapon}[을] 겨누며 결투를 <청한다|청했다>.", "talk"),
    ("", "{weapon}[을] 들어 예를 갖춘다.", "나는 {weapon}[을] 얼굴 앞으로 들어 {rival}에게 예를 <갖춘다|갖추었다>.", "clash"),
    ("", "일격을 막아 낸다.", "나는 이를 악물고 {rival}의 일격을 <막아 낸다|막아 냈다>.", "turn"),
    ("", "빈틈으로 파고든다.", "나는 {rival}의 빈틈을 향해 몸을 던지듯 <파고든다|파고들었다>.", "end"),
    ("", "자세를 낮춘다.", "나는 무릎을 굽혀 자세를 낮추고 {rival}의 움직임을 <살핀다|살폈다>.", "clash"),
]

# ---------------------------------------------------------------------------
# Aftermath: the field after the fighting
# ---------------------------------------------------------------------------

_AF = {
    "open": _pool([
        "싸움이 끝난 {loc}에 무거운 정적이 <내려앉는다|내려앉았다>.",
        "{loc}에는 부러진 창과 찢어진 깃발이 <널려 있다|널려 있었다>.",
        "나는 피 묻은 {weapon}[을] 땅에 꽂고 그 자리에 <주저앉는다|주저앉았다>.",
        "연기가 걷히자 참혹한 광경이 눈앞에 <드러난다|드러났다>.",
        "마지막 적이 쓰러지고 나서야 나는 {weapon}[을] <내려놓는다|내려놓았다>.",
    ]),
    "sight": _pool([
        "까마귀들이 벌써 하늘을 맴돌기 <시작한다|시작했다>.",
        "쓰러진 말 한 마리가 힘겹게 숨을 <몰아쉰다|몰아쉬었다>.",
        "여기저기서 부상병들의 신음이 <들려온다|들려왔다>.",
        "주인을 잃은 투구 하나가 진흙 속에 <뒹군다|뒹굴었다>.",
        "타다 남은 깃발이 바람에 힘없이 <나부낀다|나부꼈다>.",
        "비릿한 피 냄새와 탄 냄새가 코를 <찌른다|찔렀다>.",
        "부러진 화살들이 풀숲처럼 땅에 <꽂혀 있다|꽂혀 있었다>.",
    ]),
    "body": _pool([
        "그제야 온몸의 상처가 한꺼번에 <욱신거린다|욱신거렸다>.",
        "무기를 너무 오래 쥐고 있었던 탓에 손가락이 잘 <펴지지 않는다|펴지지 않았다>.",
        "갑옷 안쪽이 땀과 피로 축축하게 <젖어 있다|젖어 있었다>.",
        "나는 투구를 벗고 차가운 바람에 얼굴을 <내맡긴다|내맡겼다>.",
        "목이 타들어 갈 듯 <마른다|말랐다>.",
        "다리가 후들거려 제대로 <서 있기도 힘들다|서 있기도 힘들었다>.",
    ]),
    "comp": _pool([
        "comp@{comp}[이] 절뚝거리며 내 곁으로 <다가온다|다가왔다>.",
        "comp@{comp}[이] 말없이 물통을 <내민다|내밀었다>.",
        "comp@{comp}[이] 쓰러진 동료의 눈을 감겨 <준다|주었다>.",
        "comp@{comp}[이] 낮게 <중얼거린다|중얼거렸다>. \"(살아남았구나, 우리.|이긴 건가.|다음엔 우리 차례일지도 몰라.|다들 고생했다.)\"",
        "comp@{comp}[이] 내 어깨를 말없이 두어 번 <두드린다|두드렸다>.",
    ]),
    "end": _pool([
        "우리는 해가 지기 전에 쓰러진 이들을 <묻는다|묻었다>.",
        "이겼지만 기쁘지 <않다|않았다>.",
        "나는 살아남은 것이 기쁜지 슬픈지 알 수 <없다|없었다>.",
        "멀리서 승리를 알리는 뿔나팔 소리가 <들려온다|들려왔다>.",
        "나는 하늘을 올려다보며 오래 숨을 <내쉰다|내쉬었다>.",
        "내일도 싸움은 <계속될 것이다|계속될 터였다>.",
        "나는 쓰러진 전우의 검을 거두어 내 허리에 <찬다|찼다>.",
    ]),
}
_AF_STAGES = [("open", 1.0), ("sight", 0.9), ("sight", 0.4), ("body", 0.6), ("comp", 0.6), ("end", 0.9)]
_AF_BEATS = [
    ("", "상처를 동여맨다.", "나는 옷자락을 찢어 피가 흐르는 팔을 단단히 <동여맨다|동여맸다>.", "sight"),
    ("", "전장을 둘러본다.", "나는 천천히 고개를 들어 전장을 <둘러본다|둘러보았다>.", "sight"),
    ("", "투구를 벗는다.", "나는 투구를 벗어 옆구리에 <낀다|끼었다>.", "sight"),
    ("comp", "{comp_name}에게 다가간다.", "나는 절뚝거리며 {comp}에게 <다가간다|다가갔다>.", "comp"),
    ("", "무기를 거둔다.", "나는 {weapon}에 묻은 피를 닦아 내고 <거둔다|거두었다>.", "sight"),
    ("", "쓰러진 전우 곁에 앉는다.", "나는 쓰러진 전우 곁에 무릎을 꿇고 <앉는다|앉았다>.", "body"),
]

# ---------------------------------------------------------------------------
# Eve of battle: the night before
# ---------------------------------------------------------------------------

_EVE_PLACES = ["야영지의 모닥불 가", "진영의 막사 안", "성벽 아래 병영", "숲 속 야영지", "언덕 위 진지", "강가의 진영"]

_EV = {
    "open": _pool([
        "결전을 하루 앞둔 밤, {loc}[은] 이상하리만치 <고요하다|고요했다>.",
        "나는 {loc}에 홀로 앉아 타오르는 불꽃을 <바라본다|바라보았다>.",
        "내일이면 {army}[과] 맞붙는다는 소식이 진영에 <퍼진다|퍼졌다>.",
        "병사들은 저마다 말없이 무기를 <손질한다|손질했다>.",
        "{loc}에 밤이 깊어 <간다|갔다>.",
    ]),
    "prep": _pool([
        "blade@나는 숫돌에 {weapon}의 날을 천천히 <간다|갈았다>.",
        "나는 갑옷의 가죽끈을 하나하나 <점검한다|점검했다>.",
        "bow@나는 화살 깃을 하나씩 손끝으로 <다듬는다|다듬었다>.",
        "bow@나는 새 활시위를 걸고 몇 번 당겨 <본다|보았다>.",
        "shield@나는 방패 가장자리의 흠집을 손가락으로 <쓸어 본다|쓸어 보았다>.",
        "!bow@나는 {weapon}[을] 무릎에 올려놓고 기름 먹인 천으로 <닦는다|닦았다>.",
        "나는 찌그러진 투구를 두드려 <편다|폈다>.",
    ]),
    "talk": _pool([
        "comp@{comp}[이] 불꽃을 보며 <묻는다|물었다>. \"무섭지 않아?\" 나는 잠시 생각하다가 <대답한다|대답했다>. \"솔직히 조금 무서워.\"",
        "comp@{comp}[이] <묻는다|물었다>. \"살아서 돌아가면 뭘 할 거야?\" 나는 웃으며 <대답한다|대답했다>. \"고향에 가서 빵집이나 차릴까 해.\"",
        "comp@{comp}[이] 하늘을 올려다보며 <중얼거린다|중얼거렸다>. \"내일 해 뜨는 걸 볼 수 있을까.\" 나는 대답하지 <못한다|못했다>.",
        "comp@{comp}[이] 모닥불에 손을 쬐며 길게 <한숨을 쉰다|한숨을 쉬었다>.",
        "comp@{comp}[이] 자기 술병을 말없이 <내민다|내밀었다>.",
        "comp@나는 {comp}에게 <말한다|말했다>. \"살아서 보자. 그거면 돼.\"",
    ]),
    "feel": _pool([
        "멀리서 적진의 북소리가 희미하게 <들려온다|들려왔다>.",
        "나는 고향에 두고 온 얼굴들을 하나씩 <떠올린다|떠올렸다>.",
        "<잠을 청해 보지만 눈이 좀처럼 감기지 않는다|잠을 청해 보았지만 눈이 좀처럼 감기지 않았다>.",
        "누군가 낮은 목소리로 고향 노래를 <흥얼거린다|흥얼거렸다>.",
        "모닥불 속에서 장작이 탁 소리를 내며 <갈라진다|갈라졌다>.",
        "막사 사이로 보초들의 발소리가 규칙적으로 <오간다|오갔다>.",
    ]),
    "end": _pool([
        "나는 {weapon}[을] 품에 안고 눈을 <감는다|감았다>.",
        "동쪽 하늘이 희미하게 밝아 오기 <시작한다|시작했다>.",
        "나는 살아서 돌아가겠다고 조용히 <다짐한다|다짐했다>.",
        "밤은 길고, 새벽은 너무 빨리 <온다|왔다>.",
    ]),
}
_EV_STAGES = [("open", 1.0), ("prep", 0.8), ("talk", 0.6), ("feel", 0.8), ("end", 0.8)]
_EV_BEATS = [
    ("blade", "{weapon}[을] 간다.", "나는 숫돌에 물을 붓고 {weapon}의 날을 천천히 <간다|갈았다>.", "talk"),
    ("", "갑옷을 손질한다.", "나는 갑옷의 찌그러진 곳을 망치로 두드려 <편다|폈다>.", "talk"),
    ("comp", "{comp_name} 곁에 앉는다.", "나는 모닥불 건너편의 {comp} 곁으로 가서 <앉는다|앉았다>.", "talk"),
    ("", "모닥불에 장작을 넣는다.",
     "나는 꺼져 가는 모닥불에 장작을 하나 더 <넣는다|넣었다>. 불꽃이 다시 높이 <솟는다|솟았다>.", "feel"),
    ("", "잠을 청한다.", "나는 망토를 덮고 누워 잠을 <청한다|청했다>.", "feel"),
    ("", "편지를 쓴다.", "나는 무릎 위에 양피지를 펴고 고향에 보낼 편지를 <쓴다|썼다>.", "feel"),
]


# ---------------------------------------------------------------------------
# Passage assembly
# ---------------------------------------------------------------------------

def _bind(rng: random.Random) -> tuple[dict, set]:
    """Choose the cast, weapon and place of one passage; return slots and tags."""
    tags: set = set()
    cat = rng.choice(list(_WEAPONS))
    tags.add(cat)
    if cat != "bow":
        tags.add("melee")
        if cat != "spear" and rng.random() < 0.5:
            tags.add("shield")
    slots: dict = {"weapon": rng.choice(_WEAPONS[cat])}
    if rng.random() < 0.6:
        role, kind = rng.choice(_COMP_ROLES)
        name = rng.choice(_NAMES)
        slots["comp"] = _Ref(f"{role} {name}", [name])
        slots["comp_name"] = name
        tags |= {"comp", "comp_" + kind}
        slots["us"] = "우리"
    else:
        slots["us"] = "나"
    foe = rng.choice(_FOES)
    name, kind, group, big, later, arms, extra = foe
    slots["them"] = _Ref(name, later)
    if group:
        front = ["맨 앞의 놈", "가장 가까운 놈", "한 놈", "앞선 놈"]
        slots["one"] = _Ref(f"{name} 가운데 {rng.choice(front)}", front, key="them")
    else:
        slots["one"] = _Ref(name, later, key="them")
    slots["arms"] = arms
    tags.add(kind)
    tags.add("group" if group else "single")
    if big:
        tags.add("big")
    if extra:
        tags.add(extra)
    slots["shout"] = rng.choice(_SHOUTS)
    slots["my_shout"] = rng.choice(_MY_SHOUTS)
    return slots, tags


def _pick_beat(rng: random.Random, beats, tags) -> tuple | None:
    fitting = [b for b in beats if all(t in tags for t in b[0].split(",") if t)]
    return rng.choice(fitting) if fitting else None


def _run(rng, pools, stages, tags, slots, beats, budget) -> tuple[list[str], str | None]:
    """Optionally open with an action beat, then walk the stages from where it leaves off."""
    tags = frozenset(tags)
    action = first = None
    start = 0
    if rng.random() < 0.4:
        beat = _pick_beat(rng, beats, tags)
        if beat:
            _, action, first, then = beat
            if isinstance(then, list):
                return _compose(rng, then, pools, tags, budget, first), action
            start = next(i for i, (name, _) in enumerate(stages) if name == then)
            # the stage a beat leads into always follows it
            stages = stages[:start] + [(then, 1.0)] + stages[start + 1:]
    elif rng.random() < 0.3 and len(stages) > 4:
        start = rng.randint(1, len(stages) // 2)
    return _compose(rng, stages[start:], pools, tags, budget, first), action


def _skirmish(rng: random.Random, budget: int) -> tuple[list[str], dict, str | None]:
    slots, tags = _bind(rng)
    loc, ptags, details = rng.choice(_PLACES)
    slots["loc"] = loc
    tags |= {t for t in ptags.split(",") if t}
    pools = dict(_SK)
    pools["place"] = _pool(details)
    time = rng.choice(["day", "night"])
    tags.add(time)
    pools["time"] = [] if "indoor" in tags else _pool(_TIME[time])
    if time == "night" or "indoor" in tags:
        tags.add("dark")
    templates, action = _run(rng, pools, _SK_STAGES, tags, slots, _SK_BEATS, budget)
    return templates, slots, action


def _siege(rng: random.Random, budget: int):
    slots, tags = _bind(rng)
    slots["loc"] = rng.choice(_SIEGE_PLACES)
    slots["army"] = rng.choice(_ARMIES)
    slots["cmd"] = rng.choice(_COMMANDERS).replace("{n}", rng.choice(_NAMES))
    slots["sline"] = rng.choice(_SG_LINES)
    templates, action = _run(rng, _SG, _SG_STAGES, tags, slots, _SG_BEATS, budget)
    return templates, slots, action


def _duel(rng: random.Random, budget: int):
    slots, tags = _bind(rng)
    if "bow" in tags:  # a duel is fought hand to hand
        tags = (tags - {"bow"}) | {"blade", "melee"}
        slots["weapon"] = rng.choice(_WEAPONS["blade"])
    epithet, name, pron = rng.choice(_RIVALS)
    slots["rival"] = _Ref(f"{epithet} {name}", [pron, name])
    slots["rweapon"] = rng.choice(_RIVAL_WEAPONS)
    loc, ptags, _ = rng.choice(_PLACES)
    slots["loc"] = loc
    tags |= {t for t in ptags.split(",") if t}
    slots["rline"] = rng.choice(_DU_RLINES)
    slots["dline"] = rng.choice(_DU_DLINES)
    templates, action = _run(rng, _DU, _DU_STAGES, tags, slots, _DU_BEATS, budget)
    return templates, slots, action


def _aftermath(rng: random.Random, budget: int):
    slots, tags = _bind(rng)
    slots["loc"] = rng.choice(_PLACES)[0]
    templates, action = _run(rng, _AF, _AF_STAGES, tags, slots, _AF_BEATS, budget)
    return templates, slots, action


def _eve(rng: random.Random, budget: int):
    slots, tags = _bind(rng)
    slots["loc"] = rng.choice(_EVE_PLACES)
    slots["army"] = rng.choice(_ARMIES)
    templates, action = _run(rng, _EV, _EV_STAGES, tags, slots, _EV_BEATS, budget)
    return templates, slots, action


_SCENES = [(_skirmish, 50), (_siege, 14), (_duel, 14), (_aftermath, 11), (_eve, 11)]

# A generated passage must contain at least one of these, so that a draw made
# only of scenery and mood ("the field is quiet") is not labelled battle.
_CUES = re.compile(
    "칼|검을|검이|검과|검에|검 끝|장검|단검|대검|쌍검|방패|화살|활을|시위|창을|창끝|창대|장창|미늘창|창병|도끼|"
    "철퇴|망치|적의|적이|적을|적들|적병|적진|적장|적군|공격|일격|베었|벤다|베어|막는|막았|막아|함성|상처|갑옷|"
    "투구|전장|승리|싸움|결투|무기|병사|피가|피를|피 묻|핏|놈|성벽|진영|군대|군단|제국군|달려들|덮쳐|덮친|"
    "에워|돌진|쓰러|전투|추격|사다리|공성"
)


def _generated(rng: random.Random) -> str | None:
    scene = rng.choices([s for s, _ in _SCENES], [w for _, w in _SCENES])[0]
    budget = rng.choice([3, 4, 4, 5, 5, 6, 7])
    templates, slots, action = scene(rng, budget)
    text = _finish(rng, templates, slots, action)
    if not 3 <= _count_sentences(text) <= 9 or not _CUES.search(text):
        return None
    return text


def passages(rng: random.Random) -> list[str]:
    """Hand-written passages first, then grammar passages until the byte target."""
    out: list[str] = []
    seen: set = set()
    size = 0
    for text in _HANDWRITTEN.strip().split("\n\n"):
        text = text.strip()
        out.append(text)
        seen.add(_near_key(text))
        size += len(text.encode("utf-8"))
    tries = 0
    while size < TARGET_BYTES and tries < 50_000:
        tries += 1
        text = _generated(rng)
        if text is None:
            continue
        n = len(text.encode("utf-8"))
        key = _near_key(text)
        if not MIN_BYTES <= n <= MAX_BYTES or key in seen:
            continue
        seen.add(key)
        out.append(text)
        size += n
    return out


# ---------------------------------------------------------------------------
# Hand-written passages (one blank line between passages)
# ---------------------------------------------------------------------------

_HANDWRITTEN = """
> 검을 뽑아 든다.
나는 허리춤의 검을 뽑아 들었다. 칼날에 달빛이 비쳐 푸르스름하게 빛났다. 덤불 속에서 산적 셋이 천천히 걸어 나왔다. 가장 앞선 자가 누런 이를 드러내며 웃었다. "혼자서 우리를 상대하겠다고?"

성벽 위로 첫 번째 사다리가 걸렸다. 나는 방패를 머리 위로 들어 쏟아지는 돌멩이를 막았다. 옆에서 창병 하나가 비명을 지르며 성벽 아래로 떨어졌다. 나는 사다리 끝을 붙잡고 온 힘을 다해 밀어냈다. 사다리가 천천히 기울더니 매달린 적병들과 함께 넘어갔다.

> 방패를 들어 막는다.
나는 방패를 들어 올렸다. 곧바로 도끼날이 방패 가장자리를 찍었고, 나무 조각이 얼굴로 튀었다. 팔이 저릿할 만큼 무거운 일격이었다. 나는 방패를 비틀어 도끼를 옆으로 흘려보내고 오크의 무릎을 걷어찼다.

새벽이 오기 전, 진영은 쥐 죽은 듯 조용하다. 나는 모닥불 곁에 앉아 숫돌로 칼날을 간다. 쇠와 돌이 스치는 소리만이 어둠 속에 규칙적으로 울린다. 건너편에서 늙은 용병 석주가 나를 지켜보다가 입을 연다. "날을 너무 세우면 쉽게 이가 나간다." 나는 고개를 끄덕이고 숫돌을 내려놓는다.

> 활시위를 당긴다.
나는 화살을 시위에 걸고 천천히 당긴다. 바람이 오른쪽에서 불어오고 있다. 숨을 멈추자 세상이 조용해진다. 손가락을 놓는 순간 화살이 날아가 늑대의 목덜미에 꽂힌다. 늑대는 한 번 비틀거리더니 눈 위에 쓰러진다.

다리는 좁았고, 적은 많았다. 하지만 그 좁음이 우리의 유일한 기회였다. 나는 다리 한가운데 버티고 서서 달려드는 적병을 하나씩 상대했다. 뒤에서 피난민들이 강을 건너는 발소리가 들렸다. 마지막 수레가 건너편에 닿을 때까지, 나는 한 걸음도 물러서지 않았다.

전투가 끝난 들판에는 까마귀 떼가 내려앉았다. 나는 부러진 창 자루를 지팡이 삼아 천천히 걸었다. 어제 함께 웃던 얼굴들이 진흙 속에 누워 있었다. 누군가 멀리서 이름을 부르며 울고 있었다. 나는 투구를 벗어 가슴에 안고 한참 동안 그 자리에 서 있었다.

> 주변을 살핀다.
나는 몸을 낮추고 주변을 살폈다. 동굴 벽에 긁힌 자국이 세 줄씩 나란히 나 있었다. 사람의 손톱으로는 낼 수 없는 깊이였다. 바닥에는 부러진 뼈와 녹슨 투구가 흩어져 있었다. 안쪽 어둠 어딘가에서 무언가 거대한 것이 숨을 쉬고 있었다.

용이 날개를 펼치자 광장 전체에 그림자가 드리운다. 사람들이 비명을 지르며 골목으로 흩어진다. 나는 분수대 뒤에 몸을 숨기고 창을 고쳐 쥔다. 뜨거운 숨결이 지나간 자리마다 돌바닥이 검게 그을린다. "지금이야!" 하윤의 외침에 나는 분수대를 박차고 뛰어나간다.

> 함성을 지른다.
나는 검을 높이 들고 목이 터져라 함성을 질렀다. 지쳐 있던 병사들이 하나둘 고개를 들었다. 누군가 따라 외쳤고, 곧 수십 명의 목소리가 하나가 되었다. 무너지던 대열이 다시 방패를 맞댔다. 적의 기병대가 그 함성 앞에서 잠시 머뭇거렸다.

흑기사는 투구를 벗지 않았다. 그는 대검을 땅에 꽂고 나를 향해 고개를 약간 숙였다. "정당한 결투를 원하나?" 목소리는 낮고 쇳소리가 섞여 있었다. 나는 대답 대신 검을 들어 예를 갖췄다. 구경하던 병사들이 숨을 죽이며 둥글게 물러섰다.

> 몸을 굴려 피한다.
나는 옆으로 몸을 굴렸다. 방금 내가 서 있던 자리에 트롤의 몽둥이가 떨어져 바닥의 돌이 산산이 부서졌다. 흙먼지가 눈에 들어가 앞이 흐려졌다. 나는 더듬더듬 일어나 칼을 앞으로 내밀었다. 트롤의 거친 숨소리가 바로 코앞에서 들렸다.

배가 크게 기울었다. 해적들이 갈고리를 던져 뱃전에 걸고 줄을 타고 건너오기 시작했다. 나는 젖은 갑판에 미끄러지지 않으려 돛대를 붙잡았다. 첫 번째 해적이 갑판에 발을 딛는 순간 내 칼이 그의 손목을 쳤다. 짧은 비명과 함께 그는 바다로 떨어졌다.

"칼을 너무 꽉 쥐지 마라." 스승은 목검으로 내 손등을 가볍게 툭 쳤다. "새를 쥐듯이 쥐어라. 너무 세게 쥐면 죽고, 너무 약하게 쥐면 날아간다." 나는 손의 힘을 조금 풀었다. 그러자 이상하게도 검 끝이 한결 가볍게 움직였다. 스승이 처음으로 고개를 끄덕였다.

> 상처를 동여맨다.
나는 망토 자락을 이로 찢어 허벅지의 상처를 단단히 동여맸다. 천이 금세 붉게 젖어 들었다. 이를 악물고 매듭을 한 번 더 조였다. 통증이 머리끝까지 치밀었지만 피는 조금씩 멎어 갔다. 멀리서 아직 추격대의 뿔피리 소리가 들렸다.

사막의 밤은 낮만큼이나 잔인하다. 모래 언덕 너머에서 약탈자들의 횃불이 다가온다. 나는 낙타 뒤에 엎드려 초승달 칼의 날을 확인한다. 함께 온 상인들은 떨면서 짐 꾸러미를 끌어안고 있다. 나는 그들에게 손짓으로 조용히 하라고 이른다. 횃불이 스무 걸음 앞까지 다가왔을 때, 나는 모래를 박차고 일어선다.

해골 병사들은 지치지 않았다. 쓰러뜨려도 뼈마디가 다시 맞춰지며 일어섰다. 마법사 은채가 뒤에서 외쳤다. "머리를 부숴! 머리뼈 안의 불빛을 꺼야 해!" 나는 철퇴를 크게 휘둘러 가장 가까운 놈의 머리뼈를 박살 냈다. 푸른 불씨가 연기처럼 흩어지고, 뼈 무더기가 와르르 무너졌다.

> 횃불을 던진다.
나는 들고 있던 횃불을 거미줄 한가운데로 던졌다. 불길이 순식간에 끈적한 줄을 타고 번졌다. 천장에 매달려 있던 거대한 거미가 날카로운 소리를 지르며 떨어졌다. 여덟 개의 다리가 허공을 허우적거렸다. 나는 그 틈에 달려들어 검을 내리꽂았다.

눈보라 속에서 적과 아군을 구별하기란 쉽지 않다. 하얀 어둠 속에서 갑자기 칼날 하나가 튀어나온다. 나는 본능적으로 고개를 젖혀 피한다. 상대의 망토에 수놓인 붉은 독수리가 눈에 들어온다. 제국군이다. 나는 망설이지 않고 검을 휘두른다.

싸움이 끝나고 나서야 손이 떨리기 시작했다. 나는 피 묻은 장갑을 벗어 바닥에 던졌다. 도윤이 다가와 말없이 물통을 건넸다. 물은 미지근하고 쇠 맛이 났지만 그보다 달콤한 것은 없었다. "살았네." 그가 말했다. "응, 살았어." 나는 겨우 대답했다.

> 동료를 부른다.
"지호야!" 나는 목청껏 소리쳤다. 연기 너머에서 대답 대신 쇳소리가 울렸다. 나는 불붙은 들보를 뛰어넘어 소리 나는 쪽으로 달렸다. 지호는 벽에 등을 붙인 채 도적 셋을 상대하고 있었다. 나는 가장 뒤에 선 도적의 등을 향해 칼을 내질렀다.

성문이 열린 것은 내부의 배신 때문이었다. 누군가 빗장을 풀었고, 적의 기병대가 물밀듯 쏟아져 들어왔다. 나는 부하 열 명과 함께 안뜰 입구를 막아섰다. "창을 세워라!" 내 외침에 병사들이 창끝을 일제히 앞으로 겨눴다. 첫 번째 말이 창벽에 부딪히며 울부짖었다.

늪의 물이 갑자기 부풀어 오른다. 진흙을 뒤집어쓴 거대한 머리가 수면 위로 솟아오른다. 이무기다. 노란 눈동자가 나를 천천히 훑는다. 나는 창을 겨눈 채 뒷걸음질 치지만, 진흙이 발목을 놓아주지 않는다.

> 뒤로 물러선다.
나는 두 걸음 뒤로 물러섰다. 흑기사의 대검이 코앞의 허공을 갈랐다. 바람만으로도 뺨이 따끔했다. 그는 서두르지 않았다. 대검을 다시 어깨에 올리며 내가 지칠 때를 기다리고 있었다.

전령이 피투성이가 된 채 진영으로 뛰어들어왔다. "북쪽 고개가 뚫렸습니다!" 막사 안의 모든 눈이 대장에게로 쏠렸다. 대장은 지도 위에 손가락을 올려놓고 잠시 말이 없었다. 이윽고 그가 나를 보았다. "기병 스무 명을 데리고 가라. 해가 뜨기 전까지 버텨야 한다."

나는 부러진 검을 내려다보았다. 아버지에게서 물려받은 검이었다. 칼날은 손잡이에서 한 뼘 되는 곳에서 깨끗하게 부러져 있었다. 적의 도끼에 맞선 대가였다. 나는 부러진 조각을 천에 싸서 품에 넣었다. 언젠가 대장장이에게 가져가 다시 벼리리라 마음먹었다.

> 매복한다.
나는 갈대숲에 몸을 숨기고 숨을 죽였다. 물가의 진흙이 무릎을 차갑게 적셨다. 잠시 후 말발굽 소리가 다가왔다. 선두에 선 기병의 창끝이 갈대 사이로 보였다. 나는 손을 들어 활잡이들에게 신호를 보냈다.

오크 족장은 내 키의 두 배쯤 되어 보였다. 녀석은 사람의 해골로 장식한 목걸이를 흔들며 웃었다. 그 웃음소리에 뒤에 늘어선 오크들이 창으로 방패를 두드렸다. 둥, 둥, 둥. 땅이 울릴 만큼 거센 소리였다. 나는 방패 손잡이를 고쳐 잡고 한 걸음 앞으로 나섰다.

화살이 비처럼 쏟아진다. 나는 방패 아래로 몸을 웅크린다. 방패에 화살이 박힐 때마다 둔탁한 소리가 팔을 울린다. 옆의 병사가 신음하며 어깨에 박힌 화살을 움켜쥔다. "조금만 더 버텨!" 나는 그의 방패까지 끌어당겨 함께 머리 위로 치켜든다.

> 검을 간다.
나는 숫돌에 물을 붓고 검을 천천히 갈기 시작했다. 쓱, 쓱. 이 소리를 들으면 마음이 가라앉았다. 내일이면 이 칼날로 사람을 베어야 했다. 나는 손을 멈추고 날에 비친 내 얼굴을 들여다보았다. 낯선 사람의 눈이 나를 마주 보고 있었다.

폐허가 된 신전 한가운데, 망령 기사가 무릎을 꿇고 있었다. 녹슨 갑옷 틈새로 푸른 불빛이 새어 나왔다. 내가 발을 들이자 그가 천천히 고개를 들었다. "누가 내 잠을 깨우는가." 목소리는 수백 년의 먼지를 머금은 것처럼 갈라져 있었다.

적장의 목을 벤 것은 내가 아니었다. 열여섯 살짜리 견습 기사 시우였다. 소년은 자기가 한 일을 믿지 못하겠다는 얼굴로 피 묻은 검을 내려다보았다. 병사들이 환호하며 그를 어깨 위로 들어 올렸다. 그 사이에서도 시우의 손은 계속 떨리고 있었다.

> 적에게 달려든다.
나는 땅을 박차고 달려들었다. 산적 두목이 당황하여 도끼를 들어 올렸지만 이미 늦었다. 내 어깨가 그의 가슴팍을 들이받았다. 우리는 함께 바닥을 뒹굴었다. 나는 먼저 일어나 그의 손에서 떨어진 도끼를 멀리 걷어찼다.

안개가 걷히자 강 건너편이 드러났다. 그곳에는 우리보다 세 배는 많은 적군이 진을 치고 있었다. 병사들 사이로 웅성거림이 번졌다. 나는 말 위에 오른 채 대열 앞을 천천히 오갔다. "숫자는 중요하지 않다. 저들은 땅을 빼앗으러 왔고, 우리는 집을 지키러 왔다." 웅성거림이 조금씩 잦아들었다.

탑의 나선 계단은 끝이 없는 것 같다. 위층에서 돌멩이 구르는 소리가 들린다. 나는 벽에 등을 붙이고 한 칸씩 올라간다. 모퉁이를 도는 순간 창끝이 불쑥 튀어나온다. 나는 창대를 붙잡아 세게 잡아당기고, 균형을 잃은 경비병이 계단 아래로 굴러떨어진다.

> 방패로 밀친다.
나는 방패를 앞세우고 몸을 던졌다. 쾅 하는 소리와 함께 고블린 둘이 한꺼번에 나동그라졌다. 놈들은 찍찍거리며 짧은 다리로 일어서려 버둥거렸다. 나는 그 틈을 놓치지 않고 통로 안쪽으로 밀고 들어갔다.

전쟁은 끝났다고 했다. 그러나 국경 마을 사람들은 여전히 밤마다 문을 걸어 잠갔다. 패잔병들이 산적이 되어 숲을 떠돌았기 때문이다. 나는 촌장에게서 은화 몇 닢을 받고 다시 칼을 들었다. 싸움은 언제나 끝난 뒤에도 끝나지 않았다.

말이 쓰러졌다. 나는 안장에서 튕겨 나가 흙바닥을 굴렀다. 귀가 멍하고 입안에서 흙 맛이 났다. 고개를 들자 적의 기병 하나가 창을 내리꽂으려 하고 있었다. 나는 손에 잡히는 대로 부러진 깃대를 들어 그 창을 쳐냈다.

> 포위망을 뚫는다.
나는 가장 얇아 보이는 적진의 왼쪽을 향해 돌진했다. 방패로 한 놈을 밀치고, 칼로 또 한 놈의 창을 쳐냈다. 누군가의 칼끝이 내 옆구리를 스쳤지만 멈출 수 없었다. 뒤에서 동료들이 내가 연 틈으로 쏟아져 나왔다. 몇 걸음만 더 가면 숲이었다.

대장장이 범수는 전쟁이 나자 망치를 내려놓고 도끼를 들었다. 그는 칼 쓰는 법은 몰랐지만 쇠를 때리는 법은 누구보다 잘 알았다. 그의 도끼가 내려칠 때마다 적의 방패가 쪼개졌다. "이건 모루질보다 쉽구먼!" 그는 땀범벅이 된 얼굴로 껄껄 웃었다.

동굴 깊은 곳에서 용이 눈을 떴다. 금화 더미가 녀석의 숨결에 따라 오르내렸다. 나는 바위 뒤에 몸을 숨긴 채 방패 안쪽에 새겨진 문양을 손끝으로 더듬었다. 불을 막아 준다는 고대의 문양이었다. 그것이 정말 효과가 있는지 곧 알게 될 것이었다.

> 화살을 피해 엎드린다.
나는 땅바닥에 바짝 엎드렸다. 머리 위로 화살 몇 대가 쉭쉭 소리를 내며 지나갔다. 하나가 바로 옆 나무 둥치에 박혀 부르르 떨었다. 나는 고개를 조금 들어 화살이 날아온 방향을 가늠했다. 언덕 위 바위 틈에서 활을 든 그림자가 움직이고 있었다.

결투는 해가 중천에 떴을 때 시작되었다. 상대는 동쪽 왕국 최고의 검사라 불리는 백련이었다. 그녀의 검은 가늘고 빨랐다. 첫 합에서 내 뺨에 가는 선이 그어졌다. 구경꾼들 사이에서 탄성이 터져 나왔다. 나는 뺨을 타고 흐르는 피를 손등으로 닦고 자세를 낮췄다.

항구의 창고에 불이 붙었다. 바닷바람을 타고 불길이 지붕에서 지붕으로 건너뛰었다. 나는 연기 속에서 해적 선장을 찾았다. 그는 부두 끝에서 훔친 궤짝을 배에 싣게 하고 있었다. 나는 칼을 뽑아 들고 부두 위를 달렸다. 판자 사이로 검은 바닷물이 출렁였다.

> 말에 오른다.
나는 등자에 발을 걸고 말 위로 뛰어올랐다. 말이 거친 콧김을 내뿜으며 앞발을 들었다. 나는 고삐를 당겨 말머리를 적진 쪽으로 돌렸다. 뒤에서 기병들이 하나둘 말에 오르는 소리가 들렸다. 창끝이 아침 햇살에 일제히 반짝였다.

나는 죽은 적병의 얼굴을 처음으로 제대로 보았다. 나와 비슷한 나이의 청년이었다. 그의 목에는 작은 나무 부적이 걸려 있었다. 누군가 그가 무사히 돌아오기를 빌며 깎아 준 것이리라. 나는 부적을 그의 손에 쥐여 주고 눈을 감겨 주었다.

"오른쪽!" 외침이 들린 것과 동시에 나는 방패를 오른쪽으로 돌렸다. 철퇴가 방패에 부딪혀 귀가 찢어질 듯한 소리를 냈다. 충격에 몸이 반쯤 돌아갔다. 나는 그 회전을 그대로 이용해 칼을 휘둘렀다. 칼날이 적의 허벅지를 깊게 갈랐다.

> 숨을 고른다.
나는 벽에 등을 기대고 숨을 골랐다. 심장이 갈비뼈를 부술 듯 뛰고 있었다. 손등으로 이마의 땀을 닦자 피가 함께 묻어났다. 내 피인지 적의 피인지 알 수 없었다. 복도 저편에서 다시 발소리가 가까워지고 있었다.

설산의 능선 위에서 우리는 마지막 진을 쳤다. 바람은 칼날처럼 차가웠고 손가락은 이미 감각을 잃었다. 아래쪽 계곡에서 적의 횃불이 뱀처럼 구불구불 올라왔다. 한결이 얼어붙은 활시위를 입김으로 녹이며 중얼거렸다. "올라오기만 해 봐라. 여긴 우리 땅이다."

나무 칼끼리 부딪히는 소리가 훈련장에 울린다. 나는 열 번째로 바닥에 쓰러진다. 교관은 나를 내려다보며 혀를 찬다. "발이 늦다. 네 검은 빠른데 발이 따라오지 못해." 나는 흙을 털며 일어선다. 다시 칼을 들자 교관의 입꼬리가 살짝 올라간다.

> 성벽 위로 올라간다.
나는 사다리를 타고 성벽 위로 올라갔다. 성가퀴 사이로 내다보니 적의 공성탑이 천천히 다가오고 있었다. 수십 마리의 소가 그 거대한 나무탑을 끌고 있었다. 탑 꼭대기에서는 벌써 활잡이들이 시위를 당기고 있었다. 나는 몸을 숙이며 옆 병사에게 외쳤다. "기름을 끓여라!"

적의 검이 내 투구를 때렸다. 세상이 하얗게 번쩍이며 한쪽으로 기울었다. 나는 무릎을 꿇었다가 칼을 땅에 짚고 간신히 버텼다. 귀에서 윙윙거리는 소리가 멈추지 않았다. 흐릿한 시야 속에서 적이 두 번째 일격을 위해 검을 치켜드는 것이 보였다.

늑대들은 사냥하는 법을 알았다. 한 마리가 정면에서 으르렁거리며 시선을 끄는 동안, 나머지가 양옆으로 조용히 돌아 들어왔다. 나는 등 뒤의 바위에 바짝 붙었다. 적어도 뒤에서 덮쳐 오지는 못할 것이다. 왼쪽의 늑대가 먼저 뛰어올랐다.

> 적장을 노린다.
나는 난전 속에서 붉은 깃털 투구를 찾았다. 적장은 말 위에서 병사들을 다그치고 있었다. 나는 앞을 막는 창병 둘을 베어 넘기고 그에게로 곧장 나아갔다. 그가 나를 알아보고 말머리를 돌렸다. 우리 사이에는 이제 아무도 없었다.

밤새 비가 내렸다. 참호 바닥에 고인 흙탕물이 발목까지 찼다. 병사들은 방패를 지붕 삼아 웅크리고 잠을 청했다. 나는 보초를 서며 빗소리 사이로 다른 소리가 섞이지 않는지 귀를 기울였다. 새벽녘, 빗소리 속에서 쇠사슬이 절그럭거리는 소리가 들렸다.

그 용병은 자신을 칼바람이라고만 불렀다. 진짜 이름을 묻자 그는 웃기만 했다. 그러나 싸움이 시작되자 왜 그런 이름이 붙었는지 알 수 있었다. 그의 쌍검은 바람처럼 눈에 보이지 않았다. 적들은 무엇에 베였는지도 모르는 얼굴로 쓰러졌다.

> 방패벽을 세운다.
"방패벽!" 나는 목이 터져라 외쳤다. 병사들이 어깨를 맞대고 방패를 겹쳐 세웠다. 나무와 쇠가 맞물리며 하나의 벽이 되었다. 잠시 후 적의 돌격대가 그 벽에 부딪혔다. 벽이 휘청였지만 무너지지는 않았다.

전쟁터의 아침은 이상하게 고요하다. 밤새 울부짖던 부상병들의 목소리도 잦아들었다. 안개 속에서 누군가 솥에 물을 끓이는 소리가 난다. 나는 칼을 무릎에 올려놓고 떠오르는 해를 본다. 오늘도 살아서 해를 볼 수 있을까. 그런 생각을 하다가 고개를 젓는다.

광산 갱도 안에서 도깨비들이 횃불을 들고 몰려왔다. 놈들의 쇠방망이가 갱도 벽을 긁을 때마다 불똥이 튀었다. 나는 좁은 통로 한가운데 버티고 섰다. 이곳에서는 한 번에 한 놈밖에 올 수 없었다. 첫 번째 도깨비가 방망이를 휘두르며 달려들었다.

> 칼을 거둔다.
나는 칼을 거두어 칼집에 넣었다. 무릎을 꿇은 산적은 믿을 수 없다는 눈으로 나를 올려다보았다. "가라. 다시는 이 길에 나타나지 마라." 그는 비틀거리며 일어나 숲 속으로 달아났다. 등 뒤에서 세린이 한숨을 쉬었다. "언젠가 그 자비가 너를 죽일 거야."

폭풍이 몰아치는 갑판 위에서 검을 휘두르는 것은 미친 짓이다. 발밑이 끊임없이 기울고 파도가 난간을 넘어 덮친다. 그래도 해적들은 멈추지 않는다. 나는 밧줄 하나를 팔에 감아 몸을 고정한 채 다가오는 칼을 쳐낸다. 번개가 칠 때마다 적의 얼굴이 하얗게 드러났다가 사라진다.

성주의 딸이 직접 활을 들고 성벽에 올랐다. 병사들은 처음에는 놀랐지만 곧 말을 잃었다. 그녀가 쏜 화살은 단 한 번도 빗나가지 않았다. 적의 깃발을 든 기수가 쓰러지자 성벽 위에서 환호성이 터졌다. 그녀는 표정 하나 바꾸지 않고 다음 화살을 꺼냈다.

> 창을 던진다.
나는 창을 어깨 위로 들어 힘껏 던졌다. 창은 포물선을 그리며 날아가 와이번의 날개막을 꿰뚫었다. 와이번이 허공에서 균형을 잃고 빙글빙글 돌며 떨어졌다. 땅에 떨어진 녀석이 꼬리를 미친 듯이 휘둘렀다. 나는 허리춤의 단검을 뽑아 들고 조심스럽게 다가갔다.

그날 우리는 이겼다. 그러나 승리의 함성은 오래가지 않았다. 부대원의 절반이 돌아오지 못했다. 해 질 녘, 우리는 언덕 위에 작은 돌무덤들을 쌓았다. 누군가 낮은 목소리로 고향의 노래를 부르기 시작했고, 하나둘 그 노래를 따라 불렀다.

막사 안에서 지도를 펼친 채 우리는 밤을 새웠다. 적은 협곡을 지나 올 것이었다. 길이 좁으니 수가 많아도 한꺼번에 덮쳐 올 수는 없었다. "협곡 위에 바위를 쌓아 둬." 대장이 말했다. "놈들이 절반쯤 들어왔을 때 굴린다."

> 동료를 부축한다.
나는 쓰러진 도현의 팔을 내 어깨에 걸쳤다. 그는 다리를 다쳐 제대로 서지 못했다. "날 두고 가." 그가 헐떡이며 말했다. "시끄러워." 나는 그를 반쯤 끌다시피 하며 골목 안으로 들어갔다. 등 뒤에서 추격자들의 발소리가 가까워지고 있었다.

적의 투석기가 쏜 바위가 망루를 정통으로 맞혔다. 망루는 잠시 버티는 듯하더니 천천히 무너져 내렸다. 그 위에 있던 궁수들의 비명이 돌 부서지는 소리에 묻혔다. 나는 흙먼지를 뒤집어쓴 채 무너진 잔해 쪽으로 달려갔다. 돌무더기 아래에서 누군가의 손이 꿈틀거리고 있었다.

그 검은 가벼웠다. 너무 가벼워서 처음에는 장난감인 줄 알았다. 그러나 한 번 휘두르자 공기가 갈라지는 소리가 달랐다. 노인은 말했다. "이 검은 주인을 고른다. 네가 겁을 먹으면 무거워지고, 용기를 내면 가벼워지지."

> 다리를 끊는다.
나는 도끼를 들어 다리를 붙들고 있는 굵은 밧줄을 내리찍었다. 한 번, 두 번. 세 번째에 밧줄이 끊어지며 다리 한쪽이 기울었다. 건너오던 오크들이 비명을 지르며 계곡 아래로 떨어졌다. 건너편에 남은 놈들이 분노에 차서 괴성을 질렀다.

흙먼지 속에서 두 군대가 맞부딪쳤다. 창과 창이 얽히고, 방패와 방패가 부딪쳤다. 나는 앞사람의 등에 밀려 앞으로, 또 앞으로 나아갔다. 발밑에 무엇이 밟히는지 내려다볼 여유도 없었다. 오직 앞에 있는 적의 눈만이 보였다.

상처가 덧나 열이 올랐다. 나는 마구간 짚더미 위에 누워 천장의 거미줄을 바라보았다. 사제 서아가 이마에 찬 수건을 얹어 주었다. "사흘만 누워 있어." 그녀가 말했다. "전쟁은 너 없이도 사흘은 기다려 줄 거야."

> 문을 걷어찬다.
나는 힘껏 문을 걷어찼다. 낡은 빗장이 부러지며 문이 안쪽으로 벌컥 열렸다. 방 안에 있던 자객 둘이 동시에 고개를 돌렸다. 그들 사이의 탁자 위에는 왕의 인장이 찍힌 편지가 놓여 있었다. 나는 칼을 뽑으며 방 안으로 뛰어들었다.

처음으로 사람을 벤 밤, 나는 잠을 이루지 못했다. 눈을 감으면 칼날이 살을 가르던 감촉이 손에 되살아났다. 새벽녘에 늙은 기사가 내 곁에 와 앉았다. 그는 아무 말 없이 자기 술병을 내밀었다. 나는 한 모금 마시고 쿨럭였다. 그가 내 등을 두어 번 두드려 주었다.

거대한 전갈이 모래 속에서 솟아올랐다. 집게발 하나가 내 방패를 붙잡아 비틀었다. 방패 손잡이가 손목을 꺾을 듯 돌아갔다. 나는 방패를 놓아 버리고 굴러서 독침을 피했다. 독침이 모래에 꽂히며 김이 피어올랐다.

> 깃발을 올린다.
나는 찢어진 깃발을 주워 부러진 창대에 다시 묶었다. 그리고 무너진 성벽 꼭대기에 올라 깃발을 높이 세웠다. 바람이 깃발을 활짝 펼쳤다. 아래에서 싸우던 병사들이 하나둘 고개를 들어 그것을 보았다. "아직 성은 떨어지지 않았다!" 누군가 외쳤다.

그는 내게 단 하나만 가르쳤다. 막는 법이었다. 석 달 동안 나는 칼을 휘두르지 못하고 막기만 했다. 팔에 멍이 가실 날이 없었다. 석 달째 되는 날, 그가 처음으로 진검을 들고 나를 공격했다. 나는 그의 모든 공격을 막아 냈다. 그는 검을 거두며 말했다. "이제 베는 법을 배워도 된다."

적의 기사가 말에서 떨어지며 투구가 벗겨졌다. 투구 아래에서 드러난 것은 백발이 성성한 노인의 얼굴이었다. 그는 숨을 헐떡이며 나를 올려다보았다. "어서 끝내라, 젊은이." 나는 칼끝을 그의 목에서 거두었다. 노인의 눈이 놀라움으로 커졌다.

> 불화살을 쏜다.
나는 화살촉에 기름 먹인 천을 감고 횃불에 댔다. 불이 붙자 곧바로 시위를 당겨 적의 공성탑을 향해 쏘았다. 불화살이 밤하늘에 주황빛 선을 그었다. 공성탑의 젖은 가죽 덮개 사이로 작은 불꽃이 피어올랐다. 나는 두 번째 화살에 불을 붙였다.

마을 사람들은 무기를 들어 본 적이 없었다. 쇠스랑과 낫, 몽둥이가 그들이 가진 전부였다. 나는 그들을 우물가에 모아 놓고 가장 간단한 것부터 가르쳤다. "혼자 싸우지 마라. 셋이 함께 움직여라. 한 명이 막고, 두 명이 찔러라." 농부들의 굳은 얼굴에 조금씩 결의가 서렸다.

하늘을 가르는 뿔나팔 소리가 세 번 울렸다. 퇴각 신호였다. 나는 눈앞의 적을 밀어내고 뒤로 물러서기 시작했다. 서두르면 등을 보이게 되고, 등을 보이면 죽는다. 나는 방패를 앞으로 든 채 한 걸음씩, 천천히 뒷걸음질 쳤다.

> 투구를 벗는다.
나는 투구를 벗어 옆구리에 끼었다. 땀에 젖은 머리카락 사이로 차가운 바람이 스며들었다. 전장은 이미 조용해져 있었다. 멀리 언덕 위에서 우리 깃발이 천천히 올라가고 있었다. 그제야 나는 우리가 이겼다는 것을 실감했다.

도적들의 소굴은 생각보다 깊었다. 갈림길마다 함정이 있었다. 석주가 바닥의 가느다란 줄을 발견하고 손을 들어 우리를 멈춰 세웠다. 그가 칼끝으로 줄을 끊자 천장에서 녹슨 창날들이 우르르 떨어져 내렸다. 우리는 서로의 얼굴을 쳐다보고 식은땀을 닦았다.

검과 검이 맞물린 채 멈췄다. 코앞에서 적의 눈이 이글거렸다. 우리는 서로를 밀어내려 온 힘을 쏟았다. 칼날이 부르르 떨며 쇳소리를 냈다. 나는 갑자기 힘을 빼며 옆으로 비켜섰다. 앞으로 쏠린 적이 균형을 잃고 휘청거렸다.

> 쓰러진 적을 살핀다.
나는 쓰러진 자객 곁에 무릎을 꿇고 그의 복면을 벗겼다. 얼굴에 낯익은 흉터가 있었다. 석 달 전 성 안뜰에서 마주쳤던 시종이었다. 그의 품 안에서 작은 가죽 주머니가 떨어졌다. 주머니 속에는 검은 독초 가루가 들어 있었다.

황혼이 전장을 붉게 물들인다. 피와 노을의 색이 구분되지 않는다. 나는 칼자루를 쥔 손을 펴려 하지만 손가락이 말을 듣지 않는다. 굳어 버린 손가락을 하나씩 떼어 내자 칼이 땅에 툭 떨어진다. 그제야 온몸의 상처가 일제히 아파 오기 시작한다.

"기사님, 정말 저 용과 싸우실 건가요?" 양치기 소년이 내 망토 자락을 붙잡고 물었다. 나는 소년의 머리를 쓰다듬었다. "누군가는 해야 하니까." 사실 내 무릎도 조금 떨리고 있었다. 나는 그것을 들키지 않으려고 일부러 천천히 말에 올랐다.

> 함정을 판다.
나는 좁은 산길 한가운데에 구덩이를 파기 시작했다. 하윤이 옆에서 뾰족하게 깎은 말뚝을 건네주었다. 우리는 말뚝을 구덩이 바닥에 꽂고 그 위를 나뭇가지와 낙엽으로 덮었다. 해가 질 무렵, 함정은 주변 길과 구별되지 않았다. 이제 기다리는 일만 남았다.

대검은 무겁다. 한 번 휘두르면 다시 들어 올리는 데 시간이 걸린다. 그래서 대검을 든 자는 한 번의 일격에 모든 것을 건다. 나는 적이 그 일격을 끌어내려 일부러 빈틈을 보인다는 것을 알면서도 대검을 휘두른다. 그리고 그 일격은 빗나가지 않는다.

국경의 탑에 봉화가 올랐다. 하나, 둘, 셋. 산등성이를 따라 불길이 차례로 이어졌다. 적이 국경을 넘었다는 뜻이었다. 나는 잠자리에서 벌떡 일어나 갑옷 끈을 묶었다. 밖에서는 벌써 말들이 투레질하는 소리가 들렸다.

> 갑옷을 입는다.
나는 사슬 갑옷을 머리 위로 뒤집어썼다. 쇠고리들이 차르르 소리를 내며 어깨 위로 내려앉았다. 그 위에 가죽 조끼를 걸치고 허리띠를 단단히 조였다. 마지막으로 검을 차자 몸이 한결 무거워졌다. 그 무게가 이상하게도 마음을 가라앉혀 주었다.

적의 마법사가 지팡이를 들어 올리자 하늘이 어두워졌다. 구름 사이로 번개가 내리꽂혀 우리 진영의 깃대를 쪼갰다. 병사들이 겁에 질려 웅성거렸다. 은채가 앞으로 나서며 자신의 지팡이를 땅에 꽂았다. "내가 막을게. 너희는 저놈한테 가." 그녀의 주위로 푸른 빛의 막이 펼쳐졌다.

> 적의 뒤로 돌아간다.
나는 바위 그림자를 따라 적의 뒤쪽으로 살금살금 돌아갔다. 보초는 하품을 하며 창에 기대어 있었다. 나는 숨을 멈추고 그의 등 뒤로 한 걸음, 또 한 걸음 다가갔다. 마른 잎 하나가 발밑에서 바스락거렸다. 보초가 고개를 돌렸다.
"""
