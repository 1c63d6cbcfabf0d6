"""Plugin discovery (project folder, entry points, user folder), the `adventure plugins` command and
`adventure generate --steer`."""

from __future__ import annotations

import importlib
import json
import textwrap

import pytest

from adventure.cli import main
from adventure.models.loader import load_model
from adventure.steering.registry import PROJECT_DIR, PluginRegistry, discover
from tiny_models import build_tiny_gpt2

PLUGIN_SRC = '''
from adventure.steering import Plugin


class Quiet(Plugin):
    name = "{name}"
    version = "2.1"
    default_enabled = False

    def edit_logits(self, input_ids, scores, turn):
        return scores

    def on_output(self, text, turn):
        return text


plugin = Quiet
'''


def write_plugin(folder, stem, name):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.py").write_text(PLUGIN_SRC.format(name=name), encoding="utf-8")


def test_the_project_folder_holds_the_shipped_plugins():
    infos = {i.name: i for i in discover(entry_points=False, user_dir=None)}
    for name in ("pplm", "logit-bias", "activation", "mood-words"):
        assert infos[name].status == "ok", infos[name].error
        assert infos[name].origin == "project" and infos[name].version
    assert "past" in infos["pplm"].hooks and "fusion" in infos["pplm"].hooks
    assert infos["activation"].hooks == ["activations"]
    assert infos["logit-bias"].hooks == ["logits"]
    assert infos["pplm"].default_enabled and not infos["logit-bias"].default_enabled


def test_discovery_from_a_folder(tmp_path):
    write_plugin(tmp_path, "quiet", "quiet")
    write_plugin(tmp_path, "_helper", "never")                # private: skipped
    (tmp_path / "broken.py").write_text("import no_such_module_here\n", encoding="utf-8")
    (tmp_path / "nameless.py").write_text("plugin = object()\n", encoding="utf-8")
    pkg = tmp_path / "pkgplugin"
    write_plugin(pkg, "__init__", "from-package")
    infos = {i.name: i for i in discover(project_dir=tmp_path, entry_points=False, user_dir=None)}
    assert infos["quiet"].status == "ok" and infos["quiet"].version == "2.1"
    assert infos["quiet"].hooks == ["logits", "output-text"]
    assert infos["from-package"].status == "ok"
    assert "never" not in infos
    assert infos["broken"].status == "error" and "no_such_module_here" in infos["broken"].error
    assert infos["nameless"].status == "error"


def test_first_plugin_of_a_name_wins(tmp_path):
    write_plugin(tmp_path / "a", "one", "same")
    write_plugin(tmp_path / "b", "two", "same")
    infos = discover(project_dir=tmp_path / "a", entry_points=False, user_dir=tmp_path / "b")
    same = [i for i in infos if i.name == "same"]
    assert [i.status for i in same] == ["ok", "shadowed"] and [i.origin for i in same] == ["project", "user"]
    reg = PluginRegistry(infos)
    assert reg.get("same") is same[0].plugin
    assert reg.enabled() == [] and reg.enabled(["same"]) == [same[0].plugin]


def test_discovery_from_entry_points(tmp_path, monkeypatch):
    src = tmp_path / "site"
    (src / "advplug_demo").mkdir(parents=True)
    (src / "advplug_demo" / "__init__.py").write_text(PLUGIN_SRC.format(name="from-entry-point"), encoding="utf-8")
    dist = src / "advplug_demo-0.3.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: advplug-demo\nVersion: 0.3\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(
        "[adventure.plugins]\ndemo = advplug_demo:plugin\nbad = advplug_demo:missing\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(src))
    importlib.invalidate_caches()
    infos = {i.name: i for i in discover(project_dir=None, user_dir=None)}
    assert infos["from-entry-point"].status == "ok"
    assert infos["from-entry-point"].origin == "entry-point"
    assert "advplug-demo" in infos["from-entry-point"].source
    assert infos["bad"].status == "error"


def test_user_folder_from_platformdirs(tmp_path, monkeypatch):
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_data_dir", lambda *a, **k: str(tmp_path))
    write_plugin(tmp_path / "plugins", "mine", "user-made")
    infos = {i.name: i for i in discover(project_dir=None, entry_points=False)}
    assert infos["user-made"].origin == "user"


def test_env_switch_disables_plugins(monkeypatch):
    monkeypatch.setenv("ADVENTURE_NO_PLUGINS", "1")
    assert discover() == []


def test_cli_lists_plugins(capsys):
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "pplm" in out and "logit-bias" in out and "past, fusion" in out and "version" in out
    assert main(["plugins", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in rows} >= {"pplm", "activation", "logit-bias", "mood-words"}
    assert main(["plugins", "attributes"]) == 0
    out = capsys.readouterr().out
    assert "공포 (horror" in out and "전투" in out


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return build_tiny_gpt2(tmp_path_factory.mktemp("tiny"), n_ctx=128)


def test_cli_attributes_on_a_model(tiny, capsys):
    assert main(["plugins", "attributes", "--model", str(tiny), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert all(row["skipped"] == [] and row["multi_token"] > 0 for row in data["attributes"])


def test_cli_generate_steer(tiny, capsys):
    args = ["generate", "--model", str(tiny), "--prompt", "나는 숲을 걷는다.", "--seed", "3", "--max-new-tokens",
            "12", "--no-trim", "--no-stop"]
    assert main(args) == 0
    plain = capsys.readouterr().out
    assert main(args + ["--steer", "공포=0.8", "--stats"]) == 0
    captured = capsys.readouterr()
    assert captured.out != plain and "steering 공포=0.8 with activation, pplm" in captured.err
    assert main(args + ["--steer", "horror=0.8", "--steer-method", "logit-bias"]) == 0
    assert capsys.readouterr().out != plain
    assert main(args + ["--steer", "공포=0"]) == 0
    assert capsys.readouterr().out == plain


@pytest.mark.parametrize("bad", ["공포", "공포=abc", "공포=3"])
def test_cli_generate_bad_steer_is_one_line(tiny, capsys, bad):
    assert main(["generate", "--model", str(tiny), "--prompt", "x", "--steer", bad]) == 1
    err = capsys.readouterr().err
    assert err.startswith("adventure: error:") and err.count("\n") == 1


def test_cli_generate_unknown_attribute_is_a_notice(tiny, capsys):
    assert main(["generate", "--model", str(tiny), "--prompt", "x", "--max-new-tokens", "3",
                 "--steer", "유머=0.5"]) == 0
    assert "유머" in capsys.readouterr().err


def test_example_plugin_in_the_docs_is_the_shipped_one():
    """docs/*/plugins.md show plugins/mood_words.py verbatim."""
    src = (PROJECT_DIR / "mood_words.py").read_text(encoding="utf-8")
    body = src.split('"""', 2)[2].strip()
    for lang in ("en", "ko"):
        doc = (PROJECT_DIR.parent / "docs" / lang / "plugins.md").read_text(encoding="utf-8")
        assert textwrap.dedent(body) in doc, lang
