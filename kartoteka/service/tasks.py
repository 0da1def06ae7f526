"""Huey jobs of the service desk: sending replies, reading the support mailboxes, and the SLA
check (warnings before a breach, escalation after one) every minute."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import outgoing, sla


@db_task(retries=3, retry_delay=60)
def send_reply(message_pk: int) -> bool:
    return outgoing.send(message_pk)


@db_periodic_task(crontab(minute="*"))
def check_sla() -> dict:
    return sla.check()


@db_periodic_task(crontab(minute="*"))
def read_mailboxes() -> dict:
    from . import inbound

    return inbound.poll_all()


@db_task(retries=3, retry_delay=60)
def send_acknowledgement(ticket_pk: int, mailbox_pk: int, in_reply_to: str) -> bool:
    return outgoing.send_acknowledgement(ticket_pk, mailbox_pk, in_reply_to)
