"""The demo org as a real HTTP server on 127.0.0.1, for tests of the network path and for manual use.

Faults that the in-process transport raises as exceptions happen here on the wire: a timeout is a
response that never comes, a dropped connection is a socket closed after part of the body.
"""

from __future__ import annotations

import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from orchestration.demo_org.protocol import Request

log = logging.getLogger(__name__)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: DemoOrgServer

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request.from_url(self.command, self.path, dict(self.headers.items()), body)
        response = self.server.org.handle(request)
        if response.failure == "timeout":
            time.sleep(self.server.stall_seconds)
            self.close_connection = True
            return
        if response.failure == "drop" and response.bytes_before_drop == 0:
            self.close_connection = True
            return
        payload = response.body
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if response.failure == "drop":
            self.wfile.write(payload[: min(response.bytes_before_drop, max(0, len(payload) - 1))])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args) -> None:
        log.debug("demo org %s - %s", self.address_string(), format % args)


class DemoOrgServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, org, host: str = "127.0.0.1", port: int = 0, stall_seconds: float = 3.0) -> None:
        super().__init__((host, port), _Handler)
        self.org = org
        self.stall_seconds = stall_seconds
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> DemoOrgServer:
        self._thread = threading.Thread(target=self.serve_forever, name="demo-org-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> DemoOrgServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
