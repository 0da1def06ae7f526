"""Filling the placeholders of a canned response — a plain substitution over a fixed list of
names, never the template engine: a body is text people type, and running it as a template
would hand them `{% load %}`, `{{ settings.SECRET_KEY }}` and every object in the context.

    {{ contact.first_name }}  {{ contact.last_name }}  {{ contact.full_name }}  {{ contact.email }}
    {{ company.name }}  {{ ticket.number }}  {{ ticket.subject }}
    {{ agent.name }}  {{ agent.first_name }}  {{ agent.email }}

A placeholder that is not on the list, or whose value the caller did not give, stays in the
text as typed, so the agent sees what still needs filling. Values are plain text: control
characters and line breaks become spaces (a name cannot add lines to the answer), long values
are cut, and a value is inserted once — a value that itself looks like a placeholder is not
expanded. The result is plain text; whoever puts it into HTML escapes it there (templates do).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kartoteka.platform.fields import InputErrors

PLACEHOLDERS: dict[str, dict[str, Any]] = {
    "contact": {
        "first_name": gettext_lazy("the contact's first name"),
        "last_name": gettext_lazy("the contact's last name"),
        "full_name": gettext_lazy("the contact's full name"),
        "email": gettext_lazy("the contact's email"),
    },
    "company": {"name": gettext_lazy("the company's name")},
    "ticket": {
        "number": gettext_lazy("the ticket's number"),
        "subject": gettext_lazy("the ticket's subject"),
    },
    "agent": {
        "name": gettext_lazy("your name"),
        "first_name": gettext_lazy("your first name"),
        "email": gettext_lazy("your email"),
    },
}
KNOWN = frozenset(f"{group}.{name}" for group, names in PLACEHOLDERS.items() for name in names)
VALUE_MAX = 300
_PLACEHOLDER = re.compile(
    r"\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,40})\.([A-Za-z_][A-Za-z0-9_]{0,40})\s*\}\}"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


@dataclass
class Rendered:
    text: str
    missing: list[str] = field(default_factory=list)  # known, but no value was given
    unknown: list[str] = field(default_factory=list)  # not a placeholder we fill


def clean_value(value: Any) -> str:
    if value is None:
        return ""
    text = _CONTROL.sub(" ", str(value))
    return " ".join(text.split())[:VALUE_MAX]


def flatten(context: dict | None) -> dict[str, str]:
    """`{"contact": {"first_name": "Anna"}}` or `{"contact.first_name": "Anna"}` → flat keys
    among the known placeholders; other keys are ignored (use `parse_context` for strictness)."""
    flat: dict[str, str] = {}
    for key, value in (context or {}).items():
        if isinstance(value, dict):
            for name, inner in value.items():
                dotted = f"{key}.{name}"
                if dotted in KNOWN and inner is not None:
                    flat[dotted] = clean_value(inner)
        elif key in KNOWN and value is not None:
            flat[key] = clean_value(value)
    return {key: value for key, value in flat.items() if value}


def render_text(body: str, context: dict | None) -> Rendered:
    values = flatten(context)
    missing: list[str] = []
    unknown: list[str] = []

    def substitute(match: re.Match) -> str:
        dotted = f"{match.group(1)}.{match.group(2)}"
        if dotted in values:
            return values[dotted]
        bucket = missing if dotted in KNOWN else unknown
        if dotted not in bucket:
            bucket.append(dotted)
        return match.group(0)

    return Rendered(_PLACEHOLDER.sub(substitute, body or ""), missing, unknown)


def parse_context(raw: Any) -> dict[str, dict[str, str]]:
    """Strict reading of a context sent to the API: an object of groups, each an object of
    known names with text or number values. Raises InputErrors naming the first problem."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InputErrors({"__all__": [_('Send an object such as {"contact": {…}}.')]})
    errors: dict[str, list[str]] = {}
    clean: dict[str, dict[str, str]] = {}
    for group, names in raw.items():
        group_key = str(group)[:60]
        if group not in PLACEHOLDERS:
            errors[group_key] = [
                _("Unknown group; use one of: %(names)s.") % {"names": ", ".join(PLACEHOLDERS)}
            ]
            continue
        if not isinstance(names, dict):
            errors[group_key] = [_("Send an object of values.")]
            continue
        for name, value in names.items():
            key = f"{group_key}.{str(name)[:60]}"
            if name not in PLACEHOLDERS[group]:
                errors[key] = [_("Unknown placeholder.")]
            elif value is not None and (
                isinstance(value, bool) or not isinstance(value, str | int)
            ):
                errors[key] = [_("Enter text.")]
            elif isinstance(value, str) and len(value) > VALUE_MAX:
                errors[key] = [_("Enter at most %(max)d characters.") % {"max": VALUE_MAX}]
            elif value is not None:
                clean.setdefault(group, {})[name] = clean_value(value)
    if errors:
        raise InputErrors(errors)
    return clean


def agent_values(user) -> dict[str, str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    return {
        "name": user.get_full_name() or user.get_username(),
        "first_name": user.first_name or user.get_username(),
        "email": user.email or "",
    }


def context_for(*, agent=None, contact=None, company=None, ticket=None) -> dict:
    """A context from model objects (the ticket screen's caller): only the listed attributes
    are read, whatever the objects hold."""
    context: dict[str, dict[str, str]] = {}
    if agent is not None:
        context["agent"] = agent_values(agent)
    if contact is not None:
        first = getattr(contact, "first_name", "") or ""
        last = getattr(contact, "last_name", "") or ""
        context["contact"] = {
            "first_name": first,
            "last_name": last,
            "full_name": " ".join(part for part in (first, last) if part),
            "email": getattr(contact, "email", "") or "",
        }
        if company is None:
            company = getattr(contact, "company", None)
    if company is not None:
        context["company"] = {"name": getattr(company, "name", "") or ""}
    if ticket is not None:
        context["ticket"] = {
            "number": str(getattr(ticket, "number", "") or getattr(ticket, "pk", "") or ""),
            "subject": getattr(ticket, "subject", "") or "",
        }
    return context
