"""`courtroom demo`: the example courtroom simulated, a private mosquitto and the daemon, with a short tour.

Everything runs on this machine: every device of the standard courtroom is simulated on the endpoint a real one
would have (ptys for serial lines, TCP and UDP ports for network devices), the broker listens on a free loopback
port, and the tour drives the room over MQTT only, apart from the simulated people pressing buttons.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import tempfile
from pathlib import Path
from typing import Any

import yaml

from controller import ctl, texts
from controller.console.users import add_user
from controller.daemon import run_daemon
from controller.fleet.demo import fleet_for_demo, mqtt_users
from controller.localbroker import LocalBroker
from controller.recording import demo as recording_demo
from controller.streaming.demo import LiveDemo
from drivers.errors import CourtroomError

DEMO_USERS = {"clerk": "clerk", "judge": "judge", "technician": "technician"}
DEMO_PASSWORD = "demo-password"  # a demo on loopback only; a real room adds users with `courtroom console-user add`
PLATFORM_USER = "console"  # the MQTT account the tour drives the room with (deploy/mosquitto/courtroom.acl)
PLATFORM_NAME = "王书记员"  # what the journal and the record call it (broker.operators)

EXAMPLES = Path(__file__).resolve().parent.parent / "deploy" / "examples"
EXAMPLE = EXAMPLES / "courtroom-standard.yaml"
EXTRAS = EXAMPLES / "courtroom-av-extras.yaml"  # USB light and foot switch, audio levels, camera pictures


def demo_config(base: Path, out: Path) -> Path:
    """The room to simulate: ``base``, plus the AV extras when it is the standard room."""
    data = yaml.safe_load(base.read_text(encoding="utf-8"))
    if base.resolve() == EXAMPLE.resolve():
        extras = yaml.safe_load(EXTRAS.read_text(encoding="utf-8"))
        data["devices"] += extras["devices"]
        for seat in data.get("seats", []):  # the seats' microphone channels, for their level meters
            seat["mics"] = seat.get("mics", []) + extras.get("seat_mics", {}).get(seat["id"], [])
        data["hearing"] = {**data.get("hearing", {}), **extras["hearing"]}
        listed = data["hearing"].get("recorders")
        if isinstance(listed, list):  # the room names its recorders: the software recorder records the hearing too
            listed += [d["id"] for d in extras["devices"] if d.get("kind") == "recorder" and d["id"] not in listed]
    out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


# Where each camera looks when its seat is in shot: (pan, tilt, zoom) in the model's units.
SEAT_SHOTS = {
    "judge": (0, 120, 6000),
    "plaintiff": (-800, -60, 9000),
    "defendant": (800, -60, 9000),
    "witness": (300, -100, 12000),
    "panorama": (0, 0, 0),
}


def _attach_local_hardware(run_dir: Path) -> None:
    """The daemon runs in this process: hand it the simulator's USB bus and ALSA configuration."""
    from drivers.usb.backend import set_backend
    from sim.audio import alsa_env
    from sim.usb.backend import BUS

    set_backend(BUS)
    os.environ.update(alsa_env(run_dir))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


LANG: list[texts.Lang] = ["en"]  # the tour's language, set by run_demo (--lang, else the environment)


def _say(text: str = "") -> None:
    print(text, flush=True)


def _t(key: str, **fields: object) -> str:
    return texts.text(key, LANG[0], **fields)


def _recording(status: str) -> str:
    """The hearing's recording status: as it is in English (the MQTT value), in words in Chinese."""
    key = f"recording.{status}"
    return status if LANG[0] == "en" or key not in texts.CATALOGUE else _t(key)


def _zh(key: str, value: object) -> str:
    """A state value as the MQTT contract has it in English; in Chinese its words from the catalogue, when it has
    them (``transport.record`` -> 录像中, ``demo.value.red`` -> 红色, ``seat.judge`` -> 审判长)."""
    if LANG[0] == "en" or f"{key}.{value}" not in texts.CATALOGUE:
        return str(value)
    return _t(f"{key}.{value}")


