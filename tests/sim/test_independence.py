"""The simulator is a second, independent reading of protocols.md: it must never import the drivers."""

from __future__ import annotations

import ast
from pathlib import Path

import sim

FORBIDDEN = ("drivers", "controller")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


def test_sim_imports_neither_drivers_nor_controller() -> None:
    files = sorted(Path(sim.__file__).parent.rglob("*.py"))
    assert len(files) >= 8
    offenders = {
        f"{path.name}: {name}"
        for path in files
        for name in imported_modules(path)
        if name.startswith(".") or name.split(".")[0] in FORBIDDEN
    }
    assert offenders == set()


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from drivers.visca import codec\nimport controller.cli\nfrom . import x\n")
    assert imported_modules(probe) == {"drivers.visca", "controller.cli", "."}
