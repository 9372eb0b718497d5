"""The simulated case system as its own process (``python -m sim.case_system``), with a token."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import REPO
from tests.recording.conftest import court, live_media, recorder_changes  # noqa: F401 - the small recorded room

TOKEN = "s3cret-token-of-the-room"


@dataclass
class CaseSystemProcess:
    proc: asyncio.subprocess.Process
    url: str  # the schedule endpoint
    base: str
    token_file: Path

    async def fault(self, fault: str, delay_s: float = 5.0) -> None:
        async with aiohttp.ClientSession() as session, session.post(
            f"{self.base}/_sim/fault", json={"fault": fault, "delay_s": delay_s}
        ) as response:
            assert response.status == 200, await response.text()

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.terminate()
            await self.proc.wait()


@pytest.fixture
async def case_system(tmp_path: Path) -> AsyncIterator[CaseSystemProcess]:
    token_file = tmp_path / "case-token"
    token_file.write_text(TOKEN + "\n")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sim.case_system", "--token-file", str(token_file),
        cwd=REPO, stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 20)
        base = json.loads(line)["case_system"]
        yield CaseSystemProcess(proc, f"{base}/api/v1/schedule", base, token_file)
    finally:
        if proc.returncode is None:
            proc.terminate()
            await proc.wait()
