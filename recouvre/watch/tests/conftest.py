"""A loopback HTTP server standing in for the public company directory and the BODACC records API: it answers the
recorded responses of ``answers/`` (written in the shape of each API), or what a test says, and notes each path."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

ANSWERS = Path(__file__).parent / "answers"


class Sources:
    def __init__(self) -> None:
        self.status = 200
        self.directory = (ANSWERS / "directory_552100554.json").read_bytes()
        self.bodacc = (ANSWERS / "bodacc_receivership.json").read_bytes()
        self.paths: list[str] = []


@pytest.fixture
def sources(settings) -> Iterator[Sources]:  # type: ignore[no-untyped-def]
    answers = Sources()

    class Handler(BaseHTTPRequestHandler):
        timeout = 5

        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            answers.paths.append(self.path)
            body = answers.directory if self.path.startswith("/search") else answers.bodacc
            self.send_response(answers.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    settings.RECOUVRE_COMPANY_DIRECTORY_URL = f"http://127.0.0.1:{server.server_port}"
    settings.RECOUVRE_BODACC_URL = f"http://127.0.0.1:{server.server_port}/api/records"
    settings.RECOUVRE_WATCH_TIMEOUT = 5
    try:
        yield answers
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
