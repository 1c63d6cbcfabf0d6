"""The documentation is tested: every ```yaml example validates, the key tables match the pydantic models,
and the tutorial's pack, written to a temp folder exactly as the docs say, validates at every step and plays
to an ending."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from adventure.authoring import format_report, playtest
from adventure.engine.events import GameEnded
from adventure.engine.game import Game
from adventure.packs.diagnostics import CODES, PackError
from adventure.packs.loader import load_pack
from adventure.packs.schema import (Choice, Ending, IncludeFile, Manifest, NarrateBlock, Narrator, Scene, VarDecl,
                                    WorldInfo)

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
LANGS = ("ko", "en")
TOPICS = ("format", "conditions", "world-info", "steering", "tutorial", "tools", "plugins")
MODELS = {m.__name__: m for m in (Manifest, VarDecl, Narrator, Scene, Choice, NarrateBlock, Ending, WorldInfo,
                                  IncludeFile)}
FENCE = re.compile(r"^```(\S*)([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)


def fences(path: Path):
    """(language, info, body, line) for every fenced block of a Markdown file."""
    text = path.read_text(encoding="utf-8")
    for m in FENCE.finditer(text):
        yield m.group(1), m.group(2).strip(), m.group(3), text.count("\n", 0, m.start()) + 1


def yaml_examples():
    out = []
    for md in sorted(DOCS.rglob("*.md")):
        for lang, info, body, line in fences(md):
            if lang == "yaml" and "file=" not in info:
                out.append(pytest.param(body, id=f"{md.relative_to(DOCS)}:{line}"))
    return out


def test_both_languages_have_every_topic():
    for lang in LANGS:
        names = {p.stem for p in (DOCS / lang).glob("*.md")}
        assert set(TOPICS) <= names, lang
    assert {p.name for p in (DOCS / "ko").glob("*.md")} == {p.name for p in (DOCS / "en").glob("*.md")}
    assert len(yaml_examples()) >= 14


@pytest.mark.parametrize("body", yaml_examples())
def test_yaml_example_validates(body, tmp_path):
    """A complete pack must load with no errors and no warnings; a fragment (some keys of a pack or an
    included file) must load once id, title and start are filled in."""
    data = yaml.safe_load(body)
    assert isinstance(data, dict) and data, "a yaml example must be a mapping"
    unknown = set(data) - set(Manifest.model_fields)
    assert not unknown, f"keys that no pack file has: {unknown}"
    if "id" in data and "start" in data:
        (tmp_path / "pack.yaml").write_text(body, encoding="utf-8")
        pack = load_pack(tmp_path)
        assert pack.warnings == [], [d.format() for d in pack.warnings]
        return
    scenes = data.get("scenes") or {}
    head = "id: docs-example\ntitle: 예시\n"
    head += f"start: {next(iter(scenes))}\n" if scenes else "start: docs_start\n"
    tail = "" if scenes else "scenes:\n  docs_start:\n    text: 끝\n    ending: {title: 끝}\n"
    (tmp_path / "pack.yaml").write_text(head + body + ("\n" if not body.endswith("\n") else "") + tail,
                                        encoding="utf-8")
    try:
        load_pack(tmp_path, lint=False)
    except PackError as exc:
        pytest.fail("\n".join(d.format() for d in exc.diagnostics))


@pytest.mark.parametrize("lang", LANGS)
def test_key_tables_match_the_models(lang):
    text = (DOCS / lang / "format.md").read_text(encoding="utf-8")
    seen = set()
    for m in re.finditer(r"<!-- keys: (\w+) -->\n((?:\|.*\n)+)", text):
        name, table = m.group(1), m.group(2)
        assert name in MODELS, name
        rows = [r for r in table.splitlines()[2:] if r.strip()]
        keys = [re.match(r"\|\s*`([^`]+)`", r).group(1) for r in rows]
        assert sorted(keys) == sorted(MODELS[name].model_fields), f"{lang} {name}"
        seen.add(name)
    assert seen == set(MODELS)
    for code in CODES:
        assert f"| {code} |" in text, code


@pytest.mark.parametrize("lang", LANGS)
def test_tools_doc_covers_the_commands(lang):
    text = (DOCS / lang / "tools.md").read_text(encoding="utf-8")
    for word in ("adventure new", "adventure validate", "adventure playtest", "adventure schema", "/reload",
                 "--watch", "--runs", "--seed", "--max-steps", "--transcript", "--json", "--uniform", "-q",
                 "yaml-language-server"):
        assert word in text, word
    plugins = (DOCS / lang / "plugins.md").read_text(encoding="utf-8")
    assert "adventure.plugins" in plugins and "plugins/" in plugins


def test_relative_links_resolve():
    for md in DOCS.rglob("*.md"):
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", md.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            assert (md.parent / target).exists(), f"{md.relative_to(DOCS)} links to missing {target}"


# ------------------------------------------------------------------ the tutorial, exactly as written

def tutorial_files(lang: str) -> list[tuple[str, str]]:
    out = []
    for code, info, body, _ in fences(DOCS / lang / "tutorial.md"):
        m = re.search(r"file=(\S+)", info)
        if code == "yaml" and m:
            out.append((m.group(1), body))
    return out


def build_tutorial(lang: str, root: Path) -> Path:
    """Write the tutorial's files in the order the docs give them; the pack must be clean after each step."""
    folder = root / "stories" / "lost-cat"
    folder.mkdir(parents=True)
    steps = tutorial_files(lang)
    assert [name for name, _ in steps] == ["pack.yaml", "scenes.yaml", "pack.yaml", "world.yaml", "pack.yaml"]
    for name, body in steps:
        (folder / name).write_text(body, encoding="utf-8")
        pack = load_pack(folder)
        assert pack.warnings == [], [d.format() for d in pack.warnings]
    return folder


