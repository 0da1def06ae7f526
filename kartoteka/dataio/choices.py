"""Unknown values of a custom choice field, added to its choices when the import asks for it.

Only administrators change field definitions, so for anyone else "add unknown values" turns
back into a rejection. The run adds the values before it validates a batch (in that batch's
transaction); the dry run adds nothing and lets such rows stand in with a known choice, so
its counts say what the run will do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from kartoteka.customization.models import FieldDefinition
from kartoteka.platform import events
from kartoteka.platform.registry import registry

from .cells import fold

if TYPE_CHECKING:
    from .engine import RowWork, Run


def add_new(run: Run, works: list[RowWork]) -> None:
    columns = [c for c in run.columns if c.new_choices and c.spec is not None]
    if not columns:
        return
    admin = getattr(run.user, "is_administrator", False)
    changed = False
    for column in columns:
        spec = column.spec
        fresh = {value for value in column.new_choices if fold(value) not in column.choice_lookup}
        new_values = set()
        for work in works:
            value = work.data.get(column.key)
            items = value if isinstance(value, list) else [value]
            new_values.update(item for item in items if item in fresh)
        if not new_values:
            continue
        if not admin:
            for work in works:
                value = work.data.get(column.key)
                items = value if isinstance(value, list) else [value]
                if any(item in new_values for item in items):
                    work.errors.append(
                        _("%(field)s: only an administrator can add the choice “%(value)s”.")
                        % {"field": column.header, "value": next(i for i in items if i in fresh)}
                    )
            continue
        if run.dry_run:
            stand_in = next(iter(spec.choices), (None,))[0]
            for work in works:
                value = work.data.get(column.key)
                if isinstance(value, list):
                    work.data[column.key] = [
                        stand_in if item in new_values else item for item in value
                    ]
                elif value in new_values:
                    work.data[column.key] = stand_in
            continue
        definition = FieldDefinition.objects.select_for_update().get(
            entity=run.entity.key, key=spec.key
        )
        known = list(definition.choices or [])
        definition.choices = known + sorted(v for v in new_values if v not in known)
        definition.save(update_fields=["choices"])
        for value in new_values:
            column.choice_lookup[fold(value)] = value
        changed = True
    if changed:
        events.emit("schema.changed", what="field", action="updated", entity=run.entity.key)
        registry.bump()
        run.entity = registry.get(run.entity.key)
