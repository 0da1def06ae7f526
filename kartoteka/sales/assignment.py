"""Who gets an unowned lead: assignment rules and round robin (see `AssignmentRule`).

`pick_owner(lead)` is called by `LeadBehaviour.before_save` for every new lead without an
owner (web forms, imports, the API when no owner is named), inside the transaction that
creates the lead.

The first active rule, by order, whose non-empty conditions (source; region, ignoring case;
product) all match the lead gives it to the next of its users in turn. A rule with an empty
user list means "every active manager in turn".

When no rule matches, the lead goes round robin to every active user with the "manager"
role. That turn needs a pointer stored somewhere that survives restarts and is shared by
every web process; the pointer is an ordinary `AssignmentRule` row — "Everyone in turn",
no conditions, no users, ordered after everything else (`FALLBACK_ORDER`) — created the first
time it is needed. Counting existing leads would also give a turn, but it is not safe when
two leads arrive at once and drifts when leads are deleted; a row is both. Being a visible
rule, administrators see it on /sales/rules/, may rename it, and may deactivate it to leave
unmatched leads unowned.

The turn: `next_index` counts the leads a rule has handed out. It is advanced with one
`UPDATE … SET next_index = next_index + 1` and read back in the same transaction, so two
leads arriving at once (two web processes, PostgreSQL's row lock or SQLite's write lock) get
different turns. The pick is `active_users[(count - 1) % len(active_users)]` over the rule's
users that are still active, in the rule's order: deactivated users are skipped and the
others keep taking turns.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_noop

from .models import AssignmentRule

MANAGER_ROLE = "manager"
# The largest value PostgreSQL's integer column takes: the fallback rule always comes last.
FALLBACK_ORDER = 2_147_483_647
FALLBACK_NAME = gettext_noop("Everyone in turn")


def pick_owner(lead) -> int | None:
    """The user id that should own this new, unowned lead (None: leave it unowned)."""
    rules = list(AssignmentRule.objects.order_by("order", "id"))
    with transaction.atomic():
        for rule in rules:
            if rule.active and rule_matches(rule, lead):
                picked = _next_user(rule)
                if picked is not None:
                    return picked
        if any(rule.order == FALLBACK_ORDER for rule in rules):
            # "Everyone in turn" exists: it was tried above, or an administrator turned it
            # off or gave it conditions; either way the lead stays unowned.
            return None
        return _next_user(ensure_fallback_rule())


def rule_matches(rule: AssignmentRule, lead) -> bool:
    """Every condition the rule sets holds for the lead; empty conditions match anything."""
    if rule.source and rule.source != (lead.source or ""):
        return False
    if rule.region.strip() and (
        rule.region.strip().casefold() != (lead.region or "").strip().casefold()
    ):
        return False
    if rule.product_id is not None and rule.product_id != lead.product_id:
        return False
    return True


def ensure_fallback_rule() -> AssignmentRule:
    """The "Everyone in turn" rule, created on first use (see the module docstring)."""
    rule = AssignmentRule.objects.filter(order=FALLBACK_ORDER).order_by("id").first()
    if rule is None:
        rule = AssignmentRule.objects.create(name=FALLBACK_NAME, order=FALLBACK_ORDER, users=[])
    return rule


def user_ids(rule: AssignmentRule) -> list[int]:
    """The user ids the rule names, once each, in turn order."""
    seen: list[int] = []
    for value in rule.users or []:
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue
        if number not in seen:
            seen.append(number)
    return seen


def _managers() -> list[int]:
    users = get_user_model().objects.filter(is_active=True, role__key=MANAGER_ROLE)
    return list(users.order_by("pk").values_list("pk", flat=True))


def _active(ids) -> set[int]:
    users = get_user_model().objects.filter(is_active=True, pk__in=ids)
    return set(users.values_list("pk", flat=True))


def candidates(rule: AssignmentRule) -> list[int]:
    """The active users who take turns in this rule, in turn order."""
    named = user_ids(rule)
    if named:
        active = _active(named)
        return [pk for pk in named if pk in active]
    return _managers()


def next_user_preview(rule: AssignmentRule) -> int | None:
    """Who the rule would pick next (for the settings page); changes nothing."""
    return next_users_preview([rule])[rule.pk]


def next_users_preview(rules: list[AssignmentRule]) -> dict[int, int | None]:
    """Who each rule would pick next, by rule id, in two queries whatever the number of
    rules (the settings page lists them all); changes nothing."""
    active = _active({pk for rule in rules for pk in user_ids(rule)})
    managers = _managers() if any(not user_ids(rule) for rule in rules) else []
    result: dict[int, int | None] = {}
    for rule in rules:
        named = user_ids(rule)
        people = [pk for pk in named if pk in active] if named else managers
        result[rule.pk] = people[rule.next_index % len(people)] if people else None
    return result


def _next_user(rule: AssignmentRule) -> int | None:
    people = candidates(rule)
    if not people:
        return None
    with transaction.atomic():
        AssignmentRule.objects.filter(pk=rule.pk).update(next_index=F("next_index") + 1)
        handed_out = (
            AssignmentRule.objects.filter(pk=rule.pk).values_list("next_index", flat=True).first()
        )
    if handed_out is None:  # deleted meanwhile
        return None
    return people[(handed_out - 1) % len(people)]
