"""Activates the signed-in user's own language (English, Russian or Polish), refreshes the
entity registry when another process changed the schema, and spares API calls that bring
their own token the browser machinery (session, CSRF cookie, messages).

A call to /api/v1/ with an `Authorization` or `X-Api-Token` header and no cookies at all has
no session to load, no messages to keep and no ambient credentials a forged request could
ride on: for it the session, authentication, CSRF and message middleware pass straight
through, and the API authenticates the token itself. Any cookie, or any other path, takes
the full browser route, so session-authenticated API calls keep their CSRF check.
"""

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

from kartoteka.platform.registry import SCHEMA_CHECK_INTERVAL, registry

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_PREFIX = "/api/v1/"
# The interactive docs page is HTML that embeds a CSRF token: always the browser route.
API_DOCS_PREFIX = "/api/v1/docs"


def is_token_api_call(request) -> bool:
    """An API call carrying a token header and no cookies (see the module docstring)."""
    try:
        return request._token_api_call
    except AttributeError:
        pass
    meta = request.META
    path = request.path_info
    request._token_api_call = (
        path.startswith(API_PREFIX)
        and not path.startswith(API_DOCS_PREFIX)
        and not meta.get("HTTP_COOKIE")
        and bool(meta.get("HTTP_AUTHORIZATION") or meta.get("HTTP_X_API_TOKEN"))
    )
    return request._token_api_call


class BrowserSessionMiddleware(SessionMiddleware):
    """Sessions, except for token API calls (which have no session cookie to read)."""

    def __call__(self, request):
        if not is_token_api_call(request):
            return super().__call__(request)
        response = self.get_response(request)
        # What the full route answers too: the user was looked up, so the session was read.
        patch_vary_headers(response, ("Cookie",))
        return response


class BrowserAuthenticationMiddleware(AuthenticationMiddleware):
    """The session's user, except for token API calls: anonymous until the API checks the
    token (a call without a session cookie is anonymous on the full route too)."""

    def process_request(self, request):
        if is_token_api_call(request):
            request.user = AnonymousUser()
            request.auser = _anonymous_user
            return
        super().process_request(request)


async def _anonymous_user():
    return AnonymousUser()


class BrowserCsrfViewMiddleware(CsrfViewMiddleware):
    """CSRF protection for everything with cookies; a token API call has none to forge
    with (and the API's views do their own check when they fall back to the session)."""

    def __call__(self, request):
        if is_token_api_call(request):
            return self.get_response(request)
        return super().__call__(request)

    def process_view(self, request, callback, callback_args, callback_kwargs):
        if is_token_api_call(request):
            return None
        return super().process_view(request, callback, callback_args, callback_kwargs)


class BrowserMessageMiddleware(MessageMiddleware):
    """One-time messages for pages; a token API call shows none."""

    def __call__(self, request):
        if is_token_api_call(request):
            return self.get_response(request)
        return super().__call__(request)


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A script's API reads may see another process's schema change up to
        # SCHEMA_CHECK_INTERVAL late; pages always check (an administrator who has just added
        # a field must find it on the next page, whichever process serves it), and so do
        # writes, so input is validated against the current fields.
        if request.method in SAFE_METHODS and is_token_api_call(request):
            registry.refresh(max_age=SCHEMA_CHECK_INTERVAL)
        else:
            registry.refresh()
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
