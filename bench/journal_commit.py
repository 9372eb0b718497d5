"""Journal commit cost: what ``Journal.append`` costs the operation that waits for it, alone and in a burst.

Two kinds of rows: ``full`` (a hearing operation: fsynced before ``append`` returns) and ``after`` (a device
command: in the journal file before it returns, fsynced right after). ``single``: one row at a time, spaced
like a clerk's clicks (the hand-off to the writer thread and back, the transaction, and for ``full`` the
fsync). ``burst``: ``--burst`` rows asked for at once, as when a scene macro or a platform sends commands to
many devices together: the latency of each and how many share a transaction (group commit). The journal
lives in a temporary folder (``--dir``: put it on the filesystem of a real ``state_dir``).

Prints one JSON object. Usage: ``.venv/bin/python bench/journal_commit.py [--samples N] [--burst B] [--dir D]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from controller.journal import Journal, Kind  # noqa: E402


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 3)


async def run(samples: int, burst: int, folder: Path | None) -> dict[str, object]:
    result: dict[str, object] = {"samples": samples, "burst": burst}
    for mode in ("full", "after"):
        for key, value in (await run_mode(samples, burst, folder, mode == "full")).items():
            result[f"{mode}_{key}"] = value
    return result


async def run_mode(samples: int, burst: int, folder: Path | None, full: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-journal-", dir=folder) as tmp:
        journal = Journal(Path(tmp) / "journal.sqlite", "bench")
        await journal.open()
        try:
            row = {"device": "cam-judge", "action": "preset_recall", "params": {"preset": 1}, "ref": "x" * 32}
            single: list[float] = []
            for _ in range(samples):
                start = time.perf_counter()
                await journal.append(Kind.DEVICE_COMMAND, row, actor="mqtt:platform", full=full)
                single.append((time.perf_counter() - start) * 1000)
                await asyncio.sleep(0.01)
            bursts: list[float] = []
            commits_before = journal.commits
            rounds = max(1, samples // burst)

            async def one() -> None:
                start = time.perf_counter()
                await journal.append(Kind.DEVICE_COMMAND, row, actor="mqtt:platform", full=full)
                bursts.append((time.perf_counter() - start) * 1000)

            for _ in range(rounds):
                await asyncio.gather(*(one() for _ in range(burst)))
                await asyncio.sleep(0.01)
            commits = journal.commits - commits_before
        finally:
            await journal.close()
    return {
        "single_p50_ms": pct(single, 0.5),
        "single_p99_ms": pct(single, 0.99),
        "burst_p50_ms": pct(bursts, 0.5),
        "burst_p99_ms": pct(bursts, 0.99),
        "burst_rows_per_commit": round(len(bursts) / max(1, commits), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--dir", type=Path, default=None, help="where the journal lives (the state_dir's filesystem)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.samples, args.burst, args.dir))))


if __name__ == "__main__":
    main()
