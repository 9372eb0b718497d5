"""Reading the project's YAML files (room configs, firmware profiles) safely and with YAML 1.2 numbers.

PyYAML follows YAML 1.1, where ``1e30`` is a string: a technician who writes it means a number, so the loader
reads it as one (and the schema then refuses it when it is out of range). A file nested absurdly deep is refused
with its depth instead of exhausting the parser's recursion.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from drivers.errors import CourtroomError, ProfileError

MAX_DEPTH = 32
"""Deeper nesting than this is refused: no valid config or profile comes close (the deepest are about 6)."""

_FLOAT_12 = re.compile(
    r"""^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)


_Safe: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: a 1000-device room in 30 ms


class _Loader(_Safe):  # type: ignore[valid-type,misc]
    """The safe loader with YAML 1.2's float syntax (``1e30``, ``1.5E-3``) on top of 1.1's."""


# added after SafeLoader's own resolvers, so its int and float forms (``12``, ``0x4000``, ``1.5``) still win
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_12, list("-+0123456789."))


def _depth(data: Any) -> int:
    """How deep mappings and lists nest in ``data`` (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, level = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        deepest = max(deepest, level + 1)
        if level + 1 > MAX_DEPTH:
            return level + 1
        stack.extend((child, level + 1) for child in children)
    return deepest


def read_yaml_mapping(path: Path, error: type[CourtroomError] = ProfileError) -> dict[str, Any]:
    """A YAML file whose top level is a mapping; ``error`` names the file and what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.start}): save it as UTF-8") from exc
    try:
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except RecursionError:
        raise error(f"{path}: nested too deeply (at most {MAX_DEPTH} levels)") from None
    except yaml.YAMLError as exc:
        if "nesting depth" in str(exc):  # libyaml's own limit (1000 levels)
            raise error(f"{path}: nested too deeply (at most {MAX_DEPTH} levels)") from None
        raise error(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from exc
    if not isinstance(data, dict):
        raise error(f"{path}: (top level): expected a mapping, got {type(data).__name__}")
    if _depth(data) > MAX_DEPTH:
        raise error(f"{path}: nested too deeply (at most {MAX_DEPTH} levels)")
    return data
