"""A burst of signed Slack requests with as little client overhead as possible.

Every connection is opened and every request built and signed before the start line; then all requests are
written back to back and one selector loop reads the answers. So what is timed is the bot, not the client:
each latency runs from writing a request's last byte to reading its answer's last byte.
"""

from __future__ import annotations

import selectors
import socket
import time
from dataclasses import dataclass

from benchmarks.bot_process import EVENTS_PATH, BotProcess


@dataclass
class Reply:
    latency: float
    status: int
    body: bytes


@dataclass
class _Exchange:
    sock: socket.socket
    request: bytes
    sent_at: float = 0.0
    buffer: bytes = b""
    reply: Reply | None = None

    def take(self, data: bytes, now: float) -> bool:
        """Add received bytes; True once the whole answer is in."""
        self.buffer += data
        head, found, body = self.buffer.partition(b"\r\n\r\n")
        if not found:
            return not data  # a closed connection with no answer ends the exchange too
        lines = head.decode("latin-1").split("\r\n")
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if len(body) < length and data:
            return False
        self.reply = Reply(now - self.sent_at, int(lines[0].split()[1]), body[:length])
        return True


def http_request(port: int, body: bytes, content_type: str) -> bytes:
    headers = {
        "Host": f"127.0.0.1:{port}",
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        "Content-Length": str(len(body)),
        "Connection": "close",
        **BotProcess.signed(body, content_type),
    }
    head = f"POST {EVENTS_PATH} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode("latin-1") + body


def burst(port: int, bodies: list[tuple[bytes, str]], timeout: float = 30.0) -> list[Reply]:
    """Send every (body, content type) at once; the replies in the same order (status 0: no answer)."""
    exchanges = []
    for body, content_type in bodies:
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        exchanges.append(_Exchange(sock, http_request(port, body, content_type)))
    time.sleep(0.2)  # let the bot accept every connection before the start line
    selector = selectors.DefaultSelector()
    for exchange in exchanges:
        exchange.sock.sendall(exchange.request)
        exchange.sent_at = time.perf_counter()
        selector.register(exchange.sock, selectors.EVENT_READ, exchange)
    open_count = len(exchanges)
    deadline = time.monotonic() + timeout
    while open_count and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=0.5):
            exchange = key.data
            data = exchange.sock.recv(65536)
            if exchange.take(data, time.perf_counter()):
                selector.unregister(exchange.sock)
                exchange.sock.close()
                open_count -= 1
    selector.close()
    for exchange in exchanges:
        if exchange.reply is None:
            exchange.sock.close()
    return [e.reply or Reply(timeout, 0, b"") for e in exchanges]
