"""The org's daily API request allowance, reported on every response as Salesforce does."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from orchestration.demo_org.errors import request_limit_exceeded


class ApiLimits:
    """Counts API requests per UTC day and refuses them once the daily allowance is spent."""

    def __init__(self, daily_limit: int = 100_000) -> None:
        self.daily_limit = daily_limit
        self._used = 0
        self._day = self._today()
        self._lock = threading.Lock()

    @staticmethod
    def _today():
        return datetime.now(UTC).date()

    def _roll_day(self) -> None:
        if self._today() != self._day:
            self._day, self._used = self._today(), 0

    @property
    def used(self) -> int:
        with self._lock:
            self._roll_day()
            return self._used

    @property
    def remaining(self) -> int:
        return max(0, self.daily_limit - self.used)

    def charge(self) -> None:
        with self._lock:
            self._roll_day()
            if self._used >= self.daily_limit:
                raise request_limit_exceeded(self._used, self.daily_limit)
            self._used += 1

    def set_used(self, used: int) -> None:
        """Pretend other integrations already spent part of today's allowance."""
        with self._lock:
            self._roll_day()
            self._used = used

    def header(self) -> str:
        return f"api-usage={self.used}/{self.daily_limit}"
