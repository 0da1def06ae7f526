"""Template context shared by every page: the entities and pages in the navigation."""

from kartoteka.platform import navigation, permissions
from kartoteka.platform.registry import registry


def navigation_context(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    entities = [spec for spec in registry.all() if permissions.can(user, spec.key, "view")]
    return {
        "nav_entities": entities,
        "nav_items": navigation.items_for(user),
        "is_administrator": user.is_administrator,
    }
