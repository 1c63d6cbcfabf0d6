"""Every user-facing UI string in one place (Korean by default), so the interface can be translated.

Engine and front ends call ``t("key", **values)``; a translation is another dict with the same keys.
"""

from __future__ import annotations

STRINGS: dict[str, str] = {
    "help.header": "명령어 목록:",
    "help.choice": "  숫자         선택지를 고릅니다 (예: 1)",
    "help.free": "  그 밖의 글   자유 행동으로 이야기꾼에게 보냅니다",
    "cmd.save": "지금 진행을 저장합니다 (/save 이름)",
    "cmd.load": "저장한 진행을 불러옵니다 (/load 이름, 이름을 빼면 자동 저장)",
    "cmd.saves": "저장 목록을 봅니다",
    "cmd.undo": "마지막 턴을 되돌립니다",
    "cmd.redo": "되돌린 턴을 다시 합니다",
    "cmd.retry": "마지막 턴을 다른 서술로 다시 만듭니다",
    "cmd.help": "이 도움말을 봅니다",
    "cmd.quit": "게임을 끝냅니다 (진행은 자동 저장됩니다)",
    "cmd.choices": "지금 고를 수 있는 선택지를 다시 봅니다",
    "cmd.state": "현재 상태와 소지품을 봅니다",
    "cmd.set": "생성 설정을 바꿉니다 (/set temperature 0.8, /set 만 쓰면 현재 값)",
    "cmd.restart": "처음부터 새로 시작합니다 (지금 진행은 저장 목록에 남습니다)",
    "cmd.unknown": "알 수 없는 명령어입니다: /{name} (/help 로 목록을 봅니다)",
    "choices.header": "선택지:",
    "choices.none": "지금은 고를 선택지가 없습니다. 하고 싶은 행동을 글로 적어 보세요.",
    "choice.invalid": "{number}번 선택지는 없습니다. 1부터 {count}까지 고를 수 있습니다.",
    "free.disabled": "이 장면에서는 자유 행동을 할 수 없습니다. 선택지 번호를 골라 주세요.",
    "ended": "이야기가 끝났습니다: {title}. /undo 로 되돌리거나 /load, /restart 를 쓸 수 있습니다.",
    "ending": "── 결말: {title} ──",
    "undo.done": "한 턴을 되돌렸습니다.",
    "undo.empty": "되돌릴 턴이 없습니다.",
    "redo.done": "되돌린 턴을 다시 했습니다.",
    "redo.empty": "다시 할 턴이 없습니다.",
    "retry.empty": "다시 만들 턴이 없습니다.",
    "retry.done": "마지막 턴을 다시 만들었습니다.",
    "save.done": "'{name}'(으)로 저장했습니다: {path}",
    "save.failed": "저장하지 못했습니다: {reason}",
    "save.bad_name": "저장 이름 '{name}'은(는) 쓸 수 없습니다. 글자, 숫자, -, _ 만 쓸 수 있습니다.",
    "load.done": "'{name}'을(를) 불러왔습니다 ({scene}, {turn}턴).",
    "load.missing": "'{name}'이라는 저장이 없습니다.",
    "load.corrupt": "저장 파일 {path}이(가) 손상되어 불러오지 않았습니다 ({reason}). 지금 진행은 그대로입니다.",
    "load.other_pack": "저장 파일 {path}은(는) 다른 이야기('{pack}')의 것이라 불러오지 않았습니다.",
    "load.missing_scene": "저장 파일의 장면 '{scene}'이(가) 지금 팩(버전 {version})에 없어서 불러오지 않았습니다.",
    "load.version_warning": "이 저장은 팩 버전 {old}에서 만들어졌고 지금 팩은 버전 {new}입니다. 달라진 부분이 있을 수 있습니다.",
    "load.dropped_vars": "지금 팩에 없는 상태 값은 버렸습니다: {names}",
    "saves.none": "저장이 없습니다.",
    "saves.header": "저장 목록:",
    "saves.row": "  {name:<16} {scene} · {turn}턴 · {time}",
    "continue": "자동 저장에서 이어서 시작합니다 ({scene}, {turn}턴). 새로 시작하려면 /restart 를 입력하세요.",
    "restart.done": "처음부터 다시 시작합니다. 이전 진행은 '{name}'(으)로 남겨 두었습니다.",
    "set.current": "현재 생성 설정: {values}",
    "set.done": "{key} = {value}",
    "set.bad": "설정을 바꾸지 못했습니다: {reason}",
    "state.header": "상태:",
    "state.inventory": "소지품: {items}",
    "narrator.fallback": "모델 없이 작성된 문장으로 이야기합니다 ({reason}).",
    "narrator.failed": "이야기꾼 모델이 실패해서 작성된 문장으로 대신했습니다: {reason}",
    "narrator.loading": "모델 '{name}'을(를) 불러오는 중입니다…",
    "narrator.ready": "모델 '{name}' 준비 완료 (n_ctx {n_ctx}).",
    "turn.cancelled": "서술을 취소했습니다. 턴 전의 상태 그대로입니다.",
    "turn.failed": "이 턴을 처리하지 못했습니다: {reason}. 상태는 그대로입니다.",
    "free.default": "나는 잠시 주위를 살폈다. 별다른 일은 일어나지 않았다.",
    "cmd.steer": "이야기 분위기를 조절합니다 (/steer 공포 0.8, /steer off)",
    "cmd.memory": "이야기꾼의 기억을 봅니다/바꿉니다 (/memory 새 내용, /memory reset)",
    "cmd.note": "작가의 말을 봅니다/바꿉니다 (/note 새 내용, /note reset)",
    "cmd.reload": "팩 파일을 다시 읽습니다 (상태는 그대로)",
    "steer.current": "분위기 조절: {values}",
    "steer.none": "분위기 조절이 꺼져 있습니다.",
    "steer.off": "분위기 조절을 껐습니다.",
    "steer.done": "{attr} 세기를 {value}(으)로 맞췄습니다.",
    "steer.bad": "쓰는 법: /steer 속성 세기 (세기는 -1부터 1까지), 또는 /steer off",
    "memory.current": "기억: {text}",
    "memory.done": "기억을 바꿨습니다.",
    "note.current": "작가의 말: {text}",
    "note.done": "작가의 말을 바꿨습니다.",
    "reset.done": "팩의 원래 내용으로 되돌렸습니다.",
    "reload.done": "팩을 다시 읽었습니다 ({scenes}개 장면).",
    "reload.failed": "팩을 다시 읽지 못해 이전 버전으로 계속합니다:\n{errors}",
    "quit": "게임을 마칩니다. 진행은 자동 저장되었습니다.",
    "plugin.failed": "플러그인 '{name}'이(가) 오류를 내서 이번 턴에는 끕니다: {reason}",
}


def t(key: str, **values: object) -> str:
    """Look up a UI string and fill its ``{placeholders}``."""
    template = STRINGS.get(key, key)
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template
