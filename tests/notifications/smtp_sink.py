"""A tiny SMTP server for tests: it keeps what it receives and answers what the test tells it to.

Python 3.12 removed `smtpd` and aiosmtpd is not a dependency; a few dozen lines of socketserver
speak enough SMTP for Django's backend (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT).

- `reply_for(kind, value)`: a test sets `sink.rcpt_reply` / `sink.data_reply` to a function
  returning the reply line ("250 OK", "451 4.3.0 Try later", "550 5.1.1 No such user").
- `hold_at`: the n-th message (1-based) is held after its final "." until `release` is set; if the
  client has gone by then (a killed worker), the message is dropped, as a real server would never
  have answered it.
"""

from __future__ import annotations

import email
import email.policy
import select
import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Received:
    mail_from: str
    rcpt_to: list[str]
    data: bytes
    at: float

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


@dataclass
class Attempt:
    rcpt: str
    reply: str
    at: float


class _Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def _send(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:  # noqa: C901 - one small protocol loop
        sink: SmtpSink = self.server.sink  # type: ignore[attr-defined]
        self._send("220 sink.test ESMTP")
        mail_from, rcpts = "", []
        while True:
            try:
                raw = self.rfile.readline()
            except OSError:
                return
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb == "EHLO":
                self._send("250-sink.test")
                self._send("250-8BITMIME")
                self._send("250 SMTPUTF8")
            elif verb == "HELO":
                self._send("250 sink.test")
            elif verb == "MAIL":
                mail_from, rcpts = line[10:].strip().strip("<>").split(">")[0], []
                self._send("250 OK")
            elif verb == "RCPT":
                address = line[8:].strip().strip("<>").split(">")[0]
                reply = sink.rcpt_reply(address)
                with sink.lock:
                    sink.attempts.append(Attempt(address, reply, time.monotonic()))
                if reply.startswith("250"):
                    rcpts.append(address)
                self._send(reply)
            elif verb == "DATA":
                self._send("354 End data with <CR><LF>.<CR><LF>")
                chunks = []
                while True:
                    chunk = self.rfile.readline()
                    if not chunk:
                        return
                    if chunk in (b".\r\n", b".\n"):
                        break
                    if chunk.startswith(b".."):
                        chunk = chunk[1:]
                    chunks.append(chunk)
                data = b"".join(chunks)
                received = Received(mail_from, list(rcpts), data, time.monotonic())
                if sink.should_hold():
                    sink.held.set()
                    sink.release.wait(60)
                    if _peer_gone(self.connection):
                        with sink.lock:
                            sink.dropped.append(received)
                        return
                reply = sink.data_reply(received)
                if reply.startswith("250"):
                    with sink.lock:
                        sink.messages.append(received)
                self._send(reply)
            elif verb == "RSET":
                mail_from, rcpts = "", []
                self._send("250 OK")
            elif verb == "NOOP":
                self._send("250 OK")
            elif verb == "QUIT":
                self._send("221 Bye")
                return
            else:
                self._send("502 Command not implemented")


def _peer_gone(sock: socket.socket) -> bool:
    readable, _, _ = select.select([sock], [], [], 0.5)
    if not readable:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@dataclass
class SmtpSink:
    host: str = "127.0.0.1"
    port: int = 0
    messages: list[Received] = field(default_factory=list)
    dropped: list[Received] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    hold_at: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    _data_count: int = 0

    def rcpt_reply(self, address: str) -> str:
        return "250 OK"

    def data_reply(self, received: Received) -> str:
        return "250 OK queued"

    def should_hold(self) -> bool:
        with self.lock:
            self._data_count += 1
            return self.hold_at is not None and self._data_count == self.hold_at

    def start(self) -> SmtpSink:
        self._server = _Server((self.host, self.port), _Handler)
        self._server.sink = self  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def recipients(self) -> list[str]:
        with self.lock:
            return [rcpt for message in self.messages for rcpt in message.rcpt_to]

    def wait_for(self, count: int, timeout: float = 30) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if len(self.messages) >= count:
                    return True
            time.sleep(0.1)
        return False
