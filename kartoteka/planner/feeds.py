"""The secret address of each person's iCalendar feed: issue, show again, rotate, resolve.

The token is HMAC-SHA256(SECRET_KEY, user id + a random nonce); the table keeps the nonce and
the token's SHA-256. Changing SECRET_KEY therefore changes every feed address, like every
other signed link of the site.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac

from .models import CalendarFeed

TOKEN_RE = re.compile(r"^[0-9a-f]{64}$")


def _token(user_id: int, nonce: str) -> str:
    return salted_hmac(
        "kartoteka.planner.feed", f"{user_id}:{nonce}", algorithm="sha256"
    ).hexdigest()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _store(user, feed: CalendarFeed | None) -> str:
    nonce = secrets.token_hex(16)
    token = _token(user.pk, nonce)
    if feed is None:
        CalendarFeed.objects.create(user=user, nonce=nonce, token_hash=_hash(token))
    else:
        feed.nonce, feed.token_hash = nonce, _hash(token)
        feed.save(update_fields=["nonce", "token_hash"])
    return token


def feed_token(user) -> str:
    """The user's current token, issued on first use."""
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is not None:
        return _token(user.pk, feed.nonce)
    try:
        with transaction.atomic():
            return _store(user, None)
    except IntegrityError:  # two first visits at once: the other one won, show its token
        return _token(user.pk, CalendarFeed.objects.get(user=user).nonce)


def rotate_feed(user) -> str:
    """A new address; the old one answers 404 from now on."""
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
        return _store(user, feed)


def user_for_token(token: str):
    """The active owner of a feed token, or None."""
    if not isinstance(token, str) or not TOKEN_RE.match(token):
        return None
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=_hash(token)).first()
    if feed is None or not feed.user.is_active:
        return None
    return feed.user
