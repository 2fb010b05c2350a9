"""The loopback fakes in a process of their own.

Measurements are taken in the benchmark process (latency, client CPU) and in the bot's process (memory); the
fakes' own work must count against neither, so they run here, driven over a pipe.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from typing import Any

from tests.fakes import FakeCos, FakeSlack, FakeVod
from tests.sample_images import camera_exif, encoded, photo_like

SECRET_ID = "AKIDbenchmarkEXAMPLE0000000000000000"
SECRET_KEY = "benchmarkSecretKeyEXAMPLE00000000"
SUB_APP_ID = 1500000001
BOT_TOKEN = "xoxb-1111-2222-benchmarktoken"
SIGNING_SECRET = "0123456789abcdef0123456789abcdef"
TEAM_ID = "T0001"


# Photos the benchmarks share, by kind: made once per process, then every file of a kind shares one buffer.
PHOTO_KINDS = {
    "small": "a clean 640x480 JPEG",
    "clean": "a clean 4096x3072 JPEG of about 7 MiB: upright, RGB, no metadata, sent byte for byte",
    "camera": "a 27-megapixel (6364x4243) camera JPEG at quality 95, stored sideways with EXIF and GPS",
}
_photos: dict[str, bytes] = {}


def _photo(kind: str) -> bytes:
    if kind not in _photos:
        if kind == "small":
            _photos[kind] = encoded(photo_like(640, 480), "JPEG", quality=90)
        elif kind == "clean":
            _photos[kind] = encoded(photo_like(4096, 3072, 18), "JPEG", quality=95)
        else:
            _photos[kind] = encoded(photo_like(6364, 4243), "JPEG", quality=95, exif=camera_exif(6))
    return _photos[kind]


def _add_images(slack: FakeSlack, prefix: str, count: int, kind: str) -> list[dict[str, Any]]:
    """`count` Slack files holding the photo `kind` (PHOTO_KINDS), all sharing one buffer so the fakes stay small."""
    data = _photo(kind)
    return [
        slack.add_file(f"{prefix}{index:03d}", data, f"{prefix.lower()}-{index}.jpg", "image/jpeg", "jpg")
        for index in range(count)
    ]


def _serve(conn: Connection) -> None:
    cos = FakeCos().start()
    vod = FakeVod(SECRET_ID, SECRET_KEY, SUB_APP_ID, cos=cos).start()
    slack = FakeSlack(BOT_TOKEN, team_id=TEAM_ID).start()
    fakes: dict[str, Any] = {"cos": cos, "vod": vod, "slack": slack}
    conn.send({name: fake.url for name, fake in fakes.items()})
    try:
        while True:
            try:
                operation, target, name, args, kwargs = conn.recv()
            except EOFError:
                return
            if operation == "stop":
                conn.send(("ok", None))
                return
            if operation == "images":
                conn.send(("ok", _add_images(slack, *args)))
                continue
            fake = fakes[target]
            try:
                if operation == "get":
                    with fake.lock:
                        value = getattr(fake, name)
                        if isinstance(value, list | dict | set):
                            value = type(value)(value)
                elif operation == "set":
                    setattr(fake, name, args[0])
                    value = None
                else:
                    value = getattr(fake, name)(*args, **kwargs)
            except Exception as error:  # the parent re-raises it with the fake's own message
                conn.send(("error", f"{target}.{name}: {error!r}"))
            else:
                conn.send(("ok", value))
    finally:
        for fake in fakes.values():
            fake.stop()


class FakeHost:
    """Starts FakeCos, FakeVod and FakeSlack in a child process; `call`, `get` and `set` reach into them."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True, name="loopback-fakes")
        self.urls: dict[str, str] = {}

    def __enter__(self) -> FakeHost:
        self._process.start()
        if not self._conn.poll(30):
            raise RuntimeError("the fakes process did not start")
        self.urls = self._conn.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process.is_alive():
            self._conn.send(("stop", "", "", (), {}))
            self._conn.poll(10) and self._conn.recv()
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()

    @property
    def pid(self) -> int:
        return int(self._process.pid or 0)

    def _ask(self, operation: str, target: str, name: str, *args: Any, **kwargs: Any) -> Any:
        self._conn.send((operation, target, name, args, kwargs))
        status, value = self._conn.recv()
        if status == "error":
            raise RuntimeError(value)
        return value

    def call(self, target: str, method: str, *args: Any, **kwargs: Any) -> Any:
        return self._ask("call", target, method, *args, **kwargs)

    def get(self, target: str, attribute: str) -> Any:
        return self._ask("get", target, attribute)

    def set(self, target: str, attribute: str, value: Any) -> None:
        self._ask("set", target, attribute, value)

    def add_images(self, prefix: str, count: int, kind: str) -> list[dict[str, Any]]:
        """Register `count` Slack files holding a photo of `kind` (PHOTO_KINDS); returns their Slack file objects."""
        return list(self._ask("images", "slack", "", prefix, count, kind))
