"""The journal on a real small filesystem that fills up: it refuses rows it cannot keep, writes its own alarm from
its reserve, holds the rows nobody waits for, and comes back by itself when the space does."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from controller.journal import Journal, JournalError, JournalFile, Kind, SpaceLimits
from controller.journal.space import RESERVE_NAME
from tests.disk import fill, small_disk

KiB = 1024


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    with small_disk(tmp_path / "disk", "4m") as mounted:
        yield mounted


async def _status_leaves(journal: Journal, status: str, timeout: float) -> None:
    """Wait until the journal's status is no longer ``status`` (its listeners say when it changes)."""
    changed = asyncio.Event()
    journal.status_listeners.append(changed.set)
    async with asyncio.timeout(timeout):
        while journal.status == status:
            changed.clear()
            await changed.wait()


async def test_a_full_disk_refuses_rows_alarms_from_the_reserve_and_recovers(disk: Path) -> None:
    limits = SpaceLimits(reserve=512 * KiB, min_free=256 * KiB, low_space=1024 * KiB)
    journal = Journal(disk / "journal.sqlite", "b2-cr104", limits)
    statuses: list[str] = []
    journal.status_listeners.append(lambda: statuses.append(journal.status))
    await journal.open()
    try:
        assert (disk / RESERVE_NAME).stat().st_size == 512 * KiB
        await journal.append(Kind.MARK, {"text": "before"}, actor="clerk", hearing_id="H1")
        filler = await asyncio.to_thread(fill, disk)
        with pytest.raises(JournalError, match="state_dir full"):
            await journal.append(Kind.MARK, {"text": "refused"}, actor="clerk", hearing_id="H1")
        assert journal.status == "unavailable" and statuses[-1] == "unavailable"
        assert not (disk / RESERVE_NAME).exists()  # given up for the alarm
        journal.record(Kind.DEVICE_OFFLINE, {"device": "cam-judge"})  # nobody waits for it: held, not lost
        with pytest.raises(JournalError):
            await journal.append(Kind.MARK, {"text": "still refused"}, actor="clerk", hearing_id="H1")

        rows = await journal.entries()
        assert [e.kind for e in rows] == [Kind.MARK, Kind.JOURNAL_UNAVAILABLE]
        assert "state_dir full" in rows[-1].data["problem"]

        filler.unlink()
        await _status_leaves(journal, "unavailable", 10)  # the journal writes again once there is room
        assert (disk / RESERVE_NAME).stat().st_size == 512 * KiB  # the reserve is back first
        await journal.append(Kind.MARK, {"text": "after"}, actor="clerk", hearing_id="H1")
        kinds = [(e.kind, e.data.get("text") or e.data.get("device")) for e in await journal.entries()]
        assert kinds[:4] == [
            (Kind.MARK, "before"),
            (Kind.JOURNAL_UNAVAILABLE, None),
            (Kind.JOURNAL_AVAILABLE, None),
            (Kind.DEVICE_OFFLINE, "cam-judge"),
        ]
        assert (Kind.MARK, "after") in kinds and (Kind.MARK, "refused") not in kinds
    finally:
        await journal.close()
    file = JournalFile(disk / "journal.sqlite", "b2-cr104")
    try:
        count, bad, _ = file.verify()
        assert bad is None and count >= 5
    finally:
        file.close()
