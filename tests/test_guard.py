"""The leftover guard itself must be able to fail."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import _children, _open_ptys


def test_guard_sees_a_pty() -> None:
    import os

    before = _open_ptys()
    master, slave = os.openpty()
    try:
        assert len(_open_ptys() - before) == 2
    finally:
        os.close(master)
        os.close(slave)
    assert _open_ptys() == before


async def test_guard_sees_a_child_process() -> None:
    before = _children()
    proc = await asyncio.create_subprocess_exec("sleep", "5")
    try:
        assert proc.pid in _children() - before
    finally:
        proc.kill()
        await proc.wait()
    assert proc.pid not in _children()


@pytest.mark.allow_leftovers("this test checks that a stray task is visible, then cancels it")
async def test_guard_sees_a_task() -> None:
    task = asyncio.create_task(asyncio.sleep(10))
    assert task in asyncio.all_tasks()
    task.cancel()
