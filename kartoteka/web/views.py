"""The home page: for each entity, the records the signed-in user owns."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from kartoteka.platform import permissions
from kartoteka.platform.registry import registry


@login_required
def home(request):
    tiles = []
    for spec in registry.all():
        if not permissions.can(request.user, spec.key, "view"):
            continue
        mine = spec.queryset().filter(owner=request.user)
        tiles.append(
            {
                "spec": spec,
                "mine": mine.count() if spec.entity_type_id is None else None,
                "recent": list(mine.order_by("-updated_at")[:5]),
            }
        )
    return render(request, "web/home.html", {"tiles": tiles})
