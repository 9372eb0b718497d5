"""A simulated network camera: the test pattern served live as an HTTP MJPEG stream, as many IP cameras and
HDMI-to-IP encoders do.

Each camera listens on its own loopback port and answers ``GET /video.mjpg`` with a
``multipart/x-mixed-replace`` stream of JPEG pictures at the script's frame rate; OpenCV (FFmpeg's ``mpjpeg``
demuxer) opens ``http://127.0.0.1:PORT/video.mjpg`` as it would the real camera, from any process. Every picture
carries the wall-clock time in the room's time zone (to the second, plus the frame number) and the moving disc of
the pattern, so a recorder in another process can be checked for live, changing pictures.

The pictures are drawn and JPEG-encoded in one thread per camera, only while somebody watches; each viewer gets the
newest picture (a slow viewer skips pictures, it never makes the camera fall behind). The script's ``black`` and
``frozen`` spans repeat with the script's length. ``unplug()`` closes the port and every open stream (connection
refused, as a camera without power), ``replug()`` listens again on the same port; falling silent (``faults``,
which the video input's handle sets) keeps the streams open but sends no picture until it resumes, as a hung
encoder does.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from datetime import datetime, tzinfo
from pathlib import Path

import cv2
import numpy as np

from sim.endpoints import bound_socket
from sim.faults import Faults
from sim.registry import EndpointContext, register_endpoint
from sim.video import Frame, VideoEndpoint, VideoScript, pattern

PATH = "/video.mjpg"
BOUNDARY = b"courtroomframe"
JPEG_QUALITY = 80
HEADER_LIMIT = 8192


def stream_head() -> bytes:
    return (
        b"HTTP/1.0 200 OK\r\nCache-Control: no-cache\r\nConnection: close\r\n"
        b"Content-Type: multipart/x-mixed-replace; boundary=" + BOUNDARY + b"\r\n\r\n"
    )


def part(jpeg: bytes) -> bytes:
    """One picture of the multipart stream."""
    head = b"--%s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % (BOUNDARY, len(jpeg))
    return head + jpeg + b"\r\n"


def live_frame(script: VideoScript, index: int, now: datetime, held: Frame | None) -> Frame:
    """Picture ``index`` since the stream started, at wall-clock ``now``: the pattern with the time burned in, or
    the script's fault at this point of its (repeating) timeline."""
    fault = script.fault_at((index / script.fps) % script.duration_s)
    if fault is not None and fault.kind == "black":
        return np.zeros((script.height, script.width, 3), dtype=np.uint8)
    if fault is not None and held is not None:
        return held
    frame = pattern(script, index)
    scale = max(0.4, script.height / 360)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    org = (10, int(80 * scale))
    cv2.putText(frame, stamp, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), max(3, round(5 * scale)))
    cv2.putText(frame, stamp, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), max(1, round(2 * scale)))
    return frame


class MjpegCamera:
    """One live camera on its own loopback port; ``open()`` needs a running event loop."""

    def __init__(self, zone: tzinfo | None = None) -> None:
        self.zone = zone
        self.port = 0
        self.script = VideoScript()
        self.frames_sent = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listener: socket.socket | None = None
        self._streams: set[asyncio.Task[None]] = set()
        self._latest = b""
        self._fresh = asyncio.Event()
        self.faults = Faults()  # silent: the streams stay open and send no picture
        self._watched = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    @property
    def viewers(self) -> int:
        return len(self._streams)

    def open(self, script: VideoScript) -> None:
        """Listen (the port is chosen now and kept across replugs) and draw while somebody watches."""
        self.script = script
        self._loop = asyncio.get_running_loop()
        self._fresh = asyncio.Event()
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._draw, name=f"sim-mjpeg-{script.label}", daemon=True)
            self._thread.start()
        self.replug()

    def close(self) -> None:
        """Stop listening, end every stream, stop the drawing thread."""
        self.unplug()
        self._stop.set()
        self._watched.set()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None

    def replug(self) -> None:
        if self._listener is not None or self._loop is None:
            return
        self._listener = bound_socket(socket.SOCK_STREAM, "127.0.0.1", self.port)
        self.port = self._listener.getsockname()[1]
        self._loop.add_reader(self._listener.fileno(), self._accept)

    def unplug(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None and self._loop is not None:
            self._loop.remove_reader(listener.fileno())
            listener.close()
        for task in list(self._streams):
            task.cancel()
        self._watched.clear()

    # -- the event loop's side ----------------------------------------------------------------------------------

    def _accept(self) -> None:
        if self._listener is None or self._loop is None:
            return
        try:
            conn, _ = self._listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        conn.setblocking(False)
        task = self._loop.create_task(self._stream(conn))
        self._streams.add(task)
        self._watched.set()
        task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        self._streams.discard(task)
        if not self._streams:
            self._watched.clear()

    async def _stream(self, conn: socket.socket) -> None:
        reader, writer = await asyncio.open_connection(sock=conn)
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5.0)
            words = request.split(b" ", 2)
            if len(words) < 2 or words[0] != b"GET" or words[1].split(b"?")[0] != PATH.encode():
                writer.write(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
                return
            writer.write(stream_head())
            while True:
                fresh = self._fresh
                await fresh.wait()
                writer.write(part(self._latest))
                await writer.drain()
                self.frames_sent += 1
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            return
        finally:
            writer.close()

    def _publish(self, jpeg: bytes) -> None:
        if self.faults.silent:
            return
        self._latest = jpeg
        fresh, self._fresh = self._fresh, asyncio.Event()
        fresh.set()

    # -- the drawing thread -------------------------------------------------------------------------------------

    def _draw(self) -> None:
        held: Frame | None = None
        index = 0
        while not self._stop.is_set():
            if not self._watched.wait(0.5):
                continue
            script, loop = self.script, self._loop
            started = time.monotonic()
            index = 0
            while self._watched.is_set() and not self._stop.is_set() and loop is not None:
                frame = live_frame(script, index, datetime.now(self.zone), held)
                held = frame
                ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
                if ok:
                    with contextlib.suppress(RuntimeError):  # the loop closed under us: the room is stopping
                        loop.call_soon_threadsafe(self._publish, jpeg.tobytes())
                index += 1
                self._stop.wait(max(0.0, started + index / script.fps - time.monotonic()))


class LiveVideoEndpoint(VideoEndpoint):
    """A ``video:<name>`` port served as a live MJPEG camera instead of a file (``SimulatedRoom(live=True)``)."""

    def __init__(self, port: str, run_dir: Path, zone: tzinfo | None = None) -> None:
        super().__init__(port, run_dir)
        self.camera = MjpegCamera(zone)
        self.faults = self.camera.faults

    @property
    def url(self) -> str:
        return f"video:{self.camera.url}"

    def publish(self, script: VideoScript) -> None:
        self.camera.open(script)
        self.plugged = True

    def close(self) -> None:
        self.camera.close()
        self.plugged = False

    def unplug(self) -> None:
        self.camera.unplug()
        self.plugged = False

    def replug(self) -> None:
        self.camera.replug()
        self.plugged = True


def _endpoint(port: str, ctx: EndpointContext) -> VideoEndpoint:
    return LiveVideoEndpoint(port, ctx.run_dir, ctx.zone) if ctx.live else VideoEndpoint(port, ctx.run_dir)


def register() -> None:
    """Teach the simulator the ``video:`` endpoint: a live MJPEG stream, or a finished file (``--files``)."""
    register_endpoint("video:", _endpoint)
