"""A local SMTP server (aiosmtpd) and a local webhook receiver, both on 127.0.0.1."""

import email
import email.policy
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller

from orchestration.operations.alerts import Notifier


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[dict] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(
            {"to": envelope.rcpt_tos, "subject": message["Subject"], "body": message.get_content()}
        )
        return "250 OK"


@pytest.fixture
def smtp_inbox():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


class Receiver:
    """An HTTP server on 127.0.0.1 keeping the JSON body of every POST; answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.calls: list[dict] = []
        self.status = status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's hook name)
                receiver.calls.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"refused by the test" if receiver.status >= 400 else b"")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/{path}"


@pytest.fixture
def webhook_calls():
    receiver = Receiver()
    yield receiver.url("hook"), receiver.calls
    receiver.server.shutdown()


@pytest.fixture
def teams():
    """A stand-in for a Teams workflow URL (no internet): the cards posted to it."""
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture
def notifier(smtp_inbox, webhook_calls) -> Notifier:
    return Notifier(
        smtp_host="127.0.0.1",
        smtp_port=smtp_inbox[0],
        smtp_from="insight-hub@council.example",
        smtp_to="data-team@council.example",
        webhook_url=webhook_calls[0],
        ui_url="http://127.0.0.1:3000",
    )
