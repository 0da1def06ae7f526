"""Template context shared by every page: the entities and pages in the navigation.

Lazy, so fragments rendered with a request (htmx panels, rows) that never show the navigation
do not pay for its permission checks and the notification badge's query.
"""

from django.utils.functional import SimpleLazyObject

from kartoteka.platform import navigation, permissions
from kartoteka.platform.registry import registry


def navigation_context(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_entities": SimpleLazyObject(
            lambda: [spec for spec in registry.all() if permissions.can(user, spec.key, "view")]
        ),
        "nav_items": SimpleLazyObject(lambda: navigation.items_for(user)),
        "is_administrator": user.is_administrator,
    }
