"""A private mosquitto process on a free loopback port, for the demo and the tests.

It never touches a broker it did not start (the machine may run its own on 1883). With ``users`` it is set up
the way deploy/mosquitto/ sets up a building broker: passwords, no anonymous access, and the room ACL.
``start()`` and ``stop()`` block for a few milliseconds: from async code, call them through
``asyncio.to_thread``.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
from pathlib import Path

from drivers.errors import CourtroomError

ACL = Path(__file__).resolve().parent.parent / "deploy" / "mosquitto" / "courtroom.acl"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalBroker:
    """A mosquitto of our own; ``port`` is chosen when it starts."""

    def __init__(self, workdir: Path, users: dict[str, str] | None = None) -> None:
        self.workdir = workdir
        self.users = users
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / "mosquitto.log"

    def _write_config(self) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.workdir.chmod(0o755)  # mosquitto started as root reads its files as user mosquitto
        lines = [
            "per_listener_settings false",
            "set_tcp_nodelay true",
            f"listener {self.port} 127.0.0.1",
            "persistence false",
            "max_queued_messages 10000",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "user root",
        ]
        if self.users:
            passwd = self.workdir / "passwd"
            passwd.write_text("")
            for user, password in self.users.items():
                subprocess.run(["mosquitto_passwd", "-b", str(passwd), user, password], check=True)
            acl = self.workdir / "acl"
            acl.write_text(ACL.read_text())
            lines += ["allow_anonymous false", f"password_file {passwd}", f"acl_file {acl}"]
        else:
            lines.append("allow_anonymous true")
        conf = self.workdir / "mosquitto.conf"
        conf.write_text("\n".join(lines) + "\n")
        return conf

    def start(self, port: int | None = None) -> None:
        """Start on ``port`` (default: a free one) and return once it accepts connections."""
        exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not Path(exe).exists():
            raise CourtroomError("mosquitto is not installed (apt-get install mosquitto); `make demo` installs it")
        self.port = port or free_port()
        conf = self._write_config()
        with self.log_path.open("ab") as log_file:
            # its own session: a Ctrl-C in the terminal must not stop the broker before the daemon has said goodbye
            self.proc = subprocess.Popen(
                [exe, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=log_file, start_new_session=True
            )
        for _ in range(300):
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5),
            ):
                return
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=0.01)  # doubles as the pause between tries
                break  # mosquitto exited: it will not come up
        self.stop()
        raise CourtroomError(
            f"mosquitto did not start on port {self.port}: {self.log_path.read_text(errors='replace')}"
        )

    def stop(self) -> None:
        """Stop the broker (SIGTERM, then SIGKILL after 5 s)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
