"""Template context shared by every page: the entities in the navigation."""

from kartoteka.platform import permissions
from kartoteka.platform.registry import registry


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    entities = [spec for spec in registry.all() if permissions.can(user, spec.key, "view")]
    return {"nav_entities": entities, "is_administrator": user.is_administrator}
