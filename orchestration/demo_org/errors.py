"""Salesforce's error vocabulary, as the REST API reports it.

Handlers raise ``ApiError``; the HTTP layer turns it into the JSON array Salesforce sends,
``[{"message": ..., "errorCode": ..., "fields": [...]}]``, with the matching status code, so that
simple-salesforce raises the same exception class it would against a real org.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ApiError(Exception):
    status: int
    error_code: str
    message: str
    fields: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.error_code}: {self.message}"

    def body(self) -> list[dict]:
        entry: dict = {"message": self.message, "errorCode": self.error_code}
        if self.fields:
            entry["fields"] = self.fields
        return [entry]


def malformed_query(message: str) -> ApiError:
    return ApiError(400, "MALFORMED_QUERY", message)


def invalid_field(message: str) -> ApiError:
    return ApiError(400, "INVALID_FIELD", message)


def invalid_type(message: str) -> ApiError:
    return ApiError(400, "INVALID_TYPE", message)


def not_found(message: str = "The requested resource does not exist") -> ApiError:
    return ApiError(404, "NOT_FOUND", message)


def invalid_session() -> ApiError:
    return ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")


def request_limit_exceeded(used: int, limit: int) -> ApiError:
    return ApiError(403, "REQUEST_LIMIT_EXCEEDED", f"TotalRequests Limit exceeded. ({used}/{limit})")


def server_unavailable() -> ApiError:
    return ApiError(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable, please retry.")


def internal_error() -> ApiError:
    return ApiError(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId if "
                    "you contact support: 1234567890-12345 (-1234567890)")


def unable_to_lock_row() -> ApiError:
    return ApiError(400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record or 1 records")