def _dev(device_id: str, names: dict[str, str]) -> str:
    """A device as the tour names it: its id in English (as on MQTT), its Chinese name in Chinese."""
    return device_id if LANG[0] == "en" else texts.local_name(names.get(device_id, device_id), LANG[0])


def _recorders(recorders: dict[str, Any], names: dict[str, str]) -> str:
    """``{'rec-main': 'record'}`` in English (the topic's own words); in Chinese 庭审录像主机 录像中、..."""
    if LANG[0] == "en":
        return str(recorders)
    return "、".join(f"{_dev(r, names)} {_zh('transport', t)}" for r, t in recorders.items())


async def _wait_online(target: ctl.Target, timeout_s: float = 30.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout_s):
        while True:
            retained = await ctl.read_retained(target)
            state = retained.get("$ctl/state", {})
            if isinstance(state, dict) and state.get("state") == "online":
                return retained
            await asyncio.sleep(0.5)


async def _send(target: ctl.Target, device: str, action: str, **params: Any) -> dict[str, Any]:
    reply = await ctl.send(target, device, action, params)
    shown = " ".join(f"{k}={v}" for k, v in params.items())
    if reply["status"] == "ok":
        outcome = _t("demo.ok")
    else:
        code, message = reply["error"]["code"], reply["error"]["message"]
        outcome = _t("demo.error", plain=texts.error_text(code, LANG[0]), code=code, message=message)
    _say(f"  {device:<14} {action} {shown}  ->  {outcome}")
    return reply


class _EventTap:
    """Collects the room's hearing events while the tour runs (alarms come and go faster than a poll)."""

    def __init__(self, target: ctl.Target) -> None:
        self.target = target
        self.events: list[dict[str, Any]] = []
        self.state: dict[str, Any] = {}
        self._new = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def __aenter__(self) -> _EventTap:
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self._ready.wait(), 10)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        async with self.target.client() as client:
            await client.subscribe(f"{self.target.root}/hearing/+", qos=1)
            self._ready.set()
            async for message in client.messages:
                payload = json.loads(message.payload)
                if message.topic.value.endswith("/state"):
                    self.state = payload
                else:
                    self.events.append(payload)
                self._new.set()

    async def wait(self, event: str, timeout_s: float = 10.0) -> dict[str, Any]:
        """The latest hearing event named ``event``, waiting for one if there is none yet."""
        await self._until(lambda: any(e.get("event") == event for e in self.events), event, timeout_s)
        return [e for e in self.events if e.get("event") == event][-1]

    async def until(self, what: str, test: Any, timeout_s: float = 10.0) -> dict[str, Any]:
        """The hearing state once ``test(state)`` holds."""
        await self._until(lambda: bool(self.state) and test(self.state), what, timeout_s)
        return self.state

    async def _until(self, ready: Any, what: str, timeout_s: float) -> None:
        try:
            async with asyncio.timeout(timeout_s):
                while not ready():
                    self._new.clear()
                    await self._new.wait()
        except TimeoutError:
            raise CourtroomError(f"the tour waited {timeout_s:g} s for {what}; hearing/state is {self.state}") from None


async def _tour(
    target: ctl.Target, devices: list[dict[str, Any]], sim: Any, config_path: Path, live: LiveDemo | None = None
) -> None:
    async with _EventTap(target) as tap:
        await _tour_steps(target, devices, sim, config_path, tap, live=live)


def _export(config_path: Path, hearing_id: str, anchor: str) -> tuple[str, str, Path]:
    """What `courtroom journal verify --anchor` and `journal export` (md, then pdf) say about the hearing."""
    from argparse import Namespace

    from controller.hearing.record import build_record
    from controller.hearing.record_render import render_markdown, render_pdf
    from controller.journal.cli import open_journal, source, verified

    src = source(config_path)
    file = open_journal(src)
    try:
        report = verified(file, Namespace(public_key=None, anchor=anchor, anchor_from_broker=False), src)
        record = build_record(file, hearing_id, "en" if LANG[0] == "en" else "zh", report, src.zone)
    finally:
        file.close()
    pdf = render_pdf(record, Path(tempfile.gettempdir()) / f"{hearing_id}.pdf")
    return report.summary(LANG[0]), render_markdown(record), pdf


