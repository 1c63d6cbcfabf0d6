"""Tense and stutter checks that rank sentence candidates (adventure.generation.sentence_rules)."""

import pytest

from adventure.generation.sentence_rules import (keeps_tense, lead_line, sentence_tense, sentences_of, story_tense,
                                                 stutters, takes_up)


@pytest.mark.parametrize("sentence, tense", [
    ("나는 광장을 천천히 둘러보았다.", "past"),
    ("불씨가 따뜻했다.", "past"),
    ("여우가 숲으로 돌아갔다.", "past"),
    ("나는 두 손을 모아 불을 붙인다.", "present"),
    ("그는 천천히 걷는다.", "present"),
    ("나는 숲으로 간다.", "present"),
    ("기력은 조금 남아 있다.", None),        # 있다 ends in ㅆ다 but is not past
    ("내일은 비가 오겠다.", None),
    ("바람이 차갑다.", None),               # an adjective shows no tense
    ("\"가져가라.\"", None),                # dialogue is the speaker's, not the narration's
    ("나는 등불지기의 제자다.", None),
    ("그리고", None),
])
def test_sentence_tense(sentence, tense):
    assert sentence_tense(sentence) == tense


def test_story_tense_skips_actions_and_notes():
    prompt = ("나는 숲 어귀에 닿았다. 안개가 차갑다.\n\n"
              "[조용한 분위기. 1인칭으로 서술한다.]\n[장소: 숲]\n\n> 주위를 둘러본다.\n")
    assert story_tense(prompt) == "past"
    assert story_tense("나는 숲에 들어선다. 바람이 분다.\n> 앉는다.\n") == "present"
    assert story_tense("바람이 차갑다.\n") is None


def test_keeps_tense():
    assert keeps_tense("나는 문을 열었다.", "past")
    assert not keeps_tense("나는 문을 연다.", "past")
    assert not keeps_tense("나는 문을 열었다.", "present")
    assert keeps_tense("\"어서 오너라.\"", "past")
    assert keeps_tense("나는 문을 연다.", None)


def test_stutters():
    assert stutters("지도에는 늪과 늪과 늪이 그려져 있었다.")
    assert stutters("주먹밥은 젖었지만 주먹밥은 따뜻했다.")
    assert stutters("그 말을 듣고 그 말을 떠올렸다.")
    assert not stutters("나는 가방에서 주먹밥을 꺼내 여우에게 내밀었다.")
    assert not stutters("나는 다시 걸었고, 나는 다시 멈췄다.")  # common words may recur
    assert stutters("늪 늪 늪 소리만 났다.")  # a one-syllable word three times
    assert not stutters("물 한 모금과 물 두 방울.")  # a one-syllable word twice


def test_stutters_on_one_stem_with_two_particles():
    assert stutters("왼쪽 길에서는 왼쪽은 왼쪽과 오른쪽 길을 가리키고 있었다.")
    assert stutters("화살표는 왼쪽 길 위에 화살표의 화살표가 그려져 있었다.")
    assert stutters("나는 우물가 우물가에 서서 안을 들여다보았다.")
    assert not stutters("팻말에는 글씨가 새겨져 있었고, 줄마다 이름과 날짜가 적혀 있었다.")  # an auxiliary may recur
    assert not stutters("나는 천천히 일어나 천천히 걸었다.")  # so may a word too common to count
    assert not stutters("나는 불씨를 감싸 쥐고 사당 계단을 내려갔다.")


def test_sentences_of():
    assert sentences_of('나는 갔다. "어서 와." 그가 웃었다') == ["나는 갔다.", '"어서 와."', "그가 웃었다"]


def test_lead_line_is_the_action_or_the_last_narration():
    assert lead_line("나는 걸었다.\n\n> 대장장이의 모루를 두드려 본다.\n") == "대장장이의 모루를 두드려 본다."
    assert lead_line("[장소: 사당]\n\n나는 사당의 돌 화로 앞에 무릎을 꿇었다.") == "나는 사당의 돌 화로 앞에 무릎을 꿇었다."
    assert lead_line("숲 어귀에 닿았다.\n\n[조용한 분위기.]\n[장소: 숲 어귀]\n") == "숲 어귀에 닿았다."
    assert lead_line("\n\n") == ""


def test_takes_up_wants_a_word_of_the_line_before():
    lead = "대장장이의 모루를 두드려 본다."
    assert takes_up("나는 망치로 모루를 가볍게 두드렸다.", lead)
    assert takes_up("대장장이가 고개를 들었다.", lead)
    assert not takes_up("나는 보자기를 풀어 바닥에 펼쳤다.", lead)
    assert not takes_up("나는 천천히 다시 보았다.", "나는 천천히 우물을 본다.")  # filler words do not count
    assert takes_up("나는 걸었다.", "")  # nothing to take up