def test_tutorial_pack_is_the_same_in_both_languages():
    assert tutorial_files("ko") == tutorial_files("en")


@pytest.mark.parametrize("lang", LANGS)
def test_tutorial_pack_plays_to_an_ending(lang, tmp_path):
    folder = build_tutorial(lang, tmp_path)
    pack = load_pack(folder)
    assert len(pack.scenes) == 6 and len(pack.world_info) == 4
    report = playtest(pack, runs=100)
    assert report.ok, format_report(report)
    assert {sid for sid, *_ in report.endings} == {"found", "give_up"}

    text = (DOCS / lang / "tutorial.md").read_text(encoding="utf-8")
    m = re.search(r"\$ printf '([^']*)' \| adventure play stories/lost-cat --plain --model fallback --new", text)
    assert m, "the tutorial shows a scripted play session"
    game = Game(pack, None, store=None)
    ends = []
    game.subscribe(lambda e: ends.append(e) if isinstance(e, GameEnded) else None)
    game.start(resume=False)
    for line in m.group(1).split("\\n"):
        if line:
            game.handle(line)
    assert game.ended and ends
    assert f"── 결말: {ends[-1].title} ──" in text
    assert game.state.values["clues"] == 2 and game.state.values["inventory"] == []


@pytest.mark.parametrize("lang", LANGS)
def test_tutorial_mistakes_are_reported_as_the_docs_say(lang, tmp_path, monkeypatch):
    folder = build_tutorial(lang, tmp_path)
    text = (DOCS / lang / "tutorial.md").read_text(encoding="utf-8")
    shown = next(body for code, _, body, _ in fences(DOCS / lang / "tutorial.md")
                 if code == "text" and "ADV030" in body)
    scenes = folder / "scenes.yaml"
    good = scenes.read_text(encoding="utf-8")
    scenes.write_text(good.replace("goto: rooftop", "goto: roftop"), encoding="utf-8")
    (folder / "pack.yaml").write_text(tutorial_files(lang)[2][1], encoding="utf-8")  # as at step 2
    (folder / "world.yaml").unlink()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PackError) as caught:
        load_pack(Path("stories/lost-cat"))
    assert [d.format() for d in caught.value.diagnostics] == shown.strip().splitlines()

    scenes.write_text(good.replace("when: clues >= 2", "when: clues >= 3"), encoding="utf-8")
    assert "clues >= 3" in text
    report = playtest(load_pack(Path("stories/lost-cat")), runs=50)
    assert not report.ok and "rooftop" in report.unreached_scenes
    assert ("alley", 2) in report.unoffered_choices
