"""Huey jobs of the planner: reminders every minute, the daily digest check every quarter of
an hour (it sends from DIGEST_HOUR on, once per person and day, so a worker that was down at
seven still sends when it comes back)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import digest, reminders


@db_periodic_task(crontab(minute="*"))
def send_due_reminders() -> int:
    return reminders.send_due_reminders()


@db_periodic_task(crontab(minute="*/15"))
def send_daily_digests() -> int:
    return digest.send_daily_digests()