async def _tour_steps(
    target: ctl.Target,
    devices: list[dict[str, Any]],
    sim: Any,
    config_path: Path,
    tap: _EventTap,
    *,
    live: LiveDemo | None = None,
) -> None:
    cameras = [d for d in devices if d["kind"] == "camera"]
    _say(_t("demo.step1"))
    for dev in cameras:
        pan, tilt, zoom = SEAT_SHOTS.get(dev.get("role") or "", (0, 0, 0))
        if "pan_tilt_to" in dev["actions"]:
            await _send(target, dev["id"], "pan_tilt_to", pan=pan, tilt=tilt)
        if "zoom_to" in dev["actions"]:
            await _send(target, dev["id"], "zoom_to", position=zoom)
        await _send(target, dev["id"], "preset_set", preset=0)
    _say(_t("demo.step2"))
    await _send(target, cameras[0]["id"], "preset_recall", preset=200)
    await _send(target, "disp-judge", "input", input="vga9")
    await _send(target, "hearing", "resume")

    _say(_t("demo.step3"))
    await _send(target, "hearing", "check")
    opened = await live.open_and_stream(target, _say, LANG[0]) if live is not None else None  # today's case, on air
    if opened is None:  # no case system: the clerk types the case
        await _send(
            target, "hearing", "open", case_no="(2026)京0105民初1234号", title="合同纠纷", parties=["甲公司", "乙公司"]
        )
    state = await tap.until("recording", lambda s: s.get("recording") == "recording")
    names = {d["id"]: str(d.get("name") or d["id"]) for d in devices}
    _say(_t("demo.hearing_state", state=state["state"], phase=_t(f"phase.{state['state']}"),
            recording=_recording(state["recording"]), recorders=_recorders(state["recorders"], names)))

    _say(_t("demo.step4"))
    mics = sim.device("mics")
    for seat_no, seat in ((3, "plaintiff"), (4, "defendant"), (1, "judge")):
        mics.press(seat_no)
        state = await tap.until(seat, lambda s, seat=seat: s["voice_follow"]["seat"] == seat)
        shot = state["voice_follow"]["seat"]
        _say(_t("demo.mic_shot", seat_no=seat_no, seat=shot, seat_name=_t(f"seat.{shot}")))
        mics.release(seat_no)
    await _send(target, "hearing", "mark", text="原告陈述完毕", seat="plaintiff")

    devices_by_id = {d["id"]: d for d in devices}
    if "rec-light" in devices_by_id and "foot-switch" in devices_by_id:
        _say(_t("demo.foot"))
        light = sim.device("rec-light")
        _say(_t("demo.light", on=_zh("demo.value", light.on), color=_zh("demo.value", light.color)))
        marks_before = len([e for e in tap.events if e.get("event") == "mark"])
        sim.device("foot-switch").tap()
        await tap._until(lambda: len([e for e in tap.events if e.get("event") == "mark"]) > marks_before, "mark", 5)
        mark = [e for e in tap.events if e.get("event") == "mark"][-1]
        actor = str(mark["data"]["actor"])
        if LANG[0] != "en" and actor.startswith("button:"):
            actor = texts.local_name(str(devices_by_id.get(actor[7:], {}).get("name", actor)), LANG[0])
        text = texts.mark_text(str(mark["data"]["text"]), str(mark["data"]["actor"]), LANG[0])
        _say(_t("demo.mark", actor=actor, text=text, offset=mark["data"]["offset_s"]))
    signals = [d["id"] for d in devices if d["kind"] in ("audio_input", "video_input")]
    if signals:
        _say(_t("demo.signals"))
        retained = await ctl.read_retained(target)
        for device_id in signals:
            state = retained.get(f"{device_id}/state", {})
            if "seats" in state:
                shown = ", ".join(
                    _t("demo.seat_level", seat=_zh("seat", seat), level=f"{lvl['rms_dbfs']:.0f}",
                       speaking=_t("demo.speaking") if lvl["speaking"] else "")
                    for seat, lvl in state["seats"].items()
                    if lvl.get("rms_dbfs") is not None
                )
                _say(f"   {_dev(device_id, names)}: {shown}")
            elif "signal" in state:
                _say(_t("demo.picture", device=_dev(device_id, names),
                        signal=_zh("demo.value", state["signal"]), fps=state["fps"],
                        width=state["width"], height=state["height"]))

    _say(_t("demo.step5"))
    await _send(target, "hearing", "interrupt", reason="recess", note="休庭十分钟")
    state = await tap.until("paused", lambda s: s.get("recording") == "paused")
    _say(_t("demo.recess_state", state=state["state"], phase=_t(f"phase.{state['state']}"),
            label=_t(f"reason.{state['interruption']['reason']}"), recording=_recording(state["recording"])))
    await _send(target, "hearing", "resume")

    _say(_t("demo.step6"))
    await tap.until("recording", lambda s: s.get("recording") == "recording")
    tap.events.clear()
    sim.device("rec-main").press_stop()
    raised = await tap.wait("alarm_raised")
    alarm = raised["data"]
    text = alarm.get("message", "") if LANG[0] == "en" else ctl.alarm_text(alarm, names, LANG[0])
    _say(_t("demo.alarm_raised", severity=_t(f"demo.severity.{raised['severity']}"), text=text))
    attempt = await tap.wait("recovery_attempt")
    ok = attempt["data"]["ok"]
    _say(_t("demo.recovery", action=attempt["data"]["action"], ok=ok,
            outcome=_t("demo.recovery_ok") if ok else _t("demo.recovery_failed")))
    cleared = await tap.wait("alarm_cleared")
    _say(_t("demo.alarm_cleared", seconds=cleared["data"]["duration_s"]))
    await _send(target, "hearing", "mark", text="质证结束")
    await _send(target, "hearing", "close")
    state = await tap.until("closed", lambda s: s.get("state") == "closed")
    software = "rec-soft" in {d["id"] for d in devices}
    # the last segments are sealed and copied after the close: the record and the listing wait for them
    sealed = await recording_demo.wait_settled(config_path, state["hearing_id"]) if software else False

    _say(_t("demo.step7"))
    retained = await ctl.read_retained(target)
    checkpoint = retained.get("$ctl/journal", {})
    _say(_t("demo.checkpoint", seq=checkpoint.get("seq"), hash=checkpoint.get("hash"),
            signature=str(checkpoint.get("signature"))[:44], fingerprint=checkpoint.get("key_fingerprint")))
    anchor = f"{checkpoint.get('seq')}:{checkpoint.get('hash')}"
    verified, record_md, pdf = await asyncio.to_thread(_export, config_path, state["hearing_id"], anchor)
    _say(_t("demo.verified", anchor=anchor[:24], result=verified))
    _say(_t("demo.step8"))
    for line in record_md.splitlines():
        _say(f"   {line}")
    _say(_t("demo.pdf", pdf=pdf))
    if software:
        _say(_t("demo.soft1"))
        if not sealed:
            _say(_t("demo.soft_unsettled"))
        for verb in ("list", "verify"):
            code, lines = await recording_demo.recording_command(config_path, verb, state["hearing_id"], LANG[0])
            _say(f"   $ courtroom recording {verb} {state['hearing_id']}  (exit {code})")
            for line in lines:
                _say(f"   {line}")
        _say(_t("demo.soft2", hearing=state["hearing_id"]))
    _say(_t("demo.step9"))
    _say(ctl.format_status(target, await ctl.read_retained(target), LANG[0]))


