"""One formatter for validation errors (drivers/validation.py): every place that validates with pydantic (room
config, profiles, a device's options, user files, a command's parameters) reports one line per problem naming
the file or device, the key, and what is wrong; and no other module formats a ValidationError by hand."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from drivers.devices.base import describe_validation
from drivers.errors import ConfigError
from drivers.profiles import parse_options
from drivers.validation import validation_lines
from tests.conftest import REPO


class Seat(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    address: int
    kind: Literal["camera", "display"] = "camera"


class Room(BaseModel):
    model_config = ConfigDict(extra="forbid")
    devices: list[Seat]


def _error(model: type[BaseModel], data: object) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return info.value


def test_a_line_names_the_file_the_device_by_its_id_and_the_key_and_suggests_a_spelling() -> None:
    data = {"devices": [{"id": "cam-a", "address": 1}, {"id": "cam-b", "address": "two", "knd": "camera"}]}
    lines = validation_lines(_error(Room, data), source="room.yaml", root=Room, data=data)
    assert len(lines) == 2
    assert lines[0].startswith("room.yaml: devices[1] (cam-b).address: Input should be a valid integer")
    assert lines[1] == "room.yaml: devices[1] (cam-b).knd: unknown key (did you mean 'kind'?)"


def test_options_name_the_device_and_the_key_under_options() -> None:
    with pytest.raises(ConfigError, match=r"^cam-b: options\.devices\[0\] \(x\)\.address: missing$"):
        parse_options(Room, {"devices": [{"id": "x"}]}, "cam-b: options", ConfigError)


def test_a_command_s_parameters_are_one_line_each_named_with_a_spelling_hint() -> None:
    text = describe_validation(_error(Seat, {"id": "x", "adress": 3}), Seat)
    assert text == "address: missing; adress: unknown key (did you mean 'address'?)"


def test_no_other_module_formats_a_validation_error_by_hand() -> None:
    """Reading ``.errors()`` of a ValidationError is the formatter's alone."""
    offenders = set()
    for package in ("controller", "drivers"):
        for path in (REPO / package).rglob("*.py"):
            if path == REPO / "drivers" / "validation.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "errors":
                    offenders.add(f"{path.relative_to(REPO)}:{node.lineno}")
    assert offenders == set()


def test_the_room_config_goes_through_it(tmp_path: Path) -> None:
    from controller.config import parse_config

    with pytest.raises(ConfigError) as info:
        parse_config({"room": {"id": "r"}, "devices": [], "brokr": {}}, "room.yaml")
    assert any(line.startswith("room.yaml: brokr: unknown key") for line in str(info.value).splitlines())
