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


@pytest.fixture
def webhook_calls():
    calls: list[dict] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's hook name)
            calls.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", free_port()), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", calls
    server.shutdown()


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
