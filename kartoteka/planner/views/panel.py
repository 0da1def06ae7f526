"""The "Next steps" panel on every record's card: open tasks, a done button each, and an
"Add task" button that fetches the form to plan one. After a task is done the panel asks for
the next step, with the form open.

The form is not on the card's first paint: its assignee list names every active person, and
rendering it cost about a fifth of the card (docs/performance.md, finding 16). The button
fetches it with htmx (`next_step_form`, served by `GET tasks/new/`); without JavaScript the
same link opens the full task page.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode

from kartoteka.platform import permissions

from .. import forms
from ..queries import open_tasks_of_record


def new_task_url(spec, obj) -> str:
    """The task page for this record, back to its card afterwards; with htmx, the form alone."""
    query = urlencode({"entity": spec.key, "object_id": obj.pk, "next": spec.card_url(obj.pk)})
    return f"{reverse('planner:task_create')}?{query}"


def form_context(request, spec, obj, *, errors=None, data=None, autofocus=False) -> dict:
    """What the panel's task form needs: the assignee list and choices are read only here."""
    return {
        "entity": spec,
        "obj": obj,
        "card_url": spec.card_url(obj.pk),
        "users": forms.user_options(),
        "form": data if data is not None else forms.initial(request.user),
        "errors": forms.template_errors(errors),
        "autofocus": autofocus,
        **forms.choices(),
    }


def panel_context(
    request,
    spec,
    obj,
    *,
    prompt: bool = False,
    errors=None,
    data=None,
    done=None,
    focus_add: bool = False,
) -> dict:
    """The context of the panel; with its defaults, also the CardPanel hook of every card.

    The form is open when the panel asks for the next step or shows the form's errors;
    otherwise (every card's first paint) the panel offers the "Add task" button instead.
    """
    can_plan = permissions.may_log_activity(request.user, spec.key)
    show_form = can_plan and (prompt or errors is not None)
    context = {
        "tasks": open_tasks_of_record(spec.key, obj.pk),
        # an open lead or deal with no task is flagged; a company or contact is not
        "needs_next_step": spec.behaviour.needs_next_step(obj),
        "can_plan": can_plan,
        "card_url": spec.card_url(obj.pk),
        "show_form": show_form,
        "new_task_url": new_task_url(spec, obj) if can_plan else "",
        "focus_add": focus_add,
        "prompt": prompt,
        "done": done,
    }
    if show_form:
        context |= form_context(request, spec, obj, errors=errors, data=data, autofocus=prompt)
    return context


def render_panel(request, spec, obj, **kwargs) -> str:
    context = {"entity": spec, "obj": obj, **panel_context(request, spec, obj, **kwargs)}
    return render_to_string("planner/_next_steps.html", context, request=request)


def render_form(request, spec, obj) -> str:
    """The panel's form alone, as the "Add task" button swaps it in, focused on its title."""
    context = form_context(request, spec, obj, autofocus=True)
    return render_to_string("planner/_next_step_form.html", context, request=request)
