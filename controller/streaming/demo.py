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
import time
from pathlib import Path
from typing import Any

from controller import ctl, texts
from controller.streaming.local_server import LocalRtmpServer, missing
from drivers.errors import ConfigError

STREAM_KEY = "demo-room"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def refusal_text(error: dict[str, Any], stream_state: Any, lang: texts.Lang) -> str:
    """Why a stream start was refused, in ``lang``: the stream's own reason from its retained state when that
    names a catalogue entry (``reason_key``), else the error code's words and the reply's raw message."""
    said = stream_state if isinstance(stream_state, dict) else {}
    key = said.get("reason_key")
    if said.get("state") == "refused" and isinstance(key, str) and key in texts.CATALOGUE:
        fields = said.get("reason_fields")
        return texts.stream_reason(key, fields if isinstance(fields, dict) else {}, lang)
    return f"{texts.error_text(str(error.get('code', '')), lang)} ({error.get('message', '')})"


def _publicity(case: dict[str, Any], lang: texts.Lang) -> str:
    """A scheduled case's publicity in words (the record's words for the reasons)."""
    if case["publicity"] == "public":
        return texts.text("demo.live.public", lang)
    key = f"record.publicity.{case['publicity_reason']}"
    reason = texts.text(key, lang) if key in texts.CATALOGUE else str(case["publicity_reason"] or "")
    return texts.text("demo.live.not_public", lang, reason=reason)


class LiveDemo:
    """The case system twin and the local RTMP server of one demo."""

    def __init__(self) -> None:
        self.case_system: asyncio.subprocess.Process | None = None
        self.case_url: str | None = None
        self.token_file: Path | None = None
        self.rtmp: LocalRtmpServer | None = None
        self.rtmp_missing: str | None = None
        self.recorder: str | None = None  # the software recorder the stream is taken from

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
        self.recorder = str(recorder["id"])
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

    async def open_and_stream(self, target: ctl.Target, say: Any = print, lang: texts.Lang = "en") -> str | None:
        """Open today's first scheduled case from the case system and put it on the air; its hearing id. What it
        says is in ``lang``."""

        def t(key: str, **fields: object) -> str:
            return texts.text(f"demo.live.{key}", lang, **fields)

        reply = await ctl.send(target, "cases", "refresh", {})
        if reply["status"] != "ok" or not reply["data"]["cases"]:
            say(t("no_schedule", problem=reply.get("error") or reply["data"].get("problem")))
            return None
        cases = reply["data"]["cases"]
        for c in cases:
            say(t("case", start=c["start"], case_no=c["case_no"], cause=c["cause"], publicity=_publicity(c, lang)))
        first = cases[0]
        opened = await ctl.send(target, "cases", "open", {"case": first["id"]})
        if opened["status"] != "ok":
            error = opened["error"]
            plain = texts.error_text(error["code"], lang)
            say(t("open_failed", case_no=first["case_no"], plain=plain, message=error["message"]))
            return None
        say(t("opened", case_no=first["case_no"], cause=first["cause"], hearing_id=opened["data"]["hearing_id"]))
        if self.rtmp is None:
            say(t("no_stream", why=self.rtmp_missing))
            return str(opened["data"]["hearing_id"])
        await self._until_recording(target)  # the recorder starts with the hearing's macro
        state = await ctl.send(target, "stream", "start", {})  # once: a refusal is a journal row
        if state["status"] == "ok":
            say(t("on_air", url=self.rtmp.url(STREAM_KEY)))
        else:  # the reply's message is the technician's English; the stream's state names its reason's words
            retained = await ctl.read_retained(target)
            say(t("refused", why=refusal_text(state["error"], retained.get("stream/state"), lang)))
        return str(opened["data"]["hearing_id"])

    async def _until_recording(self, target: ctl.Target, timeout_s: float = 10.0) -> None:
        """Wait (at most ``timeout_s``) until the stream's recorder says it records: a start before that is
        refused, and each refusal is a journal row."""
        deadline = time.monotonic() + timeout_s
        while self.recorder is not None and time.monotonic() < deadline:
            retained = await ctl.read_retained(target)
            if (retained.get(f"{self.recorder}/state") or {}).get("transport") == "record":
                return
            await asyncio.sleep(0.2)

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
