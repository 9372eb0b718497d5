"""The `courtroom` command: run, check, sim, demo and ctl."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import NoReturn

from controller import texts
from drivers.errors import CourtroomError


def _cmd_check(args: argparse.Namespace) -> int:
    from controller.config import DeviceConfig, load_config, load_profiles

    config = load_config(args.config)
    library = load_profiles(config, str(args.config))
    lines: dict[str, list[DeviceConfig]] = {}
    for dev in config.devices:
        lines.setdefault(dev.transport.port, []).append(dev)
    print(
        f"room {config.room.id} ({config.room.name}): {len(config.devices)} devices, "
        f"{len(library.models)} profiles, broker {config.broker.host}:{config.broker.port}"
    )
    for port, devs in lines.items():
        print(f"  line {port}:")
        for dev in devs:
            addr = f"address {dev.address}" if dev.address is not None else ""
            print(f"    {dev.id:<16} {dev.kind:<8} {dev.role or '-':<10} {dev.profile:<24} {addr}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from controller import eventloop
    from controller.daemon import run_daemon

    try:
        return eventloop.run(run_daemon(args.config), args.loop)
    except eventloop.LoopUnavailable as exc:
        print(f"courtroom run: {exc}", file=sys.stderr)
        return 2


def _cmd_sim(args: argparse.Namespace) -> int:
    from sim.cli import serve

    asyncio.run(
        serve(args.config, args.emit_config, args.run_dir, args.wire_time, live=not args.files, control=args.control)
    )
    return 0


def _cmd_sim_fault(args: argparse.Namespace) -> int:
    from sim.control import send
    from sim.errors import SimError

    request: dict[str, object] = (
        {"list": True} if args.device is None else {"device": args.device, "fault": args.fault, "args": args.args}
    )
    if args.device is not None and args.fault is None:
        print("courtroom sim-fault: give the fault too, e.g. `sim-fault cam-judge unplug`", file=sys.stderr)
        return 2
    try:
        reply = asyncio.run(send(args.control, request))
    except SimError as exc:
        print(f"courtroom sim-fault: {exc}; is `courtroom sim ... --control {args.control}` running?", file=sys.stderr)
        return 2
    if not reply.get("ok"):
        print(f"courtroom sim-fault: {reply.get('error')}", file=sys.stderr)
        return 2
    if args.device is None:
        for device, faults in dict(reply.get("devices", {})).items():
            print(f"{device:<18} {' '.join(faults)}")
    else:
        print(f"{args.device}: {args.fault} {' '.join(args.args)}".rstrip())
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from controller.demo import run_demo

    lang = texts.language(args.lang)
    return asyncio.run(run_demo(args.config, tour_only=args.tour_only, lang=lang, fleet_rooms=args.fleet_rooms))


def _cmd_ctl(args: argparse.Namespace) -> int:
    import aiomqtt

    from controller import ctl

    if args.config is not None:
        try:
            target = ctl.Target.from_config(args.config)
        except CourtroomError as exc:
            first = str(exc).splitlines()[0]
            first = first if first.startswith(str(args.config)) else f"{args.config}: {first}"
            more = " (and more: run courtroom check on it)" if "\n" in str(exc) else ""
            raise ctl.CtlUsageError(f"{first}{more}") from None
    elif args.room:
        try:
            password = args.password_file.read_text().strip() if args.password_file else None
        except OSError as exc:
            raise ctl.CtlUsageError(f"--password-file {args.password_file}: cannot read: {exc.strerror}") from None
        target = ctl.Target(args.host, args.port, args.room, args.username, password)
    else:
        raise ctl.CtlUsageError(
            "which room? give --config ROOM.yaml (the room's config file), or --room ROOM_ID with --host and --port"
        )
    lang = texts.language(args.lang)
    try:
        if args.ctl_command == "status":
            print(ctl.format_status(target, asyncio.run(ctl.read_retained(target)), lang))
            return 0
        params = ctl.parse_params(args.params)
        device = "hearing" if args.ctl_command == "hearing" else args.device
        reply = asyncio.run(ctl.send(target, device, args.action, params, args.timeout))
    except aiomqtt.MqttError as exc:
        raise ctl.explain_mqtt_error(exc, target, args.config) from None
    print(json.dumps(reply, ensure_ascii=False))  # the reply itself, for scripts
    if reply.get("status") == "ok":
        return 0
    print(texts.text("ctl.failed", lang, text=ctl.reply_text(reply, lang)), file=sys.stderr)
    return 1


def _cmd_journal(args: argparse.Namespace) -> int:
    from controller.journal.cli import run

    return run(args)


def _cmd_key(args: argparse.Namespace) -> int:
    from controller.config import load_config
    from controller.signing import RoomKey

    path = load_config(args.config).signing_key_path
    key = RoomKey.load_or_create(path) if args.key_command == "init" else RoomKey.load(path)
    print(f"key {key.path}\nfingerprint {key.fingerprint}\npublic {key.public_text}")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (what is wrong and where to read more) instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="courtroom", description="Technology courtroom device controller")
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING, ERROR (default INFO; WARNING for demo)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run the daemon for one room")
    p.add_argument("config", type=Path)
    p.add_argument(
        "--loop",
        choices=("auto", "uvloop", "asyncio"),
        default="auto",
        help="event loop: uvloop when installed (auto, the default), or asyncio's own",
    )
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("check", help="validate a room configuration and the profiles it uses")
    p.add_argument("config", type=Path)
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("sim", help="simulate every device of a room on real endpoints (ptys, TCP)")
    p.add_argument("config", type=Path)
    p.add_argument("--emit-config", type=Path, help="write the config with each transport at its simulated endpoint")
    p.add_argument("--run-dir", type=Path, help="folder for the endpoints' stable names (default: a temporary one)")
    p.add_argument("--wire-time", action="store_true", help="emulate the time bytes take at the configured baud")
    p.add_argument(
        "--files",
        action="store_true",
        help="cameras and microphones as finished files (default: live MJPEG streams and fed audio pipes)",
    )
    p.add_argument("--control", type=int, metavar="PORT", help="fault control on this loopback port (0: any free)")
    p.set_defaults(func=_cmd_sim)

    p = sub.add_parser("sim-fault", help="break or mend a device of a running `courtroom sim --control PORT`")
    p.add_argument("--control", type=int, required=True, metavar="PORT", help="the simulator's control port")
    p.add_argument("device", nargs="?", help="device id (none: list every device and its faults)")
    p.add_argument(
        "fault", nargs="?", help="unplug, replug, silent, resume, garble [N], slow SECONDS, press_stop, press SEAT, ..."
    )
    p.add_argument("args", nargs="*", help="the fault's arguments")
    p.set_defaults(func=_cmd_sim_fault)

    p = sub.add_parser("demo", help="simulated courtroom + private mosquitto + daemon, in one command")
    p.add_argument("--config", type=Path, help="room config (default: deploy/examples/courtroom-standard.yaml)")
    p.add_argument("--tour-only", action="store_true", help="run the guided tour, then stop (for tests)")
    p.add_argument("--lang", help="zh or en for the tour (default: from LANG)")
    p.add_argument("--fleet-rooms", action="store_true", help="two more simulated rooms in the fleet view")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("journal", help="read, verify or export the journal (the hearing record and audit trail)")
    from controller.journal.cli import add_journal_parser

    add_journal_parser(p)
    p.set_defaults(func=_cmd_journal)

    p = sub.add_parser("key", help="the room's Ed25519 signing key (journal checkpoints, recording manifests)")
    key_sub = p.add_subparsers(dest="key_command", required=True)
    for name, text in (
        ("init", "create the key when there is none (0600), then print its public half"),
        ("show", "print the public half and fingerprint, for the central platform to keep"),
    ):
        k = key_sub.add_parser(name, help=text)
        k.add_argument("config", type=Path, help="room config (its signing_key or state_dir)")
    p.set_defaults(func=_cmd_key)

    p = sub.add_parser("ctl", help="talk to a running room over MQTT")
    p.add_argument("--config", type=Path, help="room config to take the broker and room id from")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=1883)
    p.add_argument("--room", help="room id")
    p.add_argument("--username")
    p.add_argument("--password-file", type=Path)
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a reply")
    p.add_argument("--lang", help="zh or en for what it prints (default: from LANG)")
    ctl_sub = p.add_subparsers(dest="ctl_command", required=True, metavar="{status,send,hearing}")
    ctl_sub.add_parser("status", help="the room's retained state, a line per device")
    s = ctl_sub.add_parser("send", help="send DEVICE ACTION [key=value ...] and print the reply")
    s.add_argument("device")
    s.add_argument("action")
    s.add_argument("params", nargs="*")
    h = ctl_sub.add_parser(
        "hearing",
        help="hearing ACTION [key=value ...]: check, open case_no=..., interrupt reason=recess, resume, "
        "close, mark text=..., voice_follow seat=judge",
    )
    h.add_argument("action", choices=("check", "open", "interrupt", "resume", "close", "mark", "voice_follow"))
    h.add_argument("params", nargs="*")
    p.set_defaults(func=_cmd_ctl)

    from controller.console.users import add_user_parser
    from controller.fleet.cli import add_fleet_parser
    from controller.recording.cli import add_recording_parser

    add_user_parser(sub)
    add_recording_parser(sub)
    add_fleet_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, str(args.log_level or ("WARNING" if args.command == "demo" else "INFO")).upper()),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    try:
        code: int = args.func(args)
    except CourtroomError as exc:
        from controller.ctl import CtlUsageError

        if args.command in ("ctl", "demo") and not isinstance(exc, CtlUsageError):
            # the error's plain words first, in the chosen language (a usage error already says what to change)
            print(f"courtroom {args.command}: {texts.error_text(exc.code, getattr(args, 'lang', None))}: {exc}",
                  file=sys.stderr)
        else:
            print(f"courtroom {args.command}: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, CtlUsageError) else 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
