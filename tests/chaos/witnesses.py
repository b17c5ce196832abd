"""What the outside world received, counted where it arrives: an SMTP server (the mail relay) and a
partner's webhook endpoint. Each keeps every arrival with the id the sender gave it (the email's
``Message-ID``, the webhook's ``webhook-id``: both the delivery's key), so that the run can tell a
delivery that came once, one that came again (at least once: the receiver drops it by its id) and one
that never came."""

from __future__ import annotations

from collections import Counter
from email import message_from_bytes
from typing import Any

from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request, Response

from tests.support import free_port


class MailSink:
    """An SMTP server on 127.0.0.1 keeping (recipient, Message-ID) of every message."""

    def __init__(self) -> None:
        self.port = free_port()
        self.arrivals: Counter[tuple[str, str]] = Counter()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        for recipient in envelope.rcpt_tos:
            self.arrivals[(recipient, str(message["Message-ID"]))] += 1
        return "250 OK"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def to(self, address: str) -> Counter[str]:
        """Message-ID -> times received, for one recipient."""
        arrived = list(self.arrivals.items())  # the SMTP server's thread may add one meanwhile
        return Counter({mid: n for (rcpt, mid), n in arrived if rcpt == address})


class WebhookReceiver:
    """A partner's endpoint: ``POST /hook/<journey>`` answers 204 and keeps (journey, webhook-id, type)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.arrivals: Counter[tuple[str, str, str]] = Counter()

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hook/{journey}")
        async def receive(journey: str, request: Request) -> Response:
            body = await request.json()
            self.arrivals[(journey, request.headers.get("webhook-id", ""), str(body.get("type")))] += 1
            return Response(status_code=204)

        return app

    def of(self, journey: str) -> Counter[tuple[str, str]]:
        """(webhook-id, event type) -> times received, for one journey's endpoint."""
        arrived = list(self.arrivals.items())
        return Counter({(mid, kind): n for (j, mid, kind), n in arrived if j == journey})
