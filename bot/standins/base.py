"""A loopback HTTP/1.1 server in a daemon thread, shared by the fakes.

Each connection gets its own daemon thread (ThreadingHTTPServer), so a fake answers sync and asyncio clients
alike and never blocks interpreter exit. Keep-alive is supported; stop() also severs idle kept-alive
connections so a pooled client cannot keep talking to a stopped fake.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import traceback
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

READ_CHUNK = 64 * 1024


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without this, Nagle plus delayed ACK adds ~40 ms per
    # keep-alive request, which would dominate any benchmark run against a fake.
    disable_nagle_algorithm = True
    server: LoopbackServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    @property
    def chunked(self) -> bool:
        return "chunked" in self.headers.get("Transfer-Encoding", "").lower()

    def iter_body(self, chunk_size: int = READ_CHUNK) -> Iterator[bytes]:
        """The request body as it arrives, de-chunked when the client used Transfer-Encoding: chunked."""
        if self.chunked:
            while True:
                size_line = self.rfile.readline(1024)
                if not size_line:
                    raise ConnectionError("client closed the connection mid-body")
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # Optional trailer fields, then the empty line that ends the message.
                    while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                        pass
                    return
                remaining = size
                while remaining:
                    piece = self.rfile.read(min(chunk_size, remaining))
                    if not piece:
                        raise ConnectionError("client closed the connection mid-chunk")
                    remaining -= len(piece)
                    yield piece
                self.rfile.readline(16)
            return
        remaining = int(self.headers.get("Content-Length") or 0)
        while remaining > 0:
            piece = self.rfile.read(min(chunk_size, remaining))
            if not piece:
                raise ConnectionError("client closed the connection mid-body")
            remaining -= len(piece)
            yield piece

    def read_body(self) -> bytes:
        return b"".join(self.iter_body())

    def reply(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def drop(self) -> None:
        """Close the connection without sending any response, as a lost answer looks to the client."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _dispatch(self) -> None:
        try:
            self.server.owner.handle(self, self.command)
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception:
            self.server.owner.errors.append(traceback.format_exc())
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.reply(500, b"fake server error", "text/plain")

    do_GET = _dispatch
    do_HEAD = _dispatch
    do_POST = _dispatch
    do_PUT = _dispatch
    do_DELETE = _dispatch


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512
    owner: FakeServer

    def __init__(self, owner: FakeServer) -> None:
        self.owner = owner
        self.open_connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self.open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def sever_connections(self) -> None:
        with self._connections_lock:
            connections = list(self.open_connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class FakeServer:
    """Subclasses implement handle(); start() binds a free port on 127.0.0.1 and serves in a daemon thread."""

    def __init__(self) -> None:
        self._server: LoopbackServer | None = None
        self._thread: threading.Thread | None = None
        self._url = ""
        self.lock = threading.RLock()
        # Tracebacks of exceptions raised while handling a request (answered 500); a test can assert it is empty.
        self.errors: list[str] = []

    def handle(self, handler: Handler, method: str) -> None:
        raise NotImplementedError

    @property
    def url(self) -> str:
        if not self._url:
            raise RuntimeError(f"{type(self).__name__} is not started; call start() first")
        return self._url

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> Self:
        if self._server is not None:
            return self
        server = LoopbackServer(self)
        host, port = server.server_address[:2]
        self._url = f"http://{host!s}:{port}"
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}:{port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        server.sever_connections()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
