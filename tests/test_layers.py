"""The house's layers, read from the imports of the tree: drivers never import the controller, the simulator
imports neither, and the simulator's modules import each other without a circle; the room's model never imports
the adapters above it, and the MQTT contract never the bridge (an import inside a function counts: it is how a
circle used to be dodged; only imports for the type checker are left out)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO


def _runtime_imports(path: Path, package: str) -> set[str]:
    """Modules of ``package`` that ``path`` imports at run time (anywhere in it, not under TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(sub) for stmt in node.body for sub in ast.walk(stmt))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == package)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == package:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def _modules(package: str) -> dict[str, Path]:
    root = REPO / package
    out = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle, each once (as the path that closes it)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def _graph(package: str) -> dict[str, set[str]]:
    modules = _modules(package)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = {t for t in _runtime_imports(path, package) if t in modules and t not in (name, package)}
        graph[name] = targets
    return graph


def test_drivers_never_import_the_controller() -> None:
    offenders = {
        f"{path.relative_to(REPO)}: {name}"
        for path in (REPO / "drivers").rglob("*.py")
        for name in _runtime_imports(path, "controller")
    }
    assert offenders == set()


def test_the_simulator_has_no_import_circle() -> None:
    graph = _graph("sim")
    assert len(graph) >= 20
    assert _cycles(graph) == []


def test_the_circle_check_finds_a_circle_even_through_a_function_level_import(tmp_path: Path) -> None:
    a = tmp_path / "a.py"
    a.write_text("from sim.b import x\n")
    b = tmp_path / "b.py"
    b.write_text("def f():\n    from sim.a import y\n")
    graph = {"sim.a": {m for m in _runtime_imports(a, "sim") if m == "sim.b"}}
    graph["sim.b"] = {m for m in _runtime_imports(b, "sim") if m == "sim.a"}
    assert _cycles(graph) == [["sim.a", "sim.b", "sim.a"]]
    typed = tmp_path / "c.py"
    typed.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sim.a import z\n")
    assert _runtime_imports(typed, "sim") == set()


DOMAIN = ("controller.model", "controller.events", "controller.room", "controller.supervisor", "controller.hearing",
          "controller.journal", "controller.recording", "controller.cases", "controller.streaming.service")  # fmt: skip
ADAPTERS = ("controller.mqtt", "controller.console")


def test_the_room_model_and_its_services_never_import_the_adapters_above_them() -> None:
    """domain <- contract <- bridge: the MQTT contract maps the room's model to topics, never the reverse."""
    offenders = set()
    for name, path in _modules("controller").items():
        if name.startswith(DOMAIN):
            offenders |= {f"{name}: {t}" for t in _runtime_imports(path, "controller") if t.startswith(ADAPTERS)}
    assert offenders == set()


CONTRACT, BRIDGE = "controller.mqtt.contract", "controller.mqtt.bridge"


def _path(graph: dict[str, set[str]], start: str, target: str) -> list[str] | None:
    """The shortest import path from ``start`` to ``target`` (through any module), or None."""
    came_from: dict[str, str | None] = {start: None}
    queue = [start]
    for node in queue:
        if node == target:
            path = [node]
            while (before := came_from[path[-1]]) is not None:
                path.append(before)
            return path[::-1]
        for nxt in sorted(graph.get(node, ())):
            if nxt not in came_from:
                came_from[nxt] = node
                queue.append(nxt)
    return None


def test_the_mqtt_contract_never_imports_the_bridge() -> None:
    """contract <- bridge: the contract is what the platform's programmers read (docs/mqtt.md is checked against
    it); the bridge implements it and imports it, never the reverse, not even through another module."""
    graph = _graph("controller")
    assert _path(graph, BRIDGE, CONTRACT) == [BRIDGE, CONTRACT]  # the arrow it guards, between the real modules
    assert _path(graph, CONTRACT, BRIDGE) is None, _path(graph, CONTRACT, BRIDGE)


def test_the_contract_check_finds_a_planted_import_of_the_bridge(tmp_path: Path) -> None:
    graph = _graph("controller")
    direct = tmp_path / "contract.py"
    direct.write_text("def topics():\n    from controller.mqtt import bridge\n")
    planted = {**graph, CONTRACT: {t for t in _runtime_imports(direct, "controller") if t in graph}}
    assert _path(planted, CONTRACT, BRIDGE) == [CONTRACT, BRIDGE]
    # through a module the contract may import (the model), which itself imports the bridge
    model = tmp_path / "model.py"
    model.write_text("import controller.mqtt.bridge\n")
    planted = {**graph, "controller.model": {t for t in _runtime_imports(model, "controller") if t in graph}}
    assert _path(planted, CONTRACT, BRIDGE) == [CONTRACT, "controller.model", BRIDGE]


def test_the_device_kinds_are_one_list() -> None:
    """The drivers' device classes are the kinds a room config accepts and the kinds the model has states for."""
    from typing import get_args

    from controller.config import DeviceKind
    from controller.model import STATE_MODELS
    from drivers.profiles import DeviceClass

    assert DeviceKind is DeviceClass
    assert set(STATE_MODELS) == set(get_args(DeviceClass))
