"""Huey tasks of the platform."""

from huey.contrib.djhuey import db_task

from . import events


@db_task(retries=3, retry_delay=10)
def deliver_event(name: str, payload: dict) -> None:
    from .registry import registry

    registry.refresh()
    events.deliver(name, payload)
