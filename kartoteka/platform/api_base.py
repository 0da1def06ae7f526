"""What every API router shares: authentication (personal token or session), one error
format for every refusal, and reading the fields a client sent (`sent`).

Errors always look like
    {"error": {"code": "validation_error", "message": "name: This field is required.",
               "fields": {"name": ["This field is required."]}}}
with HTTP 422 for invalid input, 403 for permission, 404 for unknown or invisible records,
409 for stale versions (plus "current_version"), 401 without credentials, 413 for a body
over DATA_UPLOAD_MAX_MEMORY_SIZE.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from kartoteka.accounts.models import ApiToken

from .fields import InputErrors
from .permissions import PermissionDenied
from .services import Conflict


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = ApiToken.authenticate(token)
        if user is not None:
            request.user = user
        return user


class HeaderToken(APIKeyHeader):
    param_name = "X-Api-Token"

    def authenticate(self, request, key):
        user = ApiToken.authenticate(key)
        if user is not None:
            request.user = user
        return user


AUTH = [BearerToken(), HeaderToken(), django_auth]


def sent(payload: Schema) -> dict[str, Any]:
    """The fields the client sent (a PATCH changes only those)."""
    return payload.model_dump(exclude_unset=True)


def error_body(code: str, message: str, fields: dict | None = None, **extra) -> dict:
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    body.update(extra)
    return {"error": body}


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(InputErrors)
    def input_errors(request, exc: InputErrors):
        return api.create_response(
            request,
            error_body("validation_error", exc.first_message, exc.errors),
            status=422,
        )

    @api.exception_handler(NinjaValidationError)
    def ninja_validation(request, exc: NinjaValidationError):
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            loc = [str(part) for part in error.get("loc", ())]
            # Only the leading "body"/"query" names where Ninja looked: a field may be "body".
            if loc and loc[0] in ("body", "query"):
                loc = loc[1:]
            key = ".".join(loc[1:] if loc and loc[0] in ("payload", "data") else loc) or "__all__"
            message = str(error.get("msg", ""))
            if error.get("type") in ("dict_type", "model_attributes_type"):
                message = _("Send a JSON object.")
            fields.setdefault(key, []).append(message)
        first = next(iter(fields.items()), ("", [""]))
        return api.create_response(
            request,
            error_body("validation_error", f"{first[0]}: {first[1][0]}", fields),
            status=422,
        )

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        return api.create_response(
            request,
            error_body("permission_denied", _("You do not have permission to do this.")),
            status=403,
        )

    @api.exception_handler(Conflict)
    def conflict(request, exc: Conflict):
        return api.create_response(
            request,
            error_body(
                "conflict",
                _("The record was changed by someone else; reload it and try again."),
                current_version=exc.current_version,
            ),
            status=409,
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, error_body("not_found", _("Not found.")), status=404)

    @api.exception_handler(LookupError)
    def unknown_entity(request, exc):
        return api.create_response(
            request, error_body("not_found", _("Unknown entity.")), status=404
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return api.create_response(
            request,
            error_body("unauthenticated", _("Send a valid API token or log in.")),
            status=401,
        )

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        return api.create_response(
            request,
            error_body("too_large", _("The request body is too large.")),
            status=413,
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if exc.status_code == 400:
            body = error_body("malformed", _("The request body is not valid JSON."))
        else:
            body = error_body("error", str(exc.message))
        return api.create_response(request, body, status=exc.status_code)
