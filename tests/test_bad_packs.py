"""The malformed-pack corpus: every case ends in a located one-line message and exit 1, never a traceback."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from adventure.cli.validate import validate_paths
from adventure.packs.diagnostics import PackError
from adventure.packs.loader import load_pack

GOOD_SCENES = """\
scenes:
  a:
    text: 시작
    choices:
      - text: 끝으로
        goto: b
  b:
    text: 끝
    ending: {title: 끝}
"""


def manifest(extra: str = "", start: str = "a", includes: str = "") -> str:
    inc = f"includes: [{includes}]\n" if includes else ""
    return f"id: t\ntitle: 시험\nstart: {start}\n{inc}state:\n  gold: 0\n  brave: false\n{extra}"


# (case id, files, expected file, line, col, code)
CASES = [
    ("yaml-syntax", {"pack.yaml": manifest() + "scenes:\n  a: [unclosed\n"}, "pack.yaml", 9, 1, "ADV001"),
    ("bad-indent", {"pack.yaml": "id: t\ntitle: x\n  start: a\n"}, "pack.yaml", 3, 8, "ADV001"),
    ("wrong-type", {"pack.yaml": manifest() + "scenes:\n  a:\n    text: 시작\n    choices: 3\n"},
     "pack.yaml", 10, 14, "ADV010"),
    ("unknown-key", {"pack.yaml": manifest() + GOOD_SCENES.replace("goto: b", "goto: b\n        goto_: c")},
     "pack.yaml", 13, 9, "ADV010"),
    ("missing-required", {"pack.yaml": "id: t\nstart: a\n" + GOOD_SCENES}, "pack.yaml", 1, 1, "ADV010"),
    ("unknown-goto", {"pack.yaml": manifest() + GOOD_SCENES.replace("goto: b", "goto: nowhere")},
     "pack.yaml", 12, 15, "ADV030"),
    ("missing-start", {"pack.yaml": manifest(start="zzz") + GOOD_SCENES}, "pack.yaml", 3, 8, "ADV034"),
    ("dead-end", {"pack.yaml": manifest() + GOOD_SCENES.replace("    ending: {title: 끝}\n", "")},
     "pack.yaml", 13, 3, "ADV033"),
    ("undeclared-var", {"pack.yaml": manifest() + GOOD_SCENES.replace("goto: b", "goto: b\n        when: hp > 1")},
     "pack.yaml", 13, 15, "ADV041"),
    ("type-mismatch", {"pack.yaml": manifest() + GOOD_SCENES.replace("goto: b", "goto: b\n        when: gold and brave")},
     "pack.yaml", 13, 20, "ADV042"),
    ("condition-syntax", {"pack.yaml": manifest() + GOOD_SCENES.replace("goto: b", "goto: b\n        when: \"gold >> 2\"")},
     "pack.yaml", 13, 22, "ADV040"),
    ("bad-effect", {"pack.yaml": manifest() + GOOD_SCENES.replace("goto: b", "goto: b\n        effects: [brave += 1]")},
     "pack.yaml", 13, 19, "ADV042"),
    ("duplicate-key", {"pack.yaml": manifest() + GOOD_SCENES + "  a:\n    text: 다시\n    ending: {title: x}\n"},
     "pack.yaml", 16, 3, "ADV005"),
    ("duplicate-scene-across-files", {"pack.yaml": manifest(includes="more.yaml") + GOOD_SCENES,
                                      "more.yaml": "scenes:\n  b:\n    text: 또\n    ending: {title: y}\n"},
     "more.yaml", 2, 3, "ADV031"),
    ("missing-include", {"pack.yaml": manifest(includes="nope.yaml") + GOOD_SCENES}, "pack.yaml", 4, 12, "ADV020"),
    ("include-cycle", {"pack.yaml": manifest(includes="x.yaml") + GOOD_SCENES,
                       "x.yaml": "includes: [y.yaml]\n", "y.yaml": "includes: [x.yaml]\n"},
     "y.yaml", 1, 12, "ADV021"),
    ("python-tag", {"pack.yaml": manifest() + "evil: !!python/object/apply:os.system ['echo pwned']\n" + GOOD_SCENES},
     "pack.yaml", 7, 7, "ADV003"),
    ("billion-laughs", {"pack.yaml": manifest() + "\n".join(
        ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
        + [f"a{i}: &a{i} [{', '.join([f'*a{i-1}'] * 10)}]" for i in range(1, 9)]) + "\n" + GOOD_SCENES},
     "pack.yaml", None, None, "ADV004"),
    ("empty-file", {"pack.yaml": ""}, "pack.yaml", 1, 1, "ADV002"),
    ("comment-only", {"pack.yaml": "# nothing here\n"}, "pack.yaml", 1, 1, "ADV002"),
    ("not-a-mapping", {"pack.yaml": "- just\n- a list\n"}, "pack.yaml", 1, 1, "ADV010"),
    ("non-utf8", {"pack.yaml": (manifest() + GOOD_SCENES).encode("utf-8") + b"\nbad: \xff\xfe\n"},
     "pack.yaml", 17, 6, "ADV002"),
    ("two-documents", {"pack.yaml": manifest() + GOOD_SCENES + "---\nid: again\n"}, "pack.yaml", 16, 1, "ADV001"),
    ("include-escape", {"pack.yaml": manifest(includes="../outside.yaml") + GOOD_SCENES}, "pack.yaml", 4, 12, "ADV020"),
    ("template-undeclared", {"pack.yaml": manifest() + GOOD_SCENES.replace("text: 시작", "text: \"{name}님 안녕\"")},
     "pack.yaml", 9, 11, "ADV041"),
    ("sampling-typo", {"pack.yaml": manifest("narrator:\n  sampling:\n    temprature: 0.7\n") + GOOD_SCENES},
     "pack.yaml", 9, 5, "ADV045"),
    ("sampling-out-of-range", {"pack.yaml": manifest("narrator:\n  sampling:\n    top_p: 7\n") + GOOD_SCENES},
     "pack.yaml", 9, 5, "ADV045"),
    ("visits-unknown-scene", {"pack.yaml": manifest() + GOOD_SCENES.replace("goto: b", "goto: b\n        when: visits(\"zz\") > 0")},
     "pack.yaml", 13, 15, "ADV044"),
]


def write_pack(root: Path, files: dict) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.mark.parametrize("case,files,fname,line,col,code", CASES, ids=[c[0] for c in CASES])
def test_bad_pack_is_located(tmp_path, case, files, fname, line, col, code):
    root = write_pack(tmp_path / case, files)
    with pytest.raises(PackError) as info:
        load_pack(root)
    diags = [d for d in info.value.diagnostics if d.severity == "error"]
    matching = [d for d in diags if d.code == code]
    assert matching, f"expected {code}, got {[d.format() for d in diags]}"
    d = matching[0]
    assert Path(d.path).name == fname
    if line is not None:
        assert (d.line, d.col) == (line, col), d.format()
    for diag in diags:  # one line each, in the documented shape
        text = diag.format()
        assert "\n" not in text and f":{diag.line}:{diag.col}: error " in text


def test_ten_megabyte_file_is_refused_quickly(tmp_path):
    root = tmp_path / "huge"
    root.mkdir()
    (root / "pack.yaml").write_text(manifest() + GOOD_SCENES + ("# " + "가" * 100 + "\n") * 35000, encoding="utf-8")
    assert (root / "pack.yaml").stat().st_size > 10_000_000
    with pytest.raises(PackError) as info:
        load_pack(root)
    assert info.value.diagnostics[0].code == "ADV002"
    assert "too large" in info.value.diagnostics[0].message


def test_missing_folder_and_missing_manifest(tmp_path):
    with pytest.raises(PackError) as info:
        load_pack(tmp_path / "nope")
    assert info.value.diagnostics[0].code == "ADV002"
    (tmp_path / "empty").mkdir()
    with pytest.raises(PackError) as info:
        load_pack(tmp_path / "empty")
    assert "pack.yaml" in info.value.diagnostics[0].message


def test_unreachable_scene_is_a_warning(tmp_path):
    root = write_pack(tmp_path / "p", {"pack.yaml": manifest() + GOOD_SCENES + "  lonely:\n    text: 외로움\n    ending: {title: z}\n"})
    pack = load_pack(root)
    assert [d.code for d in pack.warnings] == ["ADV032"]
    assert pack.warnings[0].line == 16


def test_validate_cli_reports_every_case_with_exit_1(tmp_path):
    """The real command line over the whole corpus: exit 1, one located line per problem, no traceback."""
    paths = [str(write_pack(tmp_path / c[0], c[1])) for c in CASES]
    proc = subprocess.run([sys.executable, "-m", "adventure", "validate", *paths], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    for case in CASES:
        assert any(f"/{case[0]}/" in line and f"error {case[5]}:" in line for line in proc.stdout.splitlines()), case[0]


def test_validate_ok_exit_0(lantern_path, capsys):
    assert validate_paths([str(lantern_path)]) == 0
    assert "ok" in capsys.readouterr().out


def test_fix_then_valid(tmp_path):
    root = write_pack(tmp_path / "p", {"pack.yaml": manifest() + GOOD_SCENES})
    pack = load_pack(root)
    assert set(pack.scenes) == {"a", "b"} and pack.defaults == {"inventory": [], "gold": 0, "brave": False}


def test_error_message_suggests_close_key(tmp_path):
    root = write_pack(tmp_path / "p", {"pack.yaml": manifest() + GOOD_SCENES.replace("goto: b", "gotoo: b")})
    with pytest.raises(PackError) as info:
        load_pack(root)
    assert "did you mean 'goto'" in str(info.value)


def test_dedent_helper_sanity():
    assert textwrap.dedent("  a") == "a"
