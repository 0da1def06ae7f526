"""Huey tasks of the platform."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import events, maintenance


@db_task(retries=3, retry_delay=10)
def deliver_event(name: str, payload: dict) -> None:
    from .registry import registry

    registry.refresh()
    events.deliver(name, payload)


@db_periodic_task(crontab(hour="3", minute="17"))
def refresh_statistics() -> None:
    """Nightly, so SQLite keeps choosing the right indexes as the data grows."""
    maintenance.refresh_statistics()
