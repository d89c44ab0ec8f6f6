"""The PyInstaller recipe and the entry points agree with the files and functions they name.

The bundle itself is built and smoke-tested by `make package`, not here: it takes too long.
"""

from __future__ import annotations

import ast
import importlib
import tomllib
from pathlib import Path

import pytest

from tests.resources.test_desktop_files import EXTENSIONS

ROOT = Path(__file__).parents[2]
SPEC = ROOT / "packaging" / "pinscope.spec"


def spec_tree() -> ast.Module:
    return ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))


def calls(name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(spec_tree())
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
    ]


def keyword(call: ast.Call, name: str) -> ast.expr:
    (value,) = [item.value for item in call.keywords if item.arg == name]
    return value


def executables() -> dict[str, ast.Call]:
    return {ast.literal_eval(keyword(call, "name")): call for call in calls("EXE")}


def test_the_files_the_spec_names_exist() -> None:
    text = SPEC.read_text(encoding="utf-8")
    named = {
        "packaging/entry_gui.py": '"entry_gui.py"',
        "packaging/entry_cli.py": '"entry_cli.py"',
        "packaging/install-linux.sh": '"install-linux.sh"',
        "resources/app/pinscope.ico": '"pinscope.ico"',
        "resources/app/pinscope.icns": '"pinscope.icns"',
    }

    for path, literal in named.items():
        assert literal in text
        assert (ROOT / path).is_file()


def test_the_window_has_no_console_and_the_command_line_has_one() -> None:
    programs = executables()

    assert ast.literal_eval(keyword(programs["pinscope-gui"], "console")) is False
    assert ast.literal_eval(keyword(programs["pinscope"], "console")) is True


def test_both_programs_share_one_folder_named_pinscope() -> None:
    (collect,) = calls("COLLECT")
    shared = [arg.id for arg in collect.args if isinstance(arg, ast.Name)]

    assert shared[:2] == ["gui", "cli"]
    assert ast.literal_eval(keyword(collect, "name")) == "pinscope"


def test_macos_document_types_cover_every_extension() -> None:
    (assignment,) = [
        node
        for node in spec_tree().body
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "DOCUMENT_TYPES"
    ]
    document_types = ast.literal_eval(assignment.value)
    covered = {f".{extension}" for group in document_types.values() for extension in group}

    assert covered == set(EXTENSIONS)


def test_the_bundle_excludes_no_qt_module_the_code_imports() -> None:
    (assignment,) = [
        node
        for node in spec_tree().body
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "EXCLUDES"
    ]
    excluded = {name for name in ast.literal_eval(assignment.value) if name.startswith("PySide6")}
    sources = [path for folder in ("core", "cli", "gui") for path in (ROOT / folder).rglob("*.py")]
    imported = {
        name
        for path in sources
        for name in excluded
        if f"{name} " in path.read_text(encoding="utf-8")  # `from PySide6.QtSvg import ...`
        or f"{name}\n" in path.read_text(encoding="utf-8")  # `import PySide6.QtSvg`
    }

    assert excluded
    assert imported == set()


@pytest.mark.parametrize("section", ["scripts", "gui-scripts"])
def test_every_declared_command_names_an_existing_function(section: str) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    for command, target in project[section].items():
        module, _, function = target.partition(":")
        assert callable(getattr(importlib.import_module(module), function, None)), command


def test_the_window_command_is_a_gui_script() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    assert "pinscope-gui" in project["gui-scripts"]
    assert "pinscope" in project["scripts"]
    assert "pyinstaller" in " ".join(project["optional-dependencies"]["package"]).lower()