async def run_demo(
    config: Path | None = None, tour_only: bool = False, lang: texts.Lang = "en", fleet_rooms: bool = False
) -> int:
    """Start everything, run the tour (its words in ``lang``), then keep running until Ctrl-C (or stop after the
    tour)."""
    LANG[0] = lang
    from sim.room import SimulatedRoom  # the simulator is only needed here, not by the daemon

    workdir = Path(tempfile.mkdtemp(prefix="courtroom-demo-"))
    console_port = _free_port()
    source = demo_config(config or EXAMPLE, workdir / "room-source.yaml")
    room_id = str(yaml.safe_load(source.read_text(encoding="utf-8"))["room"]["id"])
    # the room logs in as itself; the tour as the platform's "console" account, which sends its commands under
    # its own name (the ACL lets only it), so the journal and the record name the sender
    broker = LocalBroker(
        workdir / "broker",
        users={room_id: DEMO_PASSWORD, PLATFORM_USER: DEMO_PASSWORD, **mqtt_users(DEMO_PASSWORD)},
    )
    live = LiveDemo()  # the court's case system (simulated, in its own process) and a local RTMP server
    stack = contextlib.AsyncExitStack()
    sim = SimulatedRoom(source, run_dir=workdir / "sim", wire_time=True, live=True)
    _attach_local_hardware(workdir / "sim")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    daemon: asyncio.Task[int] | None = None
    try:
        await asyncio.to_thread(broker.start)
        await sim.start()
        await live.start(workdir / "live")
        room_cfg = workdir / "room.yaml"
        sim.write_config(room_cfg)
        data = yaml.safe_load(room_cfg.read_text())
        secret = workdir / "mqtt-password"
        secret.write_text(DEMO_PASSWORD)
        data["broker"] = {
            "host": "127.0.0.1",
            "port": broker.port,
            "username": room_id,
            "password_file": str(secret),
            "operators": {PLATFORM_USER: {"name": PLATFORM_NAME, "role": "clerk"}},
        }
        data["state_dir"] = str(workdir / "state")
        users = workdir / "console-users.yaml"
        for name, role in DEMO_USERS.items():
            add_user(users, name, role, DEMO_PASSWORD)
        data["console"] = {"port": console_port, "users_file": str(users)}
        for device in data["devices"]:  # the software recorder's backup store: beside its store, in the demo folder
            if device.get("profile") == "generic/software-recorder":
                device.setdefault("options", {})["backup"] = str(workdir / "sim" / "recordings" / "backup")
        live.configure(data)
        room_cfg.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
        _say(_t("demo.simulated", room=data["room"]["id"], name=texts.local_name(data["room"]["name"], lang)))
        for dev_id, endpoint in sim.endpoints.items():
            _say(_t("demo.endpoint", device=f"{dev_id:<14}", endpoint=endpoint))
        _say(_t("demo.broker", port=broker.port, config=room_cfg))

        daemon = asyncio.create_task(run_daemon(room_cfg, stop))
        target = ctl.Target("127.0.0.1", broker.port, room_id, PLATFORM_USER, DEMO_PASSWORD)
        retained = await _wait_online(target)
        await _tour(target, retained["$ctl/devices"]["devices"], sim, room_cfg, live)
        _say(_t("demo.watch"))
        login = f"-u {PLATFORM_USER} -P {DEMO_PASSWORD}"
        _say(f"  mosquitto_sub -h 127.0.0.1 -p {broker.port} {login} -t 'courtroom/v1/#' -v")
        url = f"http://127.0.0.1:{console_port}/"
        _say(_t("demo.console", url=url, password=DEMO_PASSWORD))
        _say(_t("demo.replay", url=url))
        fleet = await stack.enter_async_context(
            fleet_for_demo(workdir, broker.port, PLATFORM_USER, DEMO_PASSWORD, extra_rooms=fleet_rooms)
        )
        _say(f"  fleet view (the court's technicians; viewer or technician / {DEMO_PASSWORD}): {fleet}")
        _say(f"  courtroom recording list|verify HEARING --config {room_cfg}")
        _say(_t("demo.send"))
        _say(f"  .venv/bin/courtroom ctl --config {room_cfg} send cam-witness preset_recall preset=0")
        _say(f"  .venv/bin/courtroom ctl --config {room_cfg} hearing open case_no=A-1")
        _say(f"  .venv/bin/courtroom ctl --config {room_cfg} status")
        if not tour_only:
            _say(_t("demo.running"))
            await stop.wait()
        stop.set()
        return await daemon
    except CourtroomError as exc:
        _say(_t("demo.failed", plain=texts.error_text(exc.code, lang), error=exc))
        return 1
    finally:
        stop.set()
        if daemon is not None and not daemon.done():
            with contextlib.suppress(Exception):
                await daemon
        await stack.aclose()
        await live.stop()
        await sim.stop()
        await asyncio.to_thread(broker.stop)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        shutil.rmtree(workdir, ignore_errors=True)
