"""requests transports that carry simple-salesforce's calls to a demo org.

``InProcessAdapter`` hands each prepared request straight to ``DemoOrg.handle``: no sockets, but every
byte simple-salesforce sends and parses is the real protocol. ``LoopbackAdapter`` sends the same requests
over TCP to the demo org's HTTP server on 127.0.0.1, standing in for DNS: Salesforce hostnames resolve
to the local server while paths, headers and bodies travel unchanged.
"""

from __future__ import annotations

import io
from http import HTTPStatus
from http.client import RemoteDisconnected
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.structures import CaseInsensitiveDict

from orchestration.demo_org.protocol import Request


class InProcessAdapter(BaseAdapter):
    def __init__(self, org) -> None:
        super().__init__()
        self.org = org

    def send(self, request: requests.PreparedRequest, stream=False, timeout=None, verify=True, cert=None,
             proxies=None) -> requests.Response:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        incoming = Request.from_url(request.method or "GET", request.url or "", dict(request.headers), body)
        outgoing = self.org.handle(incoming)
        if outgoing.failure == "timeout":
            raise requests.exceptions.ReadTimeout(
                f"HTTPSConnectionPool: Read timed out. (read timeout={timeout})", request=request)
        if outgoing.failure == "drop" and outgoing.bytes_before_drop:
            raise requests.exceptions.ChunkedEncodingError(
                f"Connection broken: IncompleteRead({outgoing.bytes_before_drop} bytes read, "
                f"{max(0, len(outgoing.body) - outgoing.bytes_before_drop)} more expected)", request=request)
        if outgoing.failure == "drop":
            raise requests.exceptions.ConnectionError(
                ("Connection aborted.", RemoteDisconnected("Remote end closed connection without response")),
                request=request,
            )
        response = requests.Response()
        response.status_code = outgoing.status
        response.headers = CaseInsensitiveDict(outgoing.headers)
        response.headers.setdefault("Content-Length", str(len(outgoing.body)))
        response._content = outgoing.body
        response._content_consumed = True
        response.raw = io.BytesIO(outgoing.body)
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        try:
            response.reason = HTTPStatus(outgoing.status).phrase
        except ValueError:
            response.reason = ""
        return response

    def close(self) -> None:
        pass


class LoopbackAdapter(HTTPAdapter):
    """Send https://<any Salesforce host>/... to http://127.0.0.1:<port>/... over a real socket."""

    def __init__(self, base_url: str, timeout: float | tuple[float, float] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        target = urlsplit(base_url)
        self._scheme, self._netloc = target.scheme, target.netloc
        self._timeout = timeout

    def send(self, request: requests.PreparedRequest, stream=False, timeout=None, verify=True, cert=None,
             proxies=None):
        parts = urlsplit(request.url)
        forwarded = request.copy()
        forwarded.url = urlunsplit((self._scheme, self._netloc, parts.path, parts.query, ""))
        return super().send(forwarded, stream=stream, timeout=timeout or self._timeout, verify=verify,
                            cert=cert, proxies=proxies)


def in_process_session(org) -> requests.Session:
    session = requests.Session()
    session.mount("https://", InProcessAdapter(org))
    session.mount("http://", InProcessAdapter(org))
    return session
