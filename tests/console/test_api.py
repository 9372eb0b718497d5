"""The console's HTTP API and WebSocket over real HTTP: sessions, roles, origin checks, bad input, live state."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest

from controller.config import load_config
from controller.console.api import SESSION_COOKIE
from controller.console.limits import PAIR_FAILURES as MAX_FAILURES
from controller.console.server import start_console
from drivers.errors import ConfigError
from tests.console.conftest import USERS, ConsoleRig


async def _json(response: aiohttp.ClientResponse) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(await response.text())
    return data


async def post(client: aiohttp.ClientSession, path: str, body: Any = None, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    async with client.post(path, json=body if body is not None else {}, **kwargs) as response:
        return response.status, await _json(response)


async def get(client: aiohttp.ClientSession, path: str) -> tuple[int, dict[str, Any]]:
    async with client.get(path) as response:
        return response.status, await _json(response)


# -- not logged in -----------------------------------------------------------------------------------------
async def test_nothing_but_the_login_page_without_a_session(rig: ConsoleRig) -> None:
    client = await rig.session(None)
    async with client:
        for path in ("/", "/static/app.js", "/static/core.js", "/static/index.html", "/nowhere"):
            async with client.get(path, allow_redirects=False) as response:
                assert response.status == 302, path
                assert response.headers["Location"] == "/login"
        for path in ("/login", "/static/login.js", "/static/style.css", "/static/i18n.js"):
            async with client.get(path) as response:
                assert response.status == 200, path
                assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        for path in ("/api/state", "/api/session", "/api/journal", "/api/export", "/api/diagnostics", "/ws"):
            status, body = await get(client, path)
            assert status == 401, path
            assert body["error"]["code"] == "UNAUTHENTICATED"
        status, body = await post(client, "/api/hearing/check")
        assert status == 401
        status, body = await post(client, "/api/device/cam-judge/preset_recall", {"preset": 1})
        assert status == 401
        # a made-up cookie is no session
        client.cookie_jar.update_cookies({SESSION_COOKIE: "forged-token"})
        status, _ = await get(client, "/api/state")
        assert status == 401
    assert rig.sim.camera("cam-judge").presets == {}  # nothing reached a device


async def test_login_sets_a_strict_httponly_cookie_and_logout_ends_the_session(rig: ConsoleRig) -> None:
    client = await rig.session(None)
    async with client:
        user, password = USERS["clerk"]
        async with client.post("/api/login", json={"user": user, "password": password}) as response:
            assert response.status == 200
            assert await response.json() == {"user": user, "role": "clerk"}
            cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        assert "Path=/" in cookie
        status, session = await get(client, "/api/session")
        assert status == 200
        assert session["role"] == "clerk"
        assert "hearing" in session["permissions"]
        assert session["language"] == "zh-CN"
        assert {d["id"] for d in session["devices"]} == set(rig.room.device_ids())
        async with client.get("/login", allow_redirects=False) as response:
            assert response.status == 302  # logged in: to the console
        status, _ = await post(client, "/api/logout")
        assert status == 200
        status, _ = await get(client, "/api/state")
        assert status == 401
    await rig.journal.flush()
    kinds = [e.kind for e in await rig.journal.entries()]
    assert "console_login" in kinds
    assert "console_logout" in kinds


async def test_wrong_passwords_are_refused_and_then_locked_out(rig: ConsoleRig) -> None:
    client = await rig.session(None)
    async with client:
        user, password = USERS["judge"]
        status, body = await post(client, "/api/login", {"user": "nobody", "password": "whatever-1"})
        assert (status, body["error"]["code"]) == (401, "UNAUTHENTICATED")
        for _ in range(MAX_FAILURES):
            status, body = await post(client, "/api/login", {"user": user, "password": "wrong-password"})
            assert status == 401
        status, body = await post(client, "/api/login", {"user": user, "password": password})
        assert status == 429, body  # even the right password waits out the lock
        assert "too many failed logins" in body["error"]["message"]
        status, body = await post(client, "/api/login", {"user": user})
        assert status == 400
        assert "'user' and 'password'" in body["error"]["message"]


# -- roles -------------------------------------------------------------------------------------------------
async def test_a_judge_sees_but_cannot_control(rig: ConsoleRig) -> None:
    client = await rig.session("judge")
    async with client:
        status, state = await get(client, "/api/state")
        assert status == 200
        assert state["hearing"]["state"] == "idle"
        assert set(state["devices"]) == set(rig.room.device_ids())
        assert (await get(client, "/api/marks"))[0] == 200
        for path, body in (
            ("/api/hearing/check", {}),
            ("/api/hearing/open", {"case_no": "X-1"}),
            ("/api/hearing/mark", {"text": "note"}),
            ("/api/hearing/voice_follow", {"enabled": False}),
            ("/api/device/cam-judge/preset_recall", {"preset": 1}),
            ("/api/device/disp-judge/power", {"on": True}),
        ):
            status, refused = await post(client, path, body)
            assert status == 403, path
            assert refused["error"]["code"] == "FORBIDDEN"
        for path in ("/api/journal", "/api/diagnostics", "/api/journal?scope=room"):
            assert (await get(client, path))[0] == 403, path
    assert rig.hearing.phase == "idle"


async def test_the_clerk_drives_devices_but_raw_actions_are_the_technicians(rig: ConsoleRig) -> None:
    clerk = await rig.session("clerk")
    tech = await rig.session("technician")
    async with clerk, tech:
        status, body = await post(clerk, "/api/device/cam-judge/preset_set", {"preset": 2})
        assert status == 200, body
        assert 2 in rig.sim.camera("cam-judge").presets
        status, body = await post(clerk, "/api/device/cam-judge/preset_reset", {"preset": 2})
        assert status == 403
        assert "technician" in body["error"]["message"]
        assert (await get(clerk, "/api/diagnostics"))[0] == 403
        status, body = await post(tech, "/api/device/cam-judge/preset_reset", {"preset": 2})
        assert status == 200, body
        assert 2 not in rig.sim.camera("cam-judge").presets
        status, body = await post(tech, "/api/hearing/check")
        assert status == 403  # the technician does not run the hearing
        status, diag = await get(tech, "/api/diagnostics")
        assert status == 200
        assert diag["supervisors"]["cam-judge"]["online"] is True
        assert diag["console"]["sessions"] == 2
    await rig.journal.flush()
    commands = [e for e in await rig.journal.entries() if e.kind == "device_command_outcome"]
    assert [(e.actor, e.data["action"], e.data["outcome"]) for e in commands] == [
        ("console:clerk1", "preset_set", "ok"),
        ("console:tech1", "preset_reset", "ok"),
    ]


# -- bad input ---------------------------------------------------------------------------------------------
async def test_bad_requests_get_a_clear_error(rig: ConsoleRig) -> None:
    client = await rig.session("clerk")
    async with client:
        headers = {"Content-Type": "application/json"}
        async with client.post("/api/hearing/mark", data=b'{"text": "unterminated', headers=headers) as response:
            assert response.status == 400
            body = await response.json()
        assert body["error"]["code"] == "BAD_REQUEST"
        assert "not valid JSON" in body["error"]["message"]
        assert "line 1" in body["error"]["message"]
        async with client.post("/api/hearing/check", data=b"[1, 2]", headers=headers) as response:
            assert response.status == 400
            assert "must be a JSON object, not list" in (await response.json())["error"]["message"]
        async with client.post("/api/hearing/check", data=b"\xff\xfe", headers=headers) as response:
            assert response.status == 400
            assert "not UTF-8" in (await response.json())["error"]["message"]
        async with client.post("/api/hearing/check", data="{}", headers={"Content-Type": "text/plain"}) as response:
            assert response.status == 415
            assert "application/json" in (await response.json())["error"]["message"]
        async with client.post("/api/hearing/check", data=b"{}" + b" " * 70_000, headers=headers) as response:
            assert response.status == 413
            assert "too large" in (await response.json())["error"]["message"]
        status, body = await post(client, "/api/device/cam-judge/preset_recall", {"preset": 99})
        assert (status, body["error"]["code"]) == (400, "INVALID_ARGUMENT")
        assert "preset" in body["error"]["message"]
        status, body = await post(client, "/api/device/cam-judge/preset_recall", {"preset": "one"})
        assert status == 400
        assert body["error"]["message"].startswith("preset:")
        status, body = await post(client, "/api/device/no-such/preset_recall", {"preset": 1})
        assert (status, body["error"]["code"]) == (404, "NOT_FOUND")
        status, body = await post(client, "/api/hearing/adjourn")
        assert status == 404
        assert "check, open" in body["error"]["message"]
        status, body = await post(client, "/api/hearing/open", {"case_no": "X-1", "judge": "me"})
        assert (status, body["error"]["code"]) == (400, "INVALID_ARGUMENT")
        assert "judge" in body["error"]["message"]
        status, body = await post(client, "/api/hearing/resume")
        assert (status, body["error"]["code"]) == (409, "INVALID_STATE")
        assert (await get(client, "/api/journal?limit=lots"))[0] == 400
        async with client.get("/api/export?format=docx") as response:
            assert response.status == 400
            assert "format" in (await response.json())["error"]["message"]


async def test_requests_from_another_origin_or_host_are_refused(rig: ConsoleRig) -> None:
    client = await rig.session("clerk")
    async with client:
        status, body = await post(client, "/api/hearing/check", headers={"Origin": "http://evil.example"})
        assert status == 403
        assert "evil.example" in body["error"]["message"]
        status, body = await post(client, "/api/hearing/check", headers={"Sec-Fetch-Site": "cross-site"})
        assert status == 403
        status, body = await post(client, "/api/hearing/check", headers={"Origin": rig.origin})
        assert status == 200, body
        async with client.get("/api/state", headers={"Host": "evil.example:8080"}) as response:
            assert response.status == 421  # DNS rebinding: a name the console is not bound to


# -- the WebSocket -----------------------------------------------------------------------------------------
async def _next(ws: aiohttp.ClientWebSocketResponse, kind: str, predicate: Any = None, timeout: float = 10) -> Any:
    async with asyncio.timeout(timeout):
        while True:
            msg = await ws.receive_json()
            if msg["type"] == kind and (predicate is None or predicate(msg)):
                return msg


async def _all(ws: aiohttp.ClientWebSocketResponse, *predicates: Any, timeout: float = 10) -> list[Any]:
    """The first message matching each predicate, in whatever order they come."""
    found: list[Any] = [None] * len(predicates)
    async with asyncio.timeout(timeout):
        while any(f is None for f in found):
            msg = await ws.receive_json()
            for i, predicate in enumerate(predicates):
                if found[i] is None and predicate(msg):
                    found[i] = msg
    return found


async def test_the_websocket_checks_its_origin(rig: ConsoleRig) -> None:
    client = await rig.session("clerk")
    async with client:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect("/ws", headers={"Origin": "http://evil.example"})
        assert refused.value.status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect("/ws")  # no Origin at all
        assert refused.value.status == 403
        rig.console.config = rig.console.config.model_copy(update={"allowed_origins": ["https://panel.court.example"]})
        async with client.ws_connect("/ws", headers={"Origin": "https://panel.court.example"}) as ws:
            assert (await _next(ws, "snapshot"))["hearing"]["state"] == "idle"
    anonymous = await rig.session(None)
    async with anonymous:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await anonymous.ws_connect("/ws", headers={"Origin": rig.origin})
        assert refused.value.status == 401


async def test_live_state_and_events_follow_the_role(rig: ConsoleRig) -> None:
    clerk = await rig.session("clerk")
    judge = await rig.session("judge")
    async with (
        clerk,
        judge,
        clerk.ws_connect("/ws", headers={"Origin": rig.origin}) as cws,
        judge.ws_connect("/ws", headers={"Origin": rig.origin}) as jws,
    ):
        snapshot = await _next(cws, "snapshot")
        health = snapshot["devices"]["cam-judge"]["health"]
        assert (health["level"], health["reason"]) == ("ok", None)
        assert abs(health["since_ts"] - time.time() * 1000) < 120_000  # when its link came up
        assert snapshot["acks"] == {}
        await _next(jws, "snapshot")
        rig.sim.device("mics").press(1)  # type: ignore[attr-defined]
        event = await _next(cws, "device_event", lambda m: m["event"]["event"] == "mic_on")
        assert event["id"] == "mics"
        state = await _next(jws, "device", lambda m: m["id"] == "mics" and m["state"]["active"] == [1])
        assert state["health"]["level"] == "ok"
        status, _ = await post(clerk, "/api/hearing/check")
        assert status == 200
        for ws in (cws, jws):
            check, _ = await _all(
                ws,
                lambda m: m["type"] == "hearing_event" and m["event"]["event"] == "hearing_check",
                lambda m: m["type"] == "hearing" and m["state"]["state"] == "ready",
            )
            assert check["event"]["data"]["actor"] == "console:clerk1"
        status, _ = await post(clerk, "/api/hearing/voice_follow", {"enabled": False})
        assert status == 200
        await _next(cws, "hearing_event", lambda m: m["event"]["event"] == "voice_follow")
        rig.console.meter("mics", {"1": -12.5})
        meter = await _next(jws, "meter")
        assert meter == {"type": "meter", "id": "mics", "levels": {"1": -12.5}, "ts": meter["ts"]}
        # the judge's socket got neither the mic event nor the voice-follow event
        await asyncio.sleep(0.2)
        while True:
            try:
                msg = await jws.receive_json(timeout=0.1)
            except TimeoutError:
                break
            assert msg["type"] != "device_event"
            assert msg.get("event", {}).get("event") != "voice_follow"
        status, _ = await post(clerk, "/api/logout")
        closed = await _next(cws, "bye")
        assert closed["reason"] == "logged out"
        assert (await cws.receive()).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert cws.close_code == 4401


# -- a hearing through the API -----------------------------------------------------------------------------
async def test_a_hearing_with_a_failed_check_override_marks_and_export(rig: ConsoleRig) -> None:
    client = await rig.session("clerk")
    async with client:
        rig.sim.camera("cam-witness").unplug()
        await rig.until(lambda: not rig.room.online("cam-witness"), 15, "cam-witness offline")
        status, body = await post(client, "/api/hearing/check")
        assert status == 200
        assert body["data"]["ok"] is False
        status, body = await post(client, "/api/hearing/open", {"case_no": "(2025)京0105民初123号"})
        assert (status, body["error"]["code"]) == (409, "CHECK_FAILED")
        failed = [item for item in body["check"]["items"] if not item["ok"]]
        assert [(i["need"], i["device"]) for i in failed] == [("camera for witness", "cam-witness")]
        status, body = await post(
            client,
            "/api/hearing/open",
            {"case_no": "(2025)京0105民初123号", "title": "合同纠纷", "override_reason": "证人不出庭，无需证人摄像机"},
        )
        assert status == 200, body
        assert body["hearing"]["state"] == "in_session"
        hearing_id = body["data"]["hearing_id"]
        await rig.until(lambda: rig.hearing.state().recording == "recording", 10, "recording")
        status, body = await post(client, "/api/hearing/mark", {"text": "原告陈述"})
        assert status == 200, body
        status, body = await post(client, "/api/hearing/interrupt", {"reason": "recess"})
        assert status == 200, body
        status, body = await post(client, "/api/hearing/resume")
        assert status == 200, body
        status, body = await post(client, "/api/hearing/close")
        assert status == 200, body
        status, journal = await get(client, "/api/journal")
        assert journal["hearing_id"] == hearing_id
        kinds = [e["kind"] for e in journal["entries"]]
        opened = next(e for e in journal["entries"] if e["kind"] == "hearing_opened")
        assert opened["data"]["override"]["reason"] == "证人不出庭，无需证人摄像机"
        assert opened["data"]["by"] == {"name": "张书记员", "role": "clerk"}  # the console user, named
        for kind in (
            "hearing_opened",
            "mark",
            "hearing_interrupted",
            "hearing_resumed",
            "hearing_closed",
        ):
            assert kind in kinds
        assert all(e["actor"] == "console:clerk1" for e in journal["entries"] if e["kind"].startswith("hearing_"))
        status, marks = await get(client, "/api/marks")
        assert [m["data"]["text"] for m in marks["marks"]] == ["原告陈述"]
        async with client.get("/api/export?format=md") as response:
            assert response.status == 200
            assert response.headers["Content-Disposition"] == f'attachment; filename="{hearing_id}.md"'
            text = await response.text()
        assert "(2025)京0105民初123号" in text
        assert "原告陈述" in text
        async with client.get("/api/export", params={"hearing": "(2025)京0105民初123号", "format": "json"}) as r:
            record = await r.json()
        assert record["hearing_id"] == hearing_id
        assert record["check_override"]["reason"] == "证人不出庭，无需证人摄像机"
        assert record["opened_by"] == "张书记员（书记员）" and record["verification"]["ok"] is True
        status, body = await get(client, "/api/export?hearing=nope")
        assert status == 404
        assert "no hearing 'nope'" in body["error"]["message"]
        status, hearings = await get(client, "/api/hearings")
        assert [h["hearing_id"] for h in hearings["hearings"]] == [hearing_id]


async def test_a_taken_port_is_a_clear_start_up_error(rig: ConsoleRig) -> None:
    config = load_config(rig.config_path)
    port = int(rig.origin.rsplit(":", 1)[1])
    taken = config.model_copy(update={"console": config.console.model_copy(update={"port": port})})
    with pytest.raises(ConfigError, match=f"console: cannot listen on 127.0.0.1:{port}"):
        await start_console(taken, rig.room, rig.hearing, rig.journal)
    disabled = config.model_copy(update={"console": config.console.model_copy(update={"enabled": False})})
    server = await start_console(disabled, rig.room, rig.hearing, rig.journal)
    assert server.url is None
    await server.stop()


async def test_the_recording_rule_at_the_console_and_the_pdf_record(rig: ConsoleRig) -> None:
    clerk, tech = await rig.session("clerk"), await rig.session("technician")
    async with clerk, tech:
        assert (await post(clerk, "/api/hearing/open", {"case_no": "C-7"}))[0] == 200
        await rig.until(lambda: rig.sim.device("rec-main").transport == "record", 10, "recording")
        status, body = await post(tech, "/api/device/rec-main/stop")
        assert (status, body["error"]["code"]) == (409, "RECORDING_RULE"), body
        assert "hearing interruption" in body["error"]["message"]
        status, body = await post(clerk, "/api/device/rec-main/stop", {"override_reason": "书记员想停"})
        assert (status, body["error"]["code"]) == (403, "FORBIDDEN")
        assert rig.sim.device("rec-main").transport == "record"
        status, body = await post(tech, "/api/device/rec-main/stop", {"override_reason": "更换硬盘，工单 42"})
        assert status == 200, body
        assert rig.sim.device("rec-main").transport != "record"
        status, body = await post(tech, "/api/hearing/interrupt", {"reason": "fault", "note": "主机换盘"})
        assert status == 200, body  # the technician may declare the equipment fault
        assert (await post(tech, "/api/hearing/resume"))[0] == 403  # ... but runs no hearing
        assert (await post(clerk, "/api/hearing/resume"))[0] == 200
        assert (await post(clerk, "/api/hearing/close"))[0] == 200
        async with clerk.get("/api/export?format=pdf") as response:
            assert response.status == 200 and response.content_type == "application/pdf"
            assert (await response.read()).startswith(b"%PDF")
        async with clerk.get("/api/export?format=json&lang=en") as response:
            record = await response.json()
    assert record["lang"] == "en" and record["verification"]["ok"] is True
    assert [(r["kind"], r["by"]) for r in record["rules"]] == [("refused", "tech1 (technician)"),
                                                              ("override", "tech1 (technician)")]
    assert [i["by"] for i in record["interruptions"]] == ["tech1 (technician)"]
