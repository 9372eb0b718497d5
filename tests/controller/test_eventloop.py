"""The daemon's event loop choice: uvloop when installed, asyncio's own on request or as the fallback."""

from __future__ import annotations

import asyncio
import sys

import pytest

from controller import eventloop
from controller.cli import build_parser


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_auto_runs_on_uvloop_when_installed_and_asyncio_on_request() -> None:
    pytest.importorskip("uvloop")
    assert eventloop.run(_loop_module()).startswith("uvloop")
    assert eventloop.run(_loop_module(), "uvloop").startswith("uvloop")
    assert eventloop.run(_loop_module(), "asyncio").startswith("asyncio")


def test_without_uvloop_auto_falls_back_and_uvloop_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop now raises ImportError
    assert eventloop.run(_loop_module()).startswith("asyncio")
    with pytest.raises(eventloop.LoopUnavailable, match="uvloop is not installed"):
        eventloop.run(_loop_module(), "uvloop")
    with pytest.raises(ValueError, match="'trio' is not one of auto, uvloop, asyncio"):
        eventloop.run(_loop_module(), "trio")  # type: ignore[arg-type]


def test_run_takes_the_loop_switch() -> None:
    parser = build_parser()
    assert parser.parse_args(["run", "room.yaml"]).loop == "auto"
    assert parser.parse_args(["run", "room.yaml", "--loop", "asyncio"]).loop == "asyncio"
    with pytest.raises(SystemExit):
        parser.parse_args(["run", "room.yaml", "--loop", "trio"])
