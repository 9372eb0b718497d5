"""`courtroom fleet`: the fleet view (web page), its terminal status, its users, the room's bridge config and
simulated rooms for a demo."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from pathlib import Path
from typing import Any

from controller.eventloop import cancel_and_wait
from drivers.errors import ConfigError

DEFAULT_USERS = Path("/etc/courtroom/fleet-users.yaml")


def _broker_options(p: argparse.ArgumentParser, default: Any = None) -> None:
    p.add_argument("--broker", default=default, help="the central cluster: HOST:PORT[,HOST:PORT...] (tried in turn)")
    p.add_argument("--username", default=default, help="the fleet view's MQTT user on the central cluster")
    p.add_argument("--password-file", type=Path, default=default)


def add_fleet_parser(sub: Any) -> None:
    p = sub.add_parser(
        "fleet",
        help="the court's fleet view over every room on the central broker (docs/fleet.md)",
        description="Without a subcommand: serve the fleet view's web page.",
    )
    _broker_options(p)
    p.add_argument("--users", type=Path, default=DEFAULT_USERS, help=f"fleet users file (default {DEFAULT_USERS})")
    p.add_argument("--listen", default="127.0.0.1", help="address of the web page (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8090, help="port of the web page (default 8090)")
    p.add_argument("--stale-after", type=float, default=300.0, help="seconds of silence before a room is grey")
    p.set_defaults(func=_cmd_serve)
    fleet_sub = p.add_subparsers(dest="fleet_command")

    s = fleet_sub.add_parser("status", help="every room's state in the terminal, then exit")
    _broker_options(s, argparse.SUPPRESS)
    s.add_argument("--wait", type=float, default=3.0, help="seconds to collect the retained state (default 3)")
    s.set_defaults(func=_cmd_status)

    b = fleet_sub.add_parser("bridge-config", help="print the room broker's bridge to the central cluster")
    b.add_argument("--name", required=True, help="the room id (or the building's name for a building broker)")
    b.add_argument("--central", required=True, help="HOST:PORT[,HOST:PORT...] of the central nodes")
    b.add_argument("--round-robin", action="store_true", help="stay on the node that answered (default: primary)")
    b.add_argument("--remote-username")
    b.add_argument("--remote-password-file", type=Path)
    b.add_argument("--cafile", help="CA of the central cluster's TLS certificates")
    b.set_defaults(func=_cmd_bridge_config)

    u = fleet_sub.add_parser("user", help="add or list the fleet view's users (roles viewer, technician)")
    u.add_argument("action", choices=("add", "list"))
    u.add_argument("name", nargs="?")
    u.add_argument("--role", choices=("viewer", "technician"))
    u.set_defaults(func=_cmd_user)

    m = fleet_sub.add_parser("simulate", help="simulated rooms speaking the room contract (demo, load)")
    _broker_options(m, argparse.SUPPRESS)
    m.add_argument("--rooms", type=int, default=2)
    m.add_argument("--devices", type=int, default=30)
    m.add_argument("--prefix", default="sim", help="room ids PREFIX-001, PREFIX-002, ...")
    m.set_defaults(func=_cmd_simulate)


def _central(args: argparse.Namespace) -> Any:
    from controller.fleet.service import CentralBroker

    if not getattr(args, "broker", None):
        raise ConfigError("fleet: give --broker HOST:PORT[,HOST:PORT...] (the central cluster)")
    return CentralBroker.parse(args.broker, args.username, args.password_file)


def _cmd_serve(args: argparse.Namespace) -> int:
    from controller.fleet.web import serve

    central = _central(args)
    return asyncio.run(serve(central, args.users, args.listen, args.port, args.stale_after))


def _cmd_status(args: argparse.Namespace) -> int:
    from controller.fleet.model import FleetModel
    from controller.fleet.service import FleetService
    from controller.fleet.status import format_status

    model = FleetModel(stale_after_s=args.stale_after)
    service = FleetService(model, _central(args))

    async def collect() -> None:
        task = asyncio.create_task(service.run())
        try:
            await asyncio.wait_for(service.connected.wait(), 15)
            await asyncio.sleep(args.wait)
        except TimeoutError:
            raise ConfigError(f"fleet status: no central node answered ({args.broker})") from None
        finally:
            await cancel_and_wait([task])

    asyncio.run(collect())
    print(format_status(model.snapshot(), time.time()))
    return 0


def _cmd_bridge_config(args: argparse.Namespace) -> int:
    from controller.fleet.bridge import BridgeSettings, bridge_config

    password = None
    if args.remote_password_file is not None and args.remote_password_file.exists():
        password = args.remote_password_file.read_text().strip() or None
    settings = BridgeSettings(
        name=args.name,
        addresses=[a.strip() for a in args.central.split(",") if a.strip()],
        round_robin=args.round_robin,
        username=args.remote_username or args.name,
        password=password,
        cafile=args.cafile,
    )
    sys.stdout.write(bridge_config(settings))
    return 0


def _cmd_user(args: argparse.Namespace) -> int:
    from controller.fleet.users import add_fleet_user, read_fleet_users

    if args.action == "list":
        for name, user in sorted(read_fleet_users(args.users).items()):
            print(f"{name:<20} {user.role}")
        return 0
    if not args.name or not args.role:
        raise ConfigError("fleet user add: give NAME and --role viewer|technician")
    password = sys.stdin.readline().strip() if not sys.stdin.isatty() else _prompt()
    add_fleet_user(args.users, args.name, args.role, password)
    print(f"{args.name}: {args.role} in {args.users}")
    return 0


def _prompt() -> str:
    import getpass

    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ConfigError("the two passwords differ")
    return first


def _cmd_simulate(args: argparse.Namespace) -> int:
    from controller.fleet.loadgen import LoadRoom, room_client, serve_rooms

    central = _central(args)
    host, port = central.addresses[0]
    rooms = [LoadRoom(f"{args.prefix}-{i:03d}", devices=args.devices) for i in range(1, args.rooms + 1)]

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        async with room_client(host, port, None, username=central.username, password=central.password) as client:
            print(f"{len(rooms)} simulated rooms on {host}:{port}: {', '.join(r.room_id for r in rooms)}")
            await serve_rooms(client, rooms, stop=stop)

    asyncio.run(run())
    return 0
