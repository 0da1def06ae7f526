"""What the knowledge-base pages share: the reader and editor checks, htmx detection and
reading an id or a version from a request."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext as _

from .. import access


def denied() -> DjangoPermissionDenied:
    return DjangoPermissionDenied(_("You do not have permission to do this."))


def readers_only(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.may_read(request.user):
            raise denied()
        return view(request, *args, **kwargs)

    return wrapper


def editors_only(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.may_edit_knowledge(request.user):
            raise denied()
        return view(request, *args, **kwargs)

    return wrapper


def is_htmx(request) -> bool:
    return bool(request.headers.get("HX-Request"))


def first_message(error) -> str:
    return next(iter(error.errors.values()), [""])[0]
