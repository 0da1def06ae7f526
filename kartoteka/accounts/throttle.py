"""Counting attempts in the cache: log-in throttling and rate limits on public forms.

A counter lives for a fixed window that starts with its first hit, so it works the same on
the local-memory cache of a laptop and on Redis shared by many web processes.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache

# Public forms that send mail or write rows: submissions per client address and hour, unless
# settings.ACCESS_REQUEST_LIMIT / settings.PASSWORD_RESET_LIMIT say otherwise.
PUBLIC_FORM_LIMITS = {"access_request": 5, "password_reset": 5}
PUBLIC_FORM_WINDOW = 3600


def client_ip(request) -> str:
    """The client's address. Behind N trusted proxies (settings.TRUSTED_PROXY_COUNT), the Nth
    address from the right of X-Forwarded-For; otherwise REMOTE_ADDR, which cannot be forged."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(scope: str, value: str) -> str:
    # Hashed: user input never reaches the cache backend's key syntax.
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"kartoteka:throttle:{scope}:{digest}"


class Counter:
    """Hits of one kind from one source (a username, an address) in a fixed window."""

    def __init__(self, scope: str, value: str, limit: int, window: int):
        self.key = _key(scope, value)
        self.limit = limit
        self.window = window

    @property
    def count(self) -> int:
        return cache.get(self.key, 0)

    @property
    def exceeded(self) -> bool:
        return self.count >= self.limit

    def hit(self) -> int:
        if cache.add(self.key, 0, self.window):
            cache.set(self.key + ":until", time.time() + self.window, self.window)
        try:
            return cache.incr(self.key)
        except ValueError:  # expired between add() and incr()
            cache.set(self.key, 1, self.window)
            return 1

    def reset(self) -> None:
        cache.delete_many([self.key, self.key + ":until"])

    def minutes_left(self) -> int:
        until = cache.get(self.key + ":until")
        seconds = until - time.time() if until else self.window
        return max(1, math.ceil(seconds / 60))


def login_counters(username: str, ip: str) -> tuple[Counter, Counter]:
    limit = settings.LOGIN_FAILURE_LIMIT
    window = settings.LOGIN_FAILURE_WINDOW
    return (
        Counter("login-user", (username or "").strip().lower(), limit, window),
        Counter("login-ip", ip, limit, window),
    )


def public_form_counter(form: str, request) -> Counter:
    limit = getattr(settings, f"{form.upper()}_LIMIT", PUBLIC_FORM_LIMITS[form])
    return Counter(f"form-{form}", client_ip(request), limit, PUBLIC_FORM_WINDOW)
