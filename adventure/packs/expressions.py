"""The small, safe condition and effect language used by story packs.

Conditions (``when:``): ``gold >= 10 and not 겁쟁이``, ``has 열쇠``, ``bag has "밧줄"``,
``visits("숲") > 1``, ``name == "철수" or (hp < 3)``.
Effects (``effects:`` / ``on_enter:``): ``gold += 5``, ``hp = hp - 1``, ``brave = true``,
``inventory += "열쇠"``, ``inventory -= "열쇠"``, and the shorthands ``get 열쇠`` / ``lose 열쇠``.

Everything is parsed once when the pack loads (never ``eval``), type-checked against the pack's declared
state, and evaluated by walking the tree. Errors carry the character offset so the validator can point at
the exact column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Union

TYPES = ("int", "float", "bool", "str", "set")
DEFAULT_SET = "inventory"


class ExprError(Exception):
    """A syntax error (``code`` ADV040) or type error (ADV041/ADV042/ADV044) at ``offset``."""

    def __init__(self, message: str, offset: int = 0, code: str = "ADV040"):
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.code = code


# ---------------------------------------------------------------- tokens

@dataclass(frozen=True)
class Tok:
    kind: str  # num, str, name, op, kw, end
    value: Any
    pos: int


KEYWORDS = {"and", "or", "not", "has", "true", "false", "visits", "get", "lose"}
OPS = ["+=", "-=", "==", "!=", "<=", ">=", "<", ">", "=", "+", "-", "*", "(", ")", ","]
MAX_SOURCE = 500


def tokenize(src: str) -> list[Tok]:
    if len(src) > MAX_SOURCE:
        raise ExprError(f"expression is longer than {MAX_SOURCE} characters", 0)
    toks: list[Tok] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c.isspace():
            i += 1
            continue
        if c.isdigit():
            j = i
            while j < n and (src[j].isdigit() or src[j] == "."):
                j += 1
            text = src[i:j]
            try:
                value: Any = float(text) if "." in text else int(text)
            except ValueError:
                raise ExprError(f"bad number {text!r}", i) from None
            toks.append(Tok("num", value, i))
            i = j
            continue
        if c in "\"'":
            j = src.find(c, i + 1)
            if j < 0:
                raise ExprError("unterminated string", i)
            toks.append(Tok("str", src[i + 1:j], i))
            i = j + 1
            continue
        if c.isalpha() or c == "_":
            j = i
            while j < n and (src[j].isalnum() or src[j] == "_"):
                j += 1
            word = src[i:j]
            toks.append(Tok("kw" if word in KEYWORDS else "name", word, i))
            i = j
            continue
        for op in OPS:
            if src.startswith(op, i):
                toks.append(Tok("op", op, i))
                i += len(op)
                break
        else:
            raise ExprError(f"unexpected character {c!r}", i)
    toks.append(Tok("end", None, n))
    return toks


# ---------------------------------------------------------------- tree

@dataclass(frozen=True)
class Lit:
    value: Any
    pos: int


@dataclass(frozen=True)
class Var:
    name: str
    pos: int


@dataclass(frozen=True)
class Visits:
    scene: str
    pos: int


@dataclass(frozen=True)
class Unary:
    op: str
    operand: "Node"
    pos: int


@dataclass(frozen=True)
class Binary:
    op: str
    left: "Node"
    right: "Node"
    pos: int


@dataclass(frozen=True)
class Has:
    container: "Node"
    item: "Node"
    pos: int


Node = Union[Lit, Var, Visits, Unary, Binary, Has]


@dataclass(frozen=True)
class Assign:
    """One effect: ``target op value`` with op in ``=``, ``+=``, ``-=``."""

    target: str
    op: str
    value: Node
    pos: int


class _Parser:
    def __init__(self, src: str):
        self.src = src
        self.toks = tokenize(src)
        self.i = 0

    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def take(self) -> Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def at(self, kind: str, value: Any = None) -> bool:
        t = self.tok
        return t.kind == kind and (value is None or t.value == value)

    def expect(self, kind: str, value: Any = None, what: str = "") -> Tok:
        if not self.at(kind, value):
            raise ExprError(f"expected {what or value or kind} but found {self._describe(self.tok)}", self.tok.pos)
        return self.take()

    @staticmethod
    def _describe(t: Tok) -> str:
        return "the end" if t.kind == "end" else repr(str(t.value))

    def end(self) -> None:
        if not self.at("end"):
            raise ExprError(f"unexpected {self._describe(self.tok)}", self.tok.pos)

    # condition grammar: or > and > not > comparison/has > sum > product > atom
    def expr(self) -> Node:
        node = self.and_expr()
        while self.at("kw", "or"):
            t = self.take()
            node = Binary("or", node, self.and_expr(), t.pos)
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while self.at("kw", "and"):
            t = self.take()
            node = Binary("and", node, self.not_expr(), t.pos)
        return node

    def not_expr(self) -> Node:
        if self.at("kw", "not"):
            t = self.take()
            return Unary("not", self.not_expr(), t.pos)
        return self.comparison()

    def comparison(self) -> Node:
        if self.at("kw", "has"):
            t = self.take()
            return Has(Var(DEFAULT_SET, t.pos), self.item(), t.pos)
        node = self.sum()
        if self.at("op") and self.tok.value in ("==", "!=", "<", "<=", ">", ">="):
            t = self.take()
            node = Binary(t.value, node, self.sum(), t.pos)
        elif self.at("kw", "has"):
            t = self.take()
            node = Has(node, self.item(), t.pos)
        return node

    def item(self) -> Node:
        """After ``has``, a bare word names an item (``has 열쇠``), so authors need no quotes."""
        if self.at("name"):
            t = self.take()
            return Lit(t.value, t.pos)
        return self.atom()

    def sum(self) -> Node:
        node = self.product()
        while self.at("op") and self.tok.value in ("+", "-"):
            t = self.take()
            node = Binary(t.value, node, self.product(), t.pos)
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.at("op", "*"):
            t = self.take()
            node = Binary("*", node, self.unary(), t.pos)
        return node

    def unary(self) -> Node:
        if self.at("op", "-"):
            t = self.take()
            return Unary("-", self.unary(), t.pos)
        return self.atom()

    def atom(self) -> Node:
        t = self.tok
        if t.kind == "num" or t.kind == "str":
            self.take()
            return Lit(t.value, t.pos)
        if t.kind == "kw" and t.value in ("true", "false"):
            self.take()
            return Lit(t.value == "true", t.pos)
        if t.kind == "kw" and t.value == "visits":
            self.take()
            self.expect("op", "(")
            arg = self.tok
            if arg.kind not in ("str", "name"):
                raise ExprError("visits() takes a scene id, like visits(\"forest\")", arg.pos)
            self.take()
            self.expect("op", ")")
            return Visits(arg.value, t.pos)
        if t.kind == "name":
            self.take()
            return Var(t.value, t.pos)
        if t.kind == "op" and t.value == "(":
            self.take()
            node = self.expr()
            self.expect("op", ")")
            return node
        raise ExprError(f"expected a value but found {self._describe(t)}", t.pos)

    def effect(self) -> Assign:
        t = self.tok
        if t.kind == "kw" and t.value in ("get", "lose"):
            self.take()
            item = self.item()
            self.end()
            return Assign(DEFAULT_SET, "+=" if t.value == "get" else "-=", item, t.pos)
        target = self.expect("name", what="a variable name")
        if not (self.at("op") and self.tok.value in ("=", "+=", "-=")):
            raise ExprError(f"expected '=', '+=' or '-=' after {target.value!r}", self.tok.pos)
        op = self.take().value
        value = self.expr()
        self.end()
        return Assign(target.value, op, value, target.pos)


def parse_condition(src: str) -> Node:
    p = _Parser(src)
    if p.at("end"):
        raise ExprError("empty condition", 0)
    node = p.expr()
    p.end()
    return node


def parse_effect(src: str) -> Assign:
    p = _Parser(src)
    if p.at("end"):
        raise ExprError("empty effect", 0)
    return p.effect()


# ---------------------------------------------------------------- types

def _num(t: str) -> bool:
    return t in ("int", "float")


def type_of(node: Node, declared: dict[str, str], scenes: set[str] | None = None) -> str:
    """Static type of ``node``; raises ExprError (ADV041 undeclared, ADV042 mismatch, ADV044 scene)."""
    if isinstance(node, Lit):
        v = node.value
        return "bool" if isinstance(v, bool) else "int" if isinstance(v, int) else "float" if isinstance(v, float) else "str"
    if isinstance(node, Var):
        if node.name not in declared:
            raise ExprError(f"undeclared variable {node.name!r} (declare it under state:)", node.pos, "ADV041")
        return declared[node.name]
    if isinstance(node, Visits):
        if scenes is not None and node.scene not in scenes:
            raise ExprError(f"visits() names unknown scene {node.scene!r}", node.pos, "ADV044")
        return "int"
    if isinstance(node, Unary):
        t = type_of(node.operand, declared, scenes)
        if node.op == "not" and t != "bool":
            raise ExprError(f"'not' needs a true/false value, not {t}", node.pos, "ADV042")
        if node.op == "-" and not _num(t):
            raise ExprError(f"'-' needs a number, not {t}", node.pos, "ADV042")
        return t
    if isinstance(node, Has):
        ct = type_of(node.container, declared, scenes)
        it = type_of(node.item, declared, scenes)
        if ct != "set":
            raise ExprError(f"'has' needs a set (like inventory) on its left, not {ct}", node.pos, "ADV042")
        if it != "str":
            raise ExprError(f"'has' looks for a text item, not {it}", node.pos, "ADV042")
        return "bool"
    if isinstance(node, Binary):
        lt = type_of(node.left, declared, scenes)
        rt = type_of(node.right, declared, scenes)
        op = node.op
        if op in ("and", "or"):
            if lt != "bool" or rt != "bool":
                raise ExprError(f"'{op}' joins true/false values, not {lt} and {rt}", node.pos, "ADV042")
            return "bool"
        if op in ("==", "!="):
            if not (lt == rt or (_num(lt) and _num(rt))):
                raise ExprError(f"cannot compare {lt} with {rt}", node.pos, "ADV042")
            return "bool"
        if op in ("<", "<=", ">", ">="):
            if not (_num(lt) and _num(rt)):
                raise ExprError(f"'{op}' compares numbers, not {lt} and {rt}", node.pos, "ADV042")
            return "bool"
        if op == "+":
            if _num(lt) and _num(rt):
                return "float" if "float" in (lt, rt) else "int"
            if lt == rt == "str":
                return "str"
            raise ExprError(f"cannot add {lt} and {rt}", node.pos, "ADV042")
        if op in ("-", "*"):
            if _num(lt) and _num(rt):
                return "float" if "float" in (lt, rt) else "int"
            raise ExprError(f"'{op}' needs numbers, not {lt} and {rt}", node.pos, "ADV042")
    raise ExprError("unknown expression", getattr(node, "pos", 0))  # pragma: no cover


def check_condition(node: Node, declared: dict[str, str], scenes: set[str] | None = None) -> None:
    t = type_of(node, declared, scenes)
    if t != "bool":
        raise ExprError(f"a condition must be true/false, but this is {t}", getattr(node, "pos", 0), "ADV042")


def check_effect(effect: Assign, declared: dict[str, str], scenes: set[str] | None = None) -> None:
    if effect.target not in declared:
        raise ExprError(f"undeclared variable {effect.target!r} (declare it under state:)", effect.pos, "ADV041")
    target = declared[effect.target]
    value = type_of(effect.value, declared, scenes)
    ok = {
        "=": value == target or (target == "float" and value == "int"),
        "+=": (target == "set" and value == "str") or (_num(target) and _num(value) and not (target == "int" and value == "float")) or (target == value == "str"),
        "-=": (target == "set" and value == "str") or (_num(target) and _num(value) and not (target == "int" and value == "float")),
    }[effect.op]
    if not ok:
        raise ExprError(f"cannot apply '{effect.op}' with {value} to {effect.target!r} ({target})", effect.pos, "ADV042")


# ---------------------------------------------------------------- evaluation

Lookup = Callable[[str], Any]


def evaluate(node: Node, lookup: Lookup, visits: Callable[[str], int]) -> Any:
    if isinstance(node, Lit):
        return node.value
    if isinstance(node, Var):
        return lookup(node.name)
    if isinstance(node, Visits):
        return visits(node.scene)
    if isinstance(node, Unary):
        v = evaluate(node.operand, lookup, visits)
        return (not v) if node.op == "not" else -v
    if isinstance(node, Has):
        return evaluate(node.item, lookup, visits) in evaluate(node.container, lookup, visits)
    if isinstance(node, Binary):
        if node.op == "and":
            return bool(evaluate(node.left, lookup, visits)) and bool(evaluate(node.right, lookup, visits))
        if node.op == "or":
            return bool(evaluate(node.left, lookup, visits)) or bool(evaluate(node.right, lookup, visits))
        a = evaluate(node.left, lookup, visits)
        b = evaluate(node.right, lookup, visits)
        return {
            "==": lambda: a == b, "!=": lambda: a != b, "<": lambda: a < b, "<=": lambda: a <= b,
            ">": lambda: a > b, ">=": lambda: a >= b, "+": lambda: a + b, "-": lambda: a - b,
            "*": lambda: a * b,
        }[node.op]()
    raise ValueError("unknown expression")  # pragma: no cover


def apply_effect(effect: Assign, values: dict[str, Any], visits: Callable[[str], int],
                 lookup: Lookup | None = None) -> None:
    """Apply one effect to ``values`` in place (sets are stored as sorted lists for JSON saves).

    ``lookup`` resolves names on the right-hand side (it may add built-ins such as ``turn``).
    """
    value = evaluate(effect.value, lookup or values.__getitem__, visits)
    current = values.get(effect.target)
    if isinstance(current, list):  # a set variable
        items = set(current)
        if effect.op == "+=":
            items.add(value)
        elif effect.op == "-=":
            items.discard(value)
        else:
            items = set(value) if isinstance(value, (list, set)) else {value}
        values[effect.target] = sorted(items)
        return
    if effect.op == "=":
        values[effect.target] = value
    elif effect.op == "+=":
        values[effect.target] = current + value
    else:
        values[effect.target] = current - value
