"""The per-device command queue on its own: depth, slots, expiry while waiting, coalescing, hearing steps."""

from __future__ import annotations

import asyncio
import time

import pytest

from controller.commands import CommandQueue, Expired, QueueFull, Superseded


async def test_depth_counts_waiting_and_running_and_frees_on_release() -> None:
    queue = CommandQueue("cam", depth=2, slots=1)
    a = queue.admit("power", coalesce=False, protected=False, deadline=None)
    b = queue.admit("power", coalesce=False, protected=False, deadline=None)
    with pytest.raises(QueueFull, match="queue depth 2"):
        queue.admit("power", coalesce=False, protected=False, deadline=None)
    queue.ready(a)
    queue.ready(b)
    await queue.wait_turn(a)
    assert not b.turn.done()  # one slot: b waits for a
    queue.release(a)
    await queue.wait_turn(b)
    c = queue.admit("power", coalesce=False, protected=False, deadline=None)  # a's place is free again
    queue.release(b)
    queue.release(c)
    assert len(queue) == 0 and queue.refused["BUSY"] == 1


async def test_a_waiting_command_expires_without_its_turn() -> None:
    queue = CommandQueue("cam", depth=4, slots=1)
    running = queue.admit("power", coalesce=False, protected=False, deadline=None)
    queue.ready(running)
    late = queue.admit("zoom_to", coalesce=True, protected=False, deadline=time.time() + 0.1)
    queue.ready(late)
    with pytest.raises(Expired):
        await asyncio.wait_for(queue.wait_turn(late), 5)
    queue.release(late)
    queue.release(running)
    assert len(queue) == 0 and queue.refused["EXPIRED"] == 1


async def test_newest_wins_but_never_over_a_hearing_step() -> None:
    queue = CommandQueue("cam", depth=3, slots=1)
    busy = queue.admit("power", coalesce=False, protected=False, deadline=None)
    queue.ready(busy)
    old = queue.admit("preset_recall", coalesce=True, protected=False, deadline=None)
    new = queue.admit("preset_recall", coalesce=True, protected=False, deadline=None)
    with pytest.raises(Superseded):
        await queue.wait_turn(old)
    step = queue.admit("preset_recall", coalesce=True, protected=True, deadline=None)  # a hearing's shot
    newest = queue.admit("preset_recall", coalesce=True, protected=False, deadline=None)
    with pytest.raises(Superseded):
        await queue.wait_turn(new)  # the client's waiting recall is replaced by the client's newest ...
    assert not step.turn.done()  # ... the hearing's step is not
    for entry in (step, newest):
        queue.ready(entry)
    # a hearing step is admitted past the depth and waits its turn
    extra = [queue.admit("power", coalesce=False, protected=True, deadline=None) for _ in range(5)]
    for entry in extra:
        queue.ready(entry)
    queue.release(busy)
    for entry in (step, newest, *extra):
        await asyncio.wait_for(queue.wait_turn(entry), 5)
        queue.release(entry)
    assert len(queue) == 0 and queue.refused == {"BUSY": 0, "EXPIRED": 0, "SUPERSEDED": 2}


async def test_a_move_waits_in_the_queue_behind_a_running_move_where_it_can_expire_or_be_replaced() -> None:
    queue = CommandQueue("cam", depth=4, slots=2)
    moving = queue.admit("preset_recall", coalesce=True, protected=False, deadline=None)
    queue.ready(moving)
    await queue.wait_turn(moving)
    stop = queue.admit("pan_tilt_stop", coalesce=False, protected=False, deadline=None)
    queue.ready(stop)
    await asyncio.wait_for(queue.wait_turn(stop), 5)  # the second slot: a stop reaches a moving camera
    queue.release(stop)
    late = queue.admit("zoom_to", coalesce=True, protected=False, deadline=time.time() + 0.1)
    queue.ready(late)
    with pytest.raises(Expired):  # not handed to the driver behind the move: its deadline held
        await asyncio.wait_for(queue.wait_turn(late), 5)
    queue.release(late)
    older = queue.admit("preset_recall", coalesce=True, protected=False, deadline=None)
    queue.ready(older)
    newer = queue.admit("preset_recall", coalesce=True, protected=False, deadline=None)
    queue.ready(newer)
    with pytest.raises(Superseded):
        await queue.wait_turn(older)
    queue.release(older)
    assert not newer.turn.done()
    queue.release(moving)
    await asyncio.wait_for(queue.wait_turn(newer), 5)  # the newest move runs once the camera is free
    queue.release(newer)
    assert len(queue) == 0 and queue.refused == {"BUSY": 0, "EXPIRED": 1, "SUPERSEDED": 1}
