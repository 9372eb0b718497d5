"""A simulated court case system (审判流程管理系统): today's hearings of each courtroom over HTTP/JSON.

``GET /api/v1/schedule?room=<room>&date=<yyyy-mm-dd>`` answers the day's schedule of that courtroom in the
shape many Chinese court systems use (pinyin keys: ``ah`` 案号, ``ay`` 案由, ``dsr`` 当事人, ``spry`` 审判人员,
``sjy`` 书记员, ``gkzt`` 公开状态, ``bgkyy`` 不公开原因). It asks for ``Authorization: Bearer <token>`` when
given a token, and for a client certificate when started with TLS and a client CA. Faults are set over
``POST /_sim/fault {"fault": "none"|"slow"|"down"|"malformed", "delay_s": 5}``: ``slow`` answers after
``delay_s``, ``down`` answers 503 (a stopped process is the other kind of down), ``malformed`` sends a body
that is not the schedule. ``python -m sim.case_system --room ROOM [--port P] [--token-file F]`` prints one JSON
line with its address and serves until SIGTERM. This module reads no code of the controller.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import socket
import ssl
import sys
from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from sim.endpoints import bound_socket

FAULTS = ("none", "slow", "down", "malformed")


def day_schedule(room: str, day: date) -> list[dict[str, Any]]:
    """The day's hearings of ``room``: a public civil case first, then a privacy case and a minor's case."""
    ymd = day.isoformat()
    year = day.year
    return [
        {
            "ajbs": f"{room}-{ymd}-1",
            "ah": f"({year})京0105民初1234号",
            "ay": "买卖合同纠纷",
            "kssj": f"{ymd} 09:00",
            "ft": room,
            "dsr": [{"ssdw": "原告", "mc": "北京某科技有限公司"}, {"ssdw": "被告", "mc": "张某"}],
            "spry": [{"js": "审判长", "xm": "李明"}, {"js": "审判员", "xm": "王芳"}],
            "sjy": "赵书记员",
            "gkzt": "公开",
            "bgkyy": None,
        },
        {
            "ajbs": f"{room}-{ymd}-2",
            "ah": f"({year})京0105民初2345号",
            "ay": "离婚纠纷",
            "kssj": f"{ymd} 10:30",
            "ft": room,
            "dsr": [{"ssdw": "原告", "mc": "刘某"}, {"ssdw": "被告", "mc": "陈某"}],
            "spry": [{"js": "审判员", "xm": "王芳"}],
            "sjy": "赵书记员",
            "gkzt": "不公开",
            "bgkyy": "个人隐私",
        },
        {
            "ajbs": f"{room}-{ymd}-3",
            "ah": f"({year})京0105刑初345号",
            "ay": "盗窃罪",
            "kssj": f"{ymd} 14:00",
            "ft": room,
            "dsr": [{"ssdw": "公诉机关", "mc": "北京市某区人民检察院"}, {"ssdw": "被告人", "mc": "孙某"}],
            "spry": [{"js": "审判长", "xm": "李明"}],
            "sjy": "钱书记员",
            "gkzt": "不公开",
            "bgkyy": "未成年人",
        },
    ]


class CaseSystem:
    """The service's state: the token it asks for, the fault in force, how many requests it answered."""

    def __init__(self, zone: tzinfo, token: str | None = None) -> None:
        self.zone = zone
        self.token = token
        self.fault = "none"
        self.delay_s = 5.0
        self.requests = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/v1/schedule", self.schedule)
        app.router.add_post("/_sim/fault", self.set_fault)
        return app

    async def schedule(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        if self.token is not None and request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"code": 401, "msg": "未授权 unauthorized"}, status=401)
        if self.fault == "down":
            return web.json_response({"code": 503, "msg": "系统维护 maintenance"}, status=503)
        if self.fault == "slow":
            await asyncio.sleep(self.delay_s)
        if self.fault == "malformed":
            return web.Response(text='{"code": 0, "data": {"ajlb": [{"ah": 12', content_type="application/json")
        room = request.query.get("room", "")
        text = request.query.get("date") or datetime.now(self.zone).date().isoformat()
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return web.json_response({"code": 400, "msg": f"bad date {text!r}"}, status=400)
        body = {"code": 0, "msg": "ok", "data": {"rq": day.isoformat(), "ft": room, "ajlb": day_schedule(room, day)}}
        return web.json_response(body, dumps=lambda obj: json.dumps(obj, ensure_ascii=False))

    async def set_fault(self, request: web.Request) -> web.Response:
        body = await request.json()
        fault = body.get("fault")
        if fault not in FAULTS:
            return web.json_response({"error": f"fault: one of {', '.join(FAULTS)}"}, status=400)
        self.fault = fault
        self.delay_s = float(body.get("delay_s", self.delay_s))
        return web.json_response({"fault": self.fault, "delay_s": self.delay_s})


async def serve(args: argparse.Namespace, token: str | None, stop: asyncio.Event) -> None:
    system = CaseSystem(ZoneInfo(args.timezone), token)
    runner = web.AppRunner(system.app(), access_log=None)
    await runner.setup()
    context = None
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        if args.client_ca:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(args.client_ca)
    sock = bound_socket(socket.SOCK_STREAM, "127.0.0.1", args.port)
    port = sock.getsockname()[1]
    site = web.SockSite(runner, sock, ssl_context=context)
    await site.start()
    scheme = "https" if context else "http"
    print(json.dumps({"case_system": f"{scheme}://127.0.0.1:{port}", "port": port}), flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.case_system", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token-file")
    parser.add_argument("--timezone", default="Asia/Shanghai")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--client-ca")
    args = parser.parse_args(argv)
    token = Path(args.token_file).read_text().strip() if args.token_file else None

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(args, token, stop)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
