"""``adventure new``: a small, commented, valid pack that plays at once and shows the main keys.

The files carry a ``# yaml-language-server: $schema=...`` modeline that points at the JSON Schema
committed with the installed package (a path relative to the new pack when one exists, else a file URI),
so editors with yaml-language-server complete and check keys from the first keystroke.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..packs.schema_files import SCHEMA_DIR

ID_RE = re.compile(r"^[A-Za-z0-9_\-\uac00-\ud7a3]+$")


class ScaffoldError(Exception):
    """The folder cannot be used (not empty, not a folder, bad id); str() is one readable sentence."""


def pack_id_for(folder: Path) -> str:
    """A valid pack id made from the folder name (characters outside the id pattern become '-')."""
    name = re.sub(r"[^A-Za-z0-9_\-\uac00-\ud7a3]+", "-", folder.resolve().name).strip("-")
    return name or "my-pack"


def schema_ref(pack_dir: Path, name: str) -> str:
    """How a file in ``pack_dir`` names the committed schema ``name``: relative when possible."""
    target = (SCHEMA_DIR / name).resolve()
    try:
        rel = os.path.relpath(target, pack_dir.resolve())
    except ValueError:  # another drive on Windows
        return target.as_uri()
    return Path(rel).as_posix()


PACK_YAML = """\
# yaml-language-server: $schema=__PACK_SCHEMA__
# 이야기 팩의 머리 파일(manifest)입니다. 키 설명은 docs/ko/format.md 에 있습니다.
# 바꾼 뒤에는 `adventure validate 폴더` 로 검사하고 `adventure playtest 폴더` 로 모든 장면이 닿는지 봅니다.

id: __ID__            # 팩의 고유 이름 (영문자, 숫자, 한글, -, _). 저장 파일이 이 이름을 씁니다.
title: __TITLE__
version: 1            # 내용을 크게 바꾸면 올리세요. 옛 저장을 불러올 때 알려 줍니다.
language: ko
author: 이름을 적으세요
description: 한 줄 소개를 적으세요.
start: gate           # 처음 들어가는 장면의 id

includes:             # 장면과 세계 정보를 다른 파일로 나눌 수 있습니다 (* 같은 패턴도 됩니다).
  - scenes.yaml
  - world.yaml

# 게임 상태: 짧게 `이름: 기본값` 으로 쓰면 타입을 기본값에서 알아냅니다.
# inventory(소지품 집합)는 따로 선언하지 않아도 있습니다: `get 열쇠`, `has 열쇠`.
state:
  courage: {type: int, default: 1, min: 0, max: 5, description: 용기}
  knows_secret: false

# 이야기꾼(언어 모델)에게 주는 설정입니다. 모델이 없으면 각 장면의 fallback 글이 대신 나옵니다.
narrator:
  memory: |
    나는 오래된 성문 앞에 선 나그네다. 성 안에 잠든 종을 다시 울려야 한다.
  author_note: 차분하고 신비로운 분위기. 1인칭 해라체로 짧게 서술한다.
  model: bundled
  sampling:
    temperature: 0.8
  free_text_fallback:   # 모델 없이 자유 행동을 했을 때 돌아가며 나오는 글
    - 나는 잠시 숨을 고르고 주위를 살폈다. 바람이 돌벽을 쓸고 지나갔다.
    - 멀리서 까마귀가 울었다. 나는 해야 할 일을 다시 떠올렸다.
