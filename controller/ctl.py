"""`courtroom ctl`: a small MQTT client for the room: read its retained state, send a command and wait."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiomqtt

from controller import texts
from controller.config import load_config
from controller.model import now_ms
from controller.mqtt import NO_DELAY
from controller.mqtt.contract import TOPIC_PREFIX
from drivers.errors import CourtroomError, InvalidArgument


class CtlUsageError(InvalidArgument):
    """What the technician must change to reach the room (arguments, config, broker, password): exit 2."""


def explain_mqtt_error(exc: aiomqtt.MqttError, target: Target, config: Path | None) -> CtlUsageError:
    """One line for a failed broker connection: what went wrong and what to check (in ``config`` when the
    broker address and credentials came from it, else in the command's options)."""
    rc = getattr(exc, "rc", None)
    value = getattr(rc, "value", rc)
    if value in (4, 5, 134, 135):  # v3.1.1 bad credentials / not authorised; v5 the same (0x86, 0x87)
        who = f"user '{target.username}'" if target.username else "an anonymous client"
        return CtlUsageError(
            f"the broker at {target.host}:{target.port} refused {who} ({rc}): check "
            + (f"broker.username and broker.password_file in {config}" if config else "--username and --password-file")
        )
    text = " ".join(str(exc).split()) or type(exc).__name__
    return CtlUsageError(
        f"cannot reach the MQTT broker at {target.host}:{target.port} ({text}): is mosquitto running there? check "
        + (f"broker.host and broker.port in {config}" if config else "--host and --port")
    )


@dataclass(frozen=True)
class Target:
    """Where the room's daemon publishes: broker address, credentials and room id."""

    host: str
    port: int
    room_id: str
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_config(cls, path: Path) -> Target:
        config = load_config(path)
        b = config.broker
        return cls(b.host, b.port, config.room.id, b.username, b.password())

    @property
    def root(self) -> str:
        return f"{TOPIC_PREFIX}/{self.room_id}"

    def client(self) -> aiomqtt.Client:
        return aiomqtt.Client(
            self.host,
            self.port,
            username=self.username,
            password=self.password,
            identifier=f"ctl-{uuid.uuid4().hex[:12]}",
            protocol=aiomqtt.ProtocolVersion.V5,
            timeout=10,
            socket_options=NO_DELAY,
        )


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """``key=value`` words into a dict; values are read as JSON when they parse (3, true, "x"), else text."""
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise CtlUsageError(f"'{pair}': parameters are written key=value (e.g. preset=2)")
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError:
            params[key] = raw
    return params


async def send(
    target: Target, device: str, action: str, params: dict[str, Any], timeout_s: float = 30.0
) -> dict[str, Any]:
    """Publish one command and return its reply (the whole reply object, ok or error). With a user name, the
    command goes under it (``<device>/cmd/<action>/<user>``), so the room journals who sent it."""
    request_id = uuid.uuid4().hex
    suffix = f"/{target.username}" if target.username else ""
    async with target.client() as client:
        await client.subscribe(f"{target.root}/{device}/reply/{action}{suffix}", qos=1)
        payload = {"id": request_id, "ts": now_ms(), **params}
        await client.publish(f"{target.root}/{device}/cmd/{action}{suffix}", json.dumps(payload), qos=1)
        try:
            async with asyncio.timeout(timeout_s):
                async for message in client.messages:
                    reply = json.loads(message.payload)
                    if isinstance(reply, dict) and reply.get("id") == request_id:
                        return reply
        except TimeoutError:
            raise CourtroomError(
                f"no reply from room {target.room_id} within {timeout_s:g} s (is the daemon running?)"
            ) from None
    raise CourtroomError("connection closed before the reply came")


async def read_retained(target: Target, settle_s: float = 0.3, timeout_s: float = 5.0) -> dict[str, Any]:
    """Every retained message under the room, topic (below the root) -> decoded payload."""
    found: dict[str, Any] = {}
    async with target.client() as client:
        for sub in ("$ctl/+", "+/state", "+/availability"):  # +/state includes hearing/state
            await client.subscribe(f"{target.root}/{sub}", qos=1)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                async with asyncio.timeout(settle_s):
                    message = await anext(aiter(client.messages))
            except TimeoutError:
                if "$ctl/state" in found or time.monotonic() + settle_s >= deadline:
                    break
                continue
            key = message.topic.value[len(target.root) + 1 :]
            try:
                found[key] = json.loads(message.payload)
            except (json.JSONDecodeError, TypeError):
                found[key] = message.payload
    return found


def _device_names(retained: dict[str, Any]) -> dict[str, str]:
    devices = retained.get("$ctl/devices", {}).get("devices", [])
    return {dev["id"]: dev.get("name") or dev["id"] for dev in devices if isinstance(dev, dict) and "id" in dev}


def alarm_text(alarm: dict[str, Any], names: dict[str, str], lang: texts.Lang) -> str:
    """An alarm of the hearing's state in plain words, in ``lang``."""
    device = alarm.get("device")
    if device:
        shown = texts.local_name(names.get(device, device), lang)
    else:
        shown = texts.text("alarm.the_software_recording", lang)
    key = f"alarm.{alarm.get('kind')}"
    if key not in texts.CATALOGUE:
        key = "alarm.other"
    seat = str(alarm.get("id", "")).split(":")[2:3]
    return texts.text(key, lang, device=shown, seat=seat[0] if seat else "")


def format_status(target: Target, retained: dict[str, Any], lang: texts.Lang = "en") -> str:
    """The room's state as a few lines a technician can read at a glance, in ``lang``; a device's raw problem
    follows its plain words after "|"."""
    tx = texts.text
    ctl = retained.get("$ctl/state")
    if not isinstance(ctl, dict):
        return tx("ctl.no_state", lang, room=target.room_id, broker=f"{target.host}:{target.port}")
    info = retained.get("$ctl/info", {})
    names = _device_names(retained)
    room_name = texts.local_name(str(info.get("room_name", "")), lang)
    online = tx(f"ctl.controller.{ctl.get('state')}", lang) if ctl.get("state") in ("online", "offline") else ctl.get(
        "state"
    )
    lines = [tx("ctl.room", lang, room=target.room_id, name=room_name, state=online, session=ctl.get("session"))]
    hearing = retained.get("hearing/state")
    if isinstance(hearing, dict):
        phase = f"phase.{hearing.get('state')}"
        recording = f"recording.{hearing.get('recording')}"
        alarms = [alarm_text(a, names, lang) for a in hearing.get("alarms", []) if isinstance(a, dict)]
        lines.append(
            tx(
                "ctl.hearing",
                lang,
                phase=tx(phase, lang) if phase in texts.CATALOGUE else hearing.get("state"),
                case_no=hearing.get("case_no") or "",
                recording=tx(recording, lang) if recording in texts.CATALOGUE else hearing.get("recording"),
                marks=hearing.get("marks"),
            )
            + (tx("ctl.alarms", lang, alarms=("；" if lang == "zh-CN" else "; ").join(alarms)) if alarms else "")
        )
    devices = retained.get("$ctl/devices", {}).get("devices", [])
    for dev in devices:
        avail = retained.get(f"{dev['id']}/availability", {})
        state = retained.get(f"{dev['id']}/state", {})
        shown = " ".join(f"{k}={v}" for k, v in state.items() if k != "ts")
        name = texts.local_name(str(dev.get("name") or dev["id"]), lang)
        kind = tx(f"kind.{dev['kind']}", lang) if f"kind.{dev['kind']}" in texts.CATALOGUE else dev["kind"]
        link = avail.get("state", "?")
        link_text = tx(f"availability.{link}", lang) if link in ("online", "offline") else "?"
        problem = ""
        if avail.get("reason") and link != "online":
            problem = f" {texts.explain(avail['reason'], lang, name)} | {avail['reason']}"
        firmware = tx("ctl.firmware", lang, firmware=dev.get("firmware") or "?")
        lines.append(f"  {dev['id']:<16} {name} · {kind} · {link_text}{problem} · {dev['model']} {firmware}  {shown}")
    return "\n".join(lines)


def reply_text(reply: dict[str, Any], lang: texts.Lang) -> str:
    """An error reply in plain words (its code's text, then the raw message)."""
    error = reply.get("error") if isinstance(reply.get("error"), dict) else {}
    code = str(error.get("code", "")) if isinstance(error, dict) else ""
    message = str(error.get("message", "")) if isinstance(error, dict) else ""
    key = f"error.{code}"
    plain = texts.text(key, lang) if key in texts.CATALOGUE else texts.text("error.other", lang, code=code)
    return f"{plain} ({code}): {message}" if message else f"{plain} ({code})"
