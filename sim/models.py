"""Finding and parsing a model profile (firmware_profiles/models/<vendor>/<model>.yaml) for the simulator:
what every family's builder starts from. What a family reads from it is the family's own."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from sim.errors import SimConfigError

DEFAULT_PROFILES_DIR = Path(__file__).resolve().parent.parent / "firmware_profiles"
"""The repository's firmware_profiles folder, found relative to the sim package."""

_REF = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*/[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def model_path(ref: str, profiles_dir: Path = DEFAULT_PROFILES_DIR) -> Path:
    """The file of model `ref`; refuses anything but `vendor/model` so a config cannot point outside."""
    if not _REF.match(ref) or ".." in ref:
        raise SimConfigError(f"profile {ref!r}: expected '<vendor>/<model>'")
    return profiles_dir / "models" / f"{ref}.yaml"


def read_model(path: Path) -> dict[str, Any]:
    """Parse one model file into a mapping, or fail naming the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SimConfigError(f"{path}: cannot read profile: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise SimConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SimConfigError(f"{path}: (top level): expected a mapping")
    return data