"""

SCENES_YAML = """\
# yaml-language-server: $schema=__INCLUDE_SCHEMA__
# 장면들: 장면 id 아래에 title, text, on_enter, narrate, choices, ending 을 씁니다.
scenes:
  gate:
    title: 성문 앞
    text: |
      나는 이끼 낀 성문 앞에 서 있다. 문은 반쯤 열려 있고, 안쪽에서 찬 바람이 흘러나온다.
    choices:
      - text: 성문 옆 초소를 살펴본다
        once: true                      # 한 번 고르면 다시 나오지 않습니다
        effects: [get 열쇠]              # 효과: get/lose, =, +=, -=
        say: 초소 바닥에서 녹슨 열쇠 하나를 주웠다.
      - text: 성 안마당으로 들어간다
        goto: courtyard

  courtyard:
    title: 안마당
    text: |
      안마당에는 마른 분수가 있고, 그 너머로 종탑이 보인다. 종탑 문에는 자물쇠가 걸려 있다.
    narrate:                            # 모델이 이어서 서술할 부분. fallback 은 꼭 써야 합니다.
      prompt: "나는 안마당에 서서 종탑을 올려다보았다. 용기는 {courage}만큼 남아 있다."
      fallback: |
        종탑 꼭대기에서 무언가 희미하게 반짝였다. 나는 그것이 잠든 종이라는 것을 알았다.
      steer: {미스터리: 0.4}             # 분위기 조절: 속성 이름과 세기(-1~1)
    choices:
      - text: 분수 바닥의 글씨를 읽는다
        when: not knows_secret          # 조건이 참일 때만 보이는 선택지
        effects: [knows_secret = true, courage += 1]
        say: 글씨는 이렇게 말했다. "종은 두려움 없는 손이 울린다."
      - text: 열쇠로 종탑 문을 연다
        when: has 열쇠
        goto: bell_tower
      - text: 자물쇠를 부수려고 애쓴다
        effects: [courage -= 1]
        say: 자물쇠는 꿈쩍도 하지 않았다. 손바닥만 얼얼했다.
      - text: 겁이 나서 성을 떠난다
        goto: leave

  bell_tower:
    title: 종탑
    steer: {미스터리: 0.6}
    text: |
      좁은 계단 끝에 커다란 청동 종이 매달려 있다. 먼지 속에 밧줄 한 가닥이 늘어져 있다.
    choices:
      - text: 밧줄을 힘껏 당긴다
        when: courage >= 2
        goto: bell_rings
      - text: 떨리는 손으로 밧줄을 잡아 본다
        when: courage < 2
        goto: leave

  bell_rings:
    title: 다시 울린 종
    text: |
      종소리가 성벽을 넘어 골짜기로 퍼져 나갔다. 잠들어 있던 성이 천천히 눈을 뜨는 것 같았다.
    ending:
      title: 종을 울린 나그네
      kind: good                        # good, bad, neutral, secret

  leave:
    title: 돌아서는 길
    text: |
      나는 성을 등지고 걸었다. 등 뒤에서 종은 끝내 울리지 않았다.
    ending:
      title: 울리지 않은 종
      kind: neutral
"""

WORLD_YAML = """\
# yaml-language-server: $schema=__INCLUDE_SCHEMA__
# 세계 정보: 최근 이야기에 keys 의 낱말이 나오면 이야기꾼의 맥락에 content 가 들어갑니다.
# 한국어 조사가 붙어도 맞습니다 ('종탑' 은 '종탑에', '종탑을' 에도 맞습니다).
world_info:
  - id: castle
    constant: true                      # 언제나 맥락에 들어갑니다
    content: 이 성은 백 년 전 역병이 돈 뒤로 비어 있다. 종이 울리면 성이 깨어난다는 말이 전해진다.
  - id: bell
    keys: [종, 종탑]
    priority: 5                         # 자리가 모자랄 때 높은 것부터 넣습니다
    content: 청동 종은 성을 지은 장인이 만들었고, 두려움 없는 사람만 울릴 수 있다고 한다.
  - id: fountain
    keys: [분수]
    content: 마른 분수 바닥에는 옛 글씨가 새겨져 있다.
"""

FILES = {"pack.yaml": PACK_YAML, "scenes.yaml": SCENES_YAML, "world.yaml": WORLD_YAML}


@dataclass
class Scaffolded:
    path: Path
    pack_id: str
    files: list[Path]


def scaffold(folder: str | Path, pack_id: str | None = None, title: str | None = None) -> Scaffolded:
    """Write a new pack into ``folder`` (created if missing). Refuses a non-empty folder or a file."""
    from ..ui_text import t

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ScaffoldError(t("new.not_folder", path=folder))
    if folder.is_dir() and any(folder.iterdir()):
        raise ScaffoldError(t("new.not_empty", path=folder))
    pack_id = pack_id or pack_id_for(folder)
    if not ID_RE.match(pack_id):
        raise ScaffoldError(t("new.bad_id", id=pack_id))
    title = (title or "새 이야기").replace("\n", " ").strip() or "새 이야기"
    folder.mkdir(parents=True, exist_ok=True)
    values = {
        "__PACK_SCHEMA__": schema_ref(folder, "pack.schema.json"),
        "__INCLUDE_SCHEMA__": schema_ref(folder, "include.schema.json"),
        "__ID__": pack_id,
        "__TITLE__": _yaml_scalar(title),
    }
    written = []
    for name, template in FILES.items():
        text = template
        for key, value in values.items():
            text = text.replace(key, value)
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return Scaffolded(folder, pack_id, written)


def _yaml_scalar(text: str) -> str:
    """A title as a YAML scalar: plain when it cannot be misread (it has Hangul and no YAML syntax), else
    a JSON string, which YAML reads as a double-quoted scalar."""
    import json

    if (re.search(r"[\uac00-\ud7a3]", text)
            and re.fullmatch(r"[\w\uac00-\ud7a3][\w\s\uac00-\ud7a3.,!?'()\-]*", text) and not text.endswith(" ")):
        return text
    return json.dumps(text, ensure_ascii=False)
