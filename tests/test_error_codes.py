"""One place for error codes: drivers/errors.py's ErrorCode lists every code a reply may carry and names each
code's exception class. The test fails on a class whose code the list does not hold, on a code written anywhere
in the tree (raised, answered, mapped to an HTTP status, compared) that the list does not hold, and on a listed
class that does not exist or carries another code."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import controller
import drivers
from drivers.errors import ERROR_CLASSES, ERROR_CODES, CourtroomError
from tests.conftest import REPO

CODE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$|^[A-Z]{4,}$")
CLIENT_SIDE = {"NETWORK", "TIMEOUT"}  # the console page's own words for a request that got no reply at all


def _import_everything() -> None:
    for package in (controller, drivers):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(info.name)


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def _resolve(dotted: str) -> object:
    module, _, name = dotted.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return importlib.import_module(dotted)


def test_every_error_class_declares_a_listed_code_and_is_listed_with_it() -> None:
    _import_everything()
    unlisted = set()
    for cls in _subclasses(CourtroomError) | {CourtroomError}:
        if not cls.__module__.startswith(("controller", "drivers")):
            continue  # a test's own subclass
        assert cls.code in ERROR_CODES, f"{cls.__qualname__}: {cls.code}"
        declared = cls.__dict__.get("code")
        if isinstance(declared, str) and f"{cls.__module__}.{cls.__qualname__}" not in ERROR_CLASSES[declared]:
            unlisted.add(f"{cls.__module__}.{cls.__qualname__} ({declared})")
    assert unlisted == set()


def test_every_listed_class_exists_and_carries_its_code() -> None:
    assert set(ERROR_CLASSES) == ERROR_CODES
    for code, names in ERROR_CLASSES.items():
        for name in names:
            target = _resolve(name)
            if isinstance(target, type) and "code" in target.__dict__:
                assert target.code == code, f"{name} carries {target.code}, listed for {code}"


def test_a_class_with_an_unlisted_code_fails_at_import() -> None:
    with pytest.raises(TypeError, match=r"error code 'NOT_A_CODE' is not in drivers/errors\.py"):
        type("Invented", (CourtroomError,), {"code": "NOT_A_CODE"})


def codes_written(path: Path) -> set[str]:
    """The error codes a source file writes: a class's ``code``, a constant given to an error or an error reply,
    a ``"code"`` key's value, a key of a table by code, a member of a set of codes, a constant compared with a
    code or an outcome, and the console's texts per code (``"error.<CODE>"``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()

    def constants(node: ast.AST | None) -> list[str]:
        if node is None:
            return []
        return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name.endswith(("Error", "_error", "_error_reply")):
                found |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
        elif isinstance(node, ast.ClassDef):
            for stmt in node.body:
                if not isinstance(stmt, ast.Assign | ast.AnnAssign):
                    continue
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if any(isinstance(t, ast.Name) and t.id == "code" for t in targets):
                    found |= set(constants(stmt.value))
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "code":
                    found |= set(constants(value))
                elif isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.startswith("error."):
                    found.add(key.value.removeprefix("error."))
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {ast.unparse(t) for t in targets}
            if any(re.search(r"CODE|STATUS|RETRYABLE|refused", n) for n in names):
                found |= set(constants(node.value))
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(re.search(r"\bcode\b|outcome", ast.unparse(side)) for side in sides):
                for side in sides:
                    found |= set(constants(side))
    return {word for word in found if CODE.match(word)}


def test_every_code_written_in_the_tree_is_on_the_list() -> None:
    unknown = {
        f"{path.relative_to(REPO)}: {code}"
        for package in ("controller", "drivers")
        for path in sorted((REPO / package).rglob("*.py"))
        for code in codes_written(path) - ERROR_CODES - CLIENT_SIDE
    }
    assert unknown == set()


def test_the_scan_sees_a_code_in_each_place_it_can_be_written(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "class A(CourtroomError):\n    code = 'CODE_ONE'\n"
        "raise RequestError('CODE_TWO', 'why')\n"
        "reply = _error_reply(None, 'CODE_THREE', 'why')\n"
        "body = {'code': 'CODE_FOUR', 'message': 'why'}\n"
        "STATUS_BY_CODE = {'CODE_FIVE': 409}\n"
        "if exc.code in {'CODE_SIX'}: pass\n"
        "TEXTS = {'error.CODE_SEVEN': ('x', 'y')}\n"
        "log.info('NOT_A_CODE_HERE')\n"
    )
    assert codes_written(probe) == {f"CODE_{n}" for n in ("ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN")}


def test_docs_name_only_listed_codes() -> None:
    """docs/mqtt.md's table of error codes, and every code docs/console.md names."""
    table = re.findall(r"^\| `([A-Z_]+)` \|", (REPO / "docs" / "mqtt.md").read_text(encoding="utf-8"), re.M)
    assert len(table) >= 15
    assert set(table) - ERROR_CODES == set()
