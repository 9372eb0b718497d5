"""The simulator is a second, independent reading of protocols.md: it must never import the drivers."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import sim
from sim.errors import SimError

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


def test_a_family_module_dropped_into_the_simulator_is_found_and_a_broken_one_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim import registry

    extra = tmp_path / "simext"
    extra.mkdir()
    (extra / "tinyfam.py").write_text(
        "from sim.registry import BuiltLine, register_family\n\n"
        "def register() -> None:\n"
        "    register_family('tinyfam', {'indicator'}, lambda endpoint, devices, baud: BuiltLine(endpoint))\n"
    )
    monkeypatch.setattr(sim, "__path__", [*sim.__path__, str(extra)])
    monkeypatch.setattr(registry, "FAMILIES", dict(registry.FAMILIES))
    monkeypatch.setattr(registry, "ENDPOINTS", dict(registry.ENDPOINTS))
    monkeypatch.setattr(registry, "_scanned", set(registry._scanned))  # what this test scans is forgotten after it
    monkeypatch.delitem(sys.modules, "sim.tinyfam", raising=False)
    registry.discover()
    assert registry.FAMILIES["tinyfam"].kinds == frozenset({"indicator"})  # no list was edited

    (extra / "brokenfam.py").write_text("from sim.registry import register_famly\n")  # a typo
    with pytest.raises(SimError, match="sim/brokenfam: the module does not import: ImportError"):
        registry.discover()
    for name in ("sim.tinyfam", "sim.brokenfam"):
        sys.modules.pop(name, None)


def test_the_families_in_the_simulator_s_packages_are_found_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """VISCA's pieces live under sim/visca/ and USB's under sim/usb/: the scan enters packages."""
    from sim import registry

    monkeypatch.setattr(registry, "FAMILIES", {})
    monkeypatch.setattr(registry, "ENDPOINTS", {})
    monkeypatch.setattr(registry, "_scanned", set())
    registry.discover()
    assert {"visca", "visca_ip"} <= set(registry.FAMILIES)
    assert {"udp://", "usb:"} <= set(registry.ENDPOINTS)
    assert {"sim.visca.bus", "sim.visca.ip", "sim.usb.room"} <= registry._scanned
