"""Fuzz the pack loader: arbitrary YAML-ish text must end in PackError diagnostics, never another exception."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adventure.packs.diagnostics import PackError
from adventure.packs.loader import load_pack

BASE = "id: t\ntitle: 시험\nstart: a\nscenes:\n  a:\n    text: 시작\n    ending: {title: 끝}\n"

yamlish = st.text(alphabet=st.sampled_from(list("abc:-[]{}&*!|>'\"# \n\t가나0123456789.,?%@`")), max_size=200)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(yamlish)
def test_random_text_never_crashes(tmp_path: Path, text: str):
    (tmp_path / "pack.yaml").write_text(text, encoding="utf-8")
    try:
        load_pack(tmp_path)
    except PackError as exc:
        assert exc.diagnostics and all(d.line >= 1 and d.col >= 1 for d in exc.diagnostics)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, len(BASE)), yamlish)
def test_mutated_valid_pack_never_crashes(tmp_path: Path, at: int, insert: str):
    (tmp_path / "pack.yaml").write_text(BASE[:at] + insert + BASE[at:], encoding="utf-8")
    try:
        load_pack(tmp_path)
    except PackError as exc:
        assert all("\n" not in d.format() for d in exc.diagnostics)
