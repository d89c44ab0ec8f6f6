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


def imported_modules(source: str) -> set[str]:
    """Every absolute module an import statement in `source` may load, parents included.

    `from PySide6 import QtSvg` yields `PySide6.QtSvg` as well as `PySide6`: the names after
    `import` may be modules, and an excluded one would be missing from the bundle.
    """
    named: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            named.add(node.module)
            named.update(f"{node.module}.{alias.name}" for alias in node.names)
    parts = [name.split(".") for name in named]
    return {".".join(part[:end]) for part in parts for end in range(1, len(part) + 1)}


def bundled_sources() -> list[Path]:
    """The Python files the bundle is built from: the packages and the two entry scripts."""
    folders = ("core", "cli", "gui", "resources")
    packages = [path for folder in folders for path in (ROOT / folder).rglob("*.py")]
    return [*packages, ROOT / "packaging" / "entry_gui.py", ROOT / "packaging" / "entry_cli.py"]


@pytest.mark.parametrize(
    "statement",
    [
        "import PySide6.QtSvg",
        "import PySide6.QtSvg as svg",
        "from PySide6.QtSvg import QSvgRenderer",
        "from PySide6 import QtSvg",
        "from PySide6 import QtCore, QtSvg as svg",
        "def later():\n    from PySide6 import QtSvg",
    ],
)
def test_every_form_of_import_is_seen(statement: str) -> None:
    assert "PySide6.QtSvg" in imported_modules(statement)


def test_relative_imports_are_not_taken_for_top_level_modules() -> None:
    assert imported_modules("from . import tkinter\nfrom .QtSvg import x") == set()


def test_the_bundle_excludes_no_module_the_code_imports() -> None:
    (assignment,) = [
        node
        for node in spec_tree().body
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "EXCLUDES"
    ]
    excluded = set(ast.literal_eval(assignment.value))
    imported = {
        (path.relative_to(ROOT).as_posix(), module)
        for path in bundled_sources()
        for module in imported_modules(path.read_text(encoding="utf-8")) & excluded
    }

    assert {name for name in excluded if name.startswith("PySide6.")}
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
