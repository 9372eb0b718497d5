"""For `courtroom demo`: the simulated case system in its own process and a local RTMP server, added to the
demo's room config, then today's first scheduled case opened from the case system and streamed, over MQTT.

``controller/demo.py`` calls, in order: ``await live.start(workdir)`` before writing the room config,
``live.configure(data)`` on the config's dict, ``await live.open_and_stream(target)`` in the tour (instead of
typing the case), and ``await live.stop()`` at the end. Without nginx the case is still opened from the case
system and the stream is skipped, saying why.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from controller import ctl
from controller.streaming.local_server import LocalRtmpServer, missing
from drivers.errors import ConfigError

STREAM_KEY = "demo-room"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


class LiveDemo:
    """The case system twin and the local RTMP server of one demo."""

    def __init__(self) -> None:
        self.case_system: asyncio.subprocess.Process | None = None
        self.case_url: str | None = None
        self.token_file: Path | None = None
        self.rtmp: LocalRtmpServer | None = None
        self.rtmp_missing: str | None = None

    async def start(self, workdir: Path) -> None:
        self.token_file = workdir / "case-system-token"
        await asyncio.to_thread(_write, self.token_file, "demo-case-token\n")
        self.case_system = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sim.case_system", "--token-file", str(self.token_file),
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert self.case_system.stdout is not None
        line = await asyncio.wait_for(self.case_system.stdout.readline(), 20)
        try:
            self.case_url = json.loads(line)["case_system"] + "/api/v1/schedule"
        except (ValueError, KeyError):
            raise ConfigError(f"the simulated case system did not start: {line!r}") from None
        self.rtmp_missing = missing()
        if self.rtmp_missing is None:
            self.rtmp = LocalRtmpServer(workdir / "nginx")
            await self.rtmp.start()

    def configure(self, data: dict[str, Any]) -> None:
        """Add ``cases:`` and (with a software recorder and nginx) ``streaming:`` to the room config."""
        data["cases"] = {"url": self.case_url, "token_file": str(self.token_file), "refresh_s": 60}
        recorder = next((d for d in data["devices"] if d.get("profile") == "generic/software-recorder"), None)
        if recorder is None or self.rtmp is None:
            return
        videos = recorder.get("options", {}).get("video", [])
        seats = {s["id"] for s in data.get("seats", [])}
        protected = {"witness": {"video": videos[-1], "region": [0.5, 0.2, 0.4, 0.6]}} if videos else {}
        data["streaming"] = {
            "recorder": recorder["id"],
            "url": self.rtmp.url(STREAM_KEY).rsplit("/", 1)[0],
            "width": 960,
            "height": 540,
            "video_kbps": 1500,
            "seats": {k: v for k, v in protected.items() if k in seats},
        }
        key = Path(str(self.token_file)).with_name("stream-key")
        key.write_text(STREAM_KEY + "\n")
        data["streaming"]["key_file"] = str(key)

    async def open_and_stream(self, target: ctl.Target, say: Any = print) -> str | None:
        """Open today's first scheduled case from the case system and put it on the air; its hearing id."""
        reply = await ctl.send(target, "cases", "refresh", {})
        if reply["status"] != "ok" or not reply["data"]["cases"]:
            say(f"   the case system gave no schedule: {reply.get('error') or reply['data'].get('problem')}")
            return None
        cases = reply["data"]["cases"]
        for c in cases:
            why = c["publicity_reason"] or ""
            say(f"   {c['start']}  {c['case_no']}  {c['cause']}  {c['publicity']} {why}".rstrip())
        first = cases[0]
        opened = await ctl.send(target, "cases", "open", {"case": first["id"]})
        if opened["status"] != "ok":
            say(f"   opening {first['case_no']} failed: {opened['error']['message']}")
            return None
        say(f"   opened {first['case_no']} ({first['cause']}) from the case system: {opened['data']['hearing_id']}")
        if self.rtmp is None:
            say(f"   no live stream: {self.rtmp_missing}")
            return str(opened["data"]["hearing_id"])
        for _ in range(50):  # the recorder starts with the hearing's macro
            state = await ctl.send(target, "stream", "start", {})
            if state["status"] == "ok" or "not recording" not in state["error"]["message"]:
                break
            await asyncio.sleep(0.2)
        if state["status"] == "ok":
            say(f"   on the air: {self.rtmp.url(STREAM_KEY)}  (watch: ffplay or vlc on that address)")
        else:
            say(f"   stream refused: {state['error']['message']}")
        return str(opened["data"]["hearing_id"])

    async def stop(self) -> None:
        if self.rtmp is not None:
            await self.rtmp.stop()
        proc, self.case_system = self.case_system, None
        if proc is not None and proc.returncode is None:
            proc.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 5)
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
