"""The home page: for each entity the user may see, the records added last."""

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
        visible = permissions.restrict(spec.queryset(), request.user, spec.key)
        tiles.append(
            {
                "spec": spec,
                # newest first along the (created, id) index; no count over the whole table
                "recent": list(visible.order_by("-created_at", "-id")[:6]),
            }
        )
    return render(request, "web/home.html", {"tiles": tiles})
