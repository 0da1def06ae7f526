"""The "Next steps" panel on every record's card: open tasks, a done button each, and a small
form to plan one. After a task is done the panel asks for the next step."""

from __future__ import annotations

from django.template.loader import render_to_string

from kartoteka.platform import permissions

from .. import forms
from ..queries import open_tasks_of_record


def panel_context(
    request, spec, obj, *, prompt: bool = False, errors=None, data=None, done=None
) -> dict:
    """The context of the panel; with its defaults, also the CardPanel hook of every card."""
    can_plan = permissions.may_log_activity(request.user, spec.key)
    return {
        "tasks": open_tasks_of_record(spec.key, obj.pk),
        # an open lead or deal with no task is flagged; a company or contact is not
        "needs_next_step": spec.behaviour.needs_next_step(obj),
        "can_plan": can_plan,
        "users": forms.user_options() if can_plan else [],
        "form": data if data is not None else forms.initial(request.user),
        "errors": forms.template_errors(errors),
        "prompt": prompt,
        "done": done,
        **forms.choices(),
    }


def render_panel(request, spec, obj, **kwargs) -> str:
    context = {"entity": spec, "obj": obj, **panel_context(request, spec, obj, **kwargs)}
    return render_to_string("planner/_next_steps.html", context, request=request)
