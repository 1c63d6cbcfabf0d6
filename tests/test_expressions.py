"""The condition/effect language: parsing, typing, evaluation, and fuzzing that it never crashes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adventure.engine.commands import parse_choice_number, parse_command
from adventure.packs import expressions as ex

DECLARED = {"gold": "int", "hp": "int", "brave": "bool", "name": "str", "inventory": "set", "bag": "set",
            "luck": "float"}
VALUES = {"gold": 12, "hp": 2, "brave": True, "name": "철수", "inventory": ["열쇠"], "bag": [], "luck": 0.5}


def run(src):
    node = ex.parse_condition(src)
    ex.check_condition(node, DECLARED, {"숲", "forest"})
    return ex.evaluate(node, VALUES.__getitem__, lambda s: {"숲": 2}.get(s, 0))


@pytest.mark.parametrize("src,expected", [
    ("gold >= 10", True), ("gold > 12 or brave", True), ("not brave", False), ("has 열쇠", True),
    ("has \"밧줄\"", False), ("bag has 열쇠", False), ("visits(\"숲\") == 2", True), ("visits(forest) > 0", False),
    ("name == \"철수\" and (hp < 3)", True), ("gold - hp * 2 == 8", True), ("-hp < 0", True),
    ("luck + 1 > 1.2", True), ("not not brave", True), ("gold != 3 and not has 칼", True),
])
def test_conditions(src, expected):
    assert run(src) is expected


@pytest.mark.parametrize("src,code,offset", [
    ("gold >", "ADV040", 6), ("gold >> 1", "ADV040", 6), ("(gold > 1", "ADV040", 9), ("gold > \"x", "ADV040", 7),
    ("hp2 > 1", "ADV041", 0), ("gold", "ADV042", 0), ("brave > 1", "ADV042", 6), ("name has 열쇠", "ADV042", 5),
    ("gold and brave", "ADV042", 5), ("visits(\"바다\") > 0", "ADV044", 0), ("gold == \"12\"", "ADV042", 5),
    ("", "ADV040", 0), ("gold @ 2", "ADV040", 5),
])
def test_condition_errors(src, code, offset):
    with pytest.raises(ex.ExprError) as info:
        node = ex.parse_condition(src)
        ex.check_condition(node, DECLARED, {"숲"})
    assert info.value.code == code and info.value.offset == offset


@pytest.mark.parametrize("src,var,expected", [
    ("gold += 5", "gold", 17), ("hp = hp - 1", "hp", 1), ("brave = false", "brave", False),
    ("inventory += \"밧줄\"", "inventory", ["밧줄", "열쇠"]), ("lose 열쇠", "inventory", []),
    ("get 횃불", "inventory", ["열쇠", "횃불"]), ("name = name + \"님\"", "name", "철수님"), ("luck = 1", "luck", 1),
])
def test_effects(src, var, expected):
    values = {k: (list(v) if isinstance(v, list) else v) for k, v in VALUES.items()}
    effect = ex.parse_effect(src)
    ex.check_effect(effect, DECLARED)
    ex.apply_effect(effect, values, lambda s: 0)
    assert values[var] == expected


@pytest.mark.parametrize("src,code", [
    ("gold = true", "ADV042"), ("brave += 1", "ADV042"), ("nope = 1", "ADV041"), ("gold += 0.5", "ADV042"),
    ("gold", "ADV040"), ("gold = ", "ADV040"), ("get", "ADV040"), ("inventory += 3", "ADV042"),
])
def test_effect_errors(src, code):
    with pytest.raises(ex.ExprError) as info:
        ex.check_effect(ex.parse_effect(src), DECLARED)
    assert info.value.code == code


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("gold hp brave has not and or visits() ==<>!+-*\"'열쇠12.3_ \t")), max_size=60))
def test_fuzz_conditions_only_raise_expr_error(src):
    try:
        node = ex.parse_condition(src)
        ex.check_condition(node, DECLARED, {"숲"})
        ex.evaluate(node, VALUES.__getitem__, lambda s: 0)
    except ex.ExprError as e:
        assert 0 <= e.offset <= len(src)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_fuzz_any_text_effects(src):
    try:
        ex.check_effect(ex.parse_effect(src), DECLARED)
    except ex.ExprError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_fuzz_command_parser_never_raises(line):
    cmd = parse_command(line)
    if cmd is not None:
        assert line.strip().startswith("/") and isinstance(cmd.args, tuple)
    parse_choice_number(line)


def test_command_parsing():
    assert parse_command("/save 내 저장") == parse_command("/SAVE 내 저장")
    assert parse_command("/save \"두 단어\"").args == ("두 단어",)
    assert parse_command("/save \"unclosed").args == ("\"unclosed",)
    assert parse_command("save") is None and parse_command("/").name == "help"
    assert parse_choice_number("2") == 2 and parse_choice_number("2.") == 2
    assert parse_choice_number("２") is None and parse_choice_number("2번") is None


def test_long_expression_refused():
    with pytest.raises(ex.ExprError):
        ex.parse_condition("gold + " * 200 + "1 > 0")
