"""Logins and sessions: the SOAP login and OAuth 2.0 token endpoints as simple-salesforce calls them."""

from __future__ import annotations

import base64
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs
from xml.dom import minidom
from xml.parsers.expat import ExpatError

from orchestration.demo_org.errors import invalid_session
from orchestration.demo_org.protocol import Request, Response

ORG_ID = "00DDm0000000001EAA"


@dataclass(frozen=True)
class DemoCredentials:
    """What the demo org accepts. Published on purpose: it is a demo, not a secret."""

    username: str = "demo@revenue-pipeline.example"
    password: str = "demo-password"
    security_token: str = "demo-token"
    consumer_key: str = "demo-consumer-key"
    consumer_secret: str = "demo-consumer-secret"


class Sessions:
    """Issued access tokens; invalidating them all is how an expired session is simulated."""

    def __init__(self) -> None:
        self._tokens: set[str] = set()
        self._lock = threading.Lock()
        self.logins = 0

    def issue(self) -> str:
        token = f"{ORG_ID[:15]}!{secrets.token_urlsafe(48)}"
        with self._lock:
            self._tokens.add(token)
            self.logins += 1
        return token

    def invalidate_all(self) -> None:
        with self._lock:
            self._tokens.clear()

    def check(self, request: Request) -> None:
        header = request.header("authorization") or ""
        token = header.removeprefix("Bearer ").removeprefix("OAuth ").strip()
        with self._lock:
            valid = token in self._tokens
        if not valid:
            raise invalid_session()


def _soap_fault(code: str, message: str) -> Response:
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>sf:{code}</faultcode><faultstring>{code}: {message}</faultstring><detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>{code}</sf:exceptionCode><sf:exceptionMessage>{message}</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"""  # noqa: E501
    return Response(500, body.encode(), {"Content-Type": "text/xml;charset=UTF-8"})


def _text_of(document: minidom.Document, tag: str) -> str | None:
    for element in document.getElementsByTagNameNS("*", tag) or document.getElementsByTagName(tag):
        return "".join(node.data for node in element.childNodes if node.nodeType == node.TEXT_NODE)
    return None


def soap_login(request: Request, credentials: DemoCredentials, sessions: Sessions, instance_url: str,
               user_id: str, version: str) -> Response:
    """Partner API login(): username plus password-and-security-token, answered with a session."""
    try:
        document = minidom.parseString(request.body)
    except ExpatError:
        return _soap_fault("INVALID_LOGIN", "Invalid SOAP request.")
    username = _text_of(document, "username") or ""
    password = _text_of(document, "password") or ""
    expected = credentials.password + credentials.security_token
    if username != credentials.username or password not in (expected, credentials.password):
        return _soap_fault("INVALID_LOGIN", "Invalid username, password, security token; or user locked out.")
    token = sessions.issue()
    server_url = f"{instance_url}/services/Soap/u/{version}/{ORG_ID[:15]}"
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginResponse><result><metadataServerUrl>{instance_url}/services/Soap/m/{version}/{ORG_ID[:15]}</metadataServerUrl><passwordExpired>false</passwordExpired><sandbox>false</sandbox><serverUrl>{server_url}</serverUrl><sessionId>{token}</sessionId><userId>{user_id}</userId><userInfo><currencySymbol>$</currencySymbol><organizationId>{ORG_ID}</organizationId><organizationMultiCurrency>true</organizationMultiCurrency><organizationName>Northwind Cloud (demo org)</organizationName><userDefaultCurrencyIsoCode>USD</userDefaultCurrencyIsoCode><userEmail>{credentials.username}</userEmail><userFullName>Integration User</userFullName><userId>{user_id}</userId><userName>{credentials.username}</userName><userTimeZone>Etc/UTC</userTimeZone></userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>"""  # noqa: E501
    return Response(200, body.encode(), {"Content-Type": "text/xml;charset=UTF-8"})


def oauth_token(request: Request, credentials: DemoCredentials, sessions: Sessions, instance_url: str,
                user_id: str) -> Response:
    """OAuth 2.0 token endpoint: the client-credentials and username-password grants."""
    form = {k: v[0] for k, v in parse_qs(request.body.decode("utf-8")).items()}
    grant = form.get("grant_type")
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    authorization = request.header("authorization") or ""
    if authorization.startswith("Basic "):
        decoded = base64.b64decode(authorization[6:]).decode("utf-8")
        client_id, _, client_secret = decoded.partition(":")
    if (client_id, client_secret) != (credentials.consumer_key, credentials.consumer_secret):
        return Response.json(400, {"error": "invalid_client", "error_description": "invalid client credentials"})
    if grant == "password":
        password_ok = form.get("password") in (
            credentials.password, credentials.password + credentials.security_token,
        )
        if form.get("username") != credentials.username or not password_ok:
            return Response.json(400, {"error": "invalid_grant", "error_description": "authentication failure"})
    elif grant != "client_credentials":
        return Response.json(400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"})
    issued = str(int(datetime.now(UTC).timestamp() * 1000))
    return Response.json(200, {
        "access_token": sessions.issue(),
        "instance_url": instance_url,
        "id": f"https://login.salesforce.com/id/{ORG_ID}/{user_id}",
        "token_type": "Bearer",
        "issued_at": issued,
        "signature": base64.b64encode(secrets.token_bytes(32)).decode(),
    })
