"""The service desk's tables: tickets (a registry entity), their conversation, attachments,
links, status history and SLA targets; business calendars, SLA policies, categories; the
support mailbox; portal sign-in links and customer feedback.

Writes go through `service.services` (tickets, conversation) and `service.sla` (targets);
nothing here saves itself.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.lookups import IsNull
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kartoteka.contacts.models import Company, Contact
from kartoteka.platform.choices import ChoiceLabels
from kartoteka.platform.models import EntityModel


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100)
    order = models.IntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("default team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")

    def __str__(self) -> str:
        return self.name


class BusinessCalendar(models.Model):
    """Working hours per weekday in local time, holidays, and the time zone they are in.

    `hours` maps a weekday ("0" = Monday … "6" = Sunday) to [[start, end], …] in minutes of
    the local day; a missing weekday is a day off."""

    name = models.CharField(_("name"), max_length=100)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    hours = models.JSONField(_("working hours"), default=dict, blank=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_unique_date")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SlaPolicy(models.Model):
    """Targets for tickets matching its conditions; the first active policy (by order) whose
    conditions all hold applies. An empty condition list matches everything."""

    name = models.CharField(_("name"), max_length=100)
    order = models.IntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    priorities = models.JSONField(_("priorities"), default=list, blank=True)
    types = models.JSONField(_("types"), default=list, blank=True)
    categories = models.JSONField(_("categories"), default=list, blank=True)  # Category ids
    tiers = models.JSONField(_("customer tiers"), default=list, blank=True)
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("business calendar"),
        on_delete=models.PROTECT,
        related_name="policies",
    )
    first_response_minutes = models.PositiveIntegerField(
        _("first response (working minutes)"), null=True, blank=True
    )
    next_response_minutes = models.PositiveIntegerField(
        _("next response (working minutes)"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution (working minutes)"), null=True, blank=True
    )
    # The cut-off rule: before `cutoff_at` → resolved by the end of that working day; after →
    # by `cutoff_next_day_at` on the next working day. Replaces resolution_minutes when set.
    cutoff_at = models.PositiveIntegerField(_("cut-off time"), null=True, blank=True)
    cutoff_next_day_at = models.PositiveIntegerField(_("next-day due time"), null=True, blank=True)
    update_every_minutes = models.PositiveIntegerField(
        _("status update every (working minutes)"), null=True, blank=True
    )
    pause_on_third_party = models.BooleanField(
        _("pause while waiting for a third party"), default=False
    )
    warn_before_minutes = models.PositiveIntegerField(_("warn before breach (minutes)"), default=30)
    escalate_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on breach, reassign to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    raise_priority = models.BooleanField(_("on breach, raise the priority"), default=False)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name


def queue_order() -> tuple:
    """The agents' queues: the nearest deadline first, tickets without one last, newest
    first among equals. Written so that one index (`ticket_queue`) serves it on SQLite too,
    which cannot index NULLS LAST: "no deadline" is a column of its own."""
    return (
        IsNull(F("next_due_at"), True).asc(),
        F("next_due_at").asc(),
        F("created_at").desc(),
        F("id").desc(),
    )


class Ticket(EntityModel):
    """A request from a customer (a contact) or from a colleague (an internal user). The
    record's owner is the assignee."""

    class Type(models.TextChoices):
        QUESTION = "question", _("Question")
        INCIDENT = "incident", _("Incident")
        BUG = "bug", _("Bug")
        FEATURE = "feature", _("Feature request")
        COMPLAINT = "complaint", _("Complaint")
        ACCESS = "access", _("Access request")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    class Status(models.TextChoices):
        # with a context: a ticket's "new"/"closed" agree with "ticket" in Polish and Russian
        NEW = "new", pgettext_lazy("ticket status", "New")
        OPEN = "open", _("Open")
        WAITING_CUSTOMER = "waiting_customer", _("Waiting for customer")
        WAITING_THIRD_PARTY = "waiting_third_party", _("Waiting for third party")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", pgettext_lazy("ticket status", "Closed")
        REOPENED = "reopened", _("Reopened")

    class Channel(models.TextChoices):
        AGENT = "agent", _("Entered by an agent")
        PHONE = "phone", _("Phone call")
        EMAIL = "email", _("Email")
        PORTAL = "portal", _("Customer portal")
        API = "api", _("API")

    class Tier(models.TextChoices):
        STANDARD = "standard", _("Standard")
        PRIORITY = "priority", _("Priority")
        KEY = "key", _("Key account")

    OPEN_STATUSES = (
        Status.NEW,
        Status.OPEN,
        Status.WAITING_CUSTOMER,
        Status.WAITING_THIRD_PARTY,
        Status.REOPENED,
    )
    DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)
    PRIORITY_ORDER = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT)

    subject = models.CharField(_("subject"), max_length=255)
    description = models.TextField(_("description"), blank=True, default="")
    type = models.CharField(_("type"), max_length=20, choices=Type.choices, default=Type.QUESTION)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    requester_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requested_tickets",
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    tier = models.CharField(
        _("customer tier"), max_length=20, choices=Tier.choices, default=Tier.STANDARD
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.AGENT
    )
    requester_email = models.CharField(_("requester email"), max_length=254, blank=True)
    # SLA state, kept by `service.sla`.
    sla_policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    next_due_at = models.DateTimeField(_("next due"), null=True, blank=True)
    sla_breached = models.BooleanField(_("SLA breached"), default=False)
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    paused_since = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    csat_score = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    csat_comment = models.TextField(_("satisfaction comment"), blank=True, default="")
    csat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="ticket_created"),
            models.Index(fields=["owner", "-created_at", "-id"], name="ticket_owner_created"),
            models.Index(
                fields=[
                    "status",
                    "-created_at",
                    "-id",
                    "owner",
                    "next_due_at",
                    "sla_breached",
                    "team",
                ],
                name="ticket_status_created",
            ),
            models.Index(fields=["next_due_at", "id"], name="ticket_next_due"),
            models.Index(fields=["contact", "-created_at"], name="ticket_contact"),
            models.Index(fields=["company", "-created_at"], name="ticket_company"),
            # The agents' queues (`service.queues`): a page is a walk of `ticket_queue` in
            # queue order that tests each queue's filter on the index entry, without a sort
            # or a table read; the counts are a scan of `ticket_status_created` over the
            # open statuses with the columns they test. Not partial indexes: SQLite uses
            # those only when the query spells the condition's values as literals, and
            # Django binds them as parameters.
            models.Index(
                *queue_order(),
                F("status"),
                F("owner"),
                F("sla_breached"),
                F("team"),
                name="ticket_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def number(self) -> str:
        return f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Message(ChoiceLabels, models.Model):
    """One entry of a ticket's conversation: a public reply, an internal note, or what the
    customer wrote (by email, in the portal, or as told to an agent)."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("Customer message")
        REPLY = "reply", _("Public reply")
        NOTE = "note", _("Internal note")
        VENDOR = "vendor", _("Third-party contact")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_email = models.CharField(max_length=254, blank=True)
    body = models.TextField()
    at = models.DateTimeField(default=timezone.now)
    via = models.CharField(max_length=10, choices=Ticket.Channel.choices, default="agent")
    # Mail threading: our Message-ID for what we send, theirs for what arrives.
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True)
    mail_to = models.JSONField(default=list, blank=True)
    mail_status = models.CharField(max_length=10, blank=True)  # queued / sent / failed
    mail_error = models.CharField(max_length=255, blank=True)
    # A third party's contact (a vendor the ticket needed): who, and which way.
    vendor = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    vendor_direction = models.CharField(max_length=3, blank=True)  # "in" / "out"

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at", "id"], name="message_ticket_time")]

    def __str__(self) -> str:
        return f"{self.kind} on #{self.ticket_id}"

    @property
    def is_public(self) -> bool:
        return self.kind in (self.Kind.CUSTOMER, self.Kind.REPLY)


def _attachment_path(instance, filename: str) -> str:
    now = timezone.now()
    return f"service/{now:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=_attachment_path, max_length=255)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.message is None or self.message.is_public


class TicketLink(ChoiceLabels, models.Model):
    """A ticket linked to another ticket (related, or a duplicate merged into it) or to a
    deal."""

    class Kind(models.TextChoices):
        RELATED = "related", _("Related")
        DUPLICATE = "duplicate", _("Duplicate")
        DEAL = "deal", _("Deal")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    other = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    deal = models.ForeignKey(
        "sales.Deal", null=True, blank=True, on_delete=models.CASCADE, related_name="tickets"
    )
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "kind", "other"], name="ticket_link_unique"),
            models.UniqueConstraint(fields=["ticket", "deal"], name="ticket_deal_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.kind} {self.other_id or self.deal_id}"


class StatusPeriod(models.Model):
    """How long a ticket spent in each status: time waiting for the customer or for a third
    party is reported from these rows."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="periods")
    status = models.CharField(max_length=20, choices=Ticket.Status.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["ticket", "started_at"], name="period_ticket")]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.status} from {self.started_at}"


class SlaTarget(ChoiceLabels, models.Model):
    """One deadline of a ticket: its first response, each next response, each status update
    and the resolution; met or breached is recorded here and kept."""

    class Kind(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("First response")
        NEXT_RESPONSE = "next_response", _("Next response")
        UPDATE = "update", _("Status update")
        RESOLUTION = "resolution", _("Resolution")

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        MET = "met", _("Met")
        BREACHED = "breached", _("Breached")
        CANCELLED = "cancelled", _("Cancelled")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_targets")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField()
    target = models.DurationField()  # working time allowed
    paused = models.JSONField(default=list, blank=True)  # [[start ISO, end ISO | null], …]
    due_at = models.DateTimeField(null=True, blank=True)  # None while paused
    done_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [
            models.Index(fields=["state", "due_at"], name="sla_target_due"),
            models.Index(fields=["ticket", "kind"], name="sla_target_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of #{self.ticket_id}: {self.state}"


class Mailbox(models.Model):
    """The support mailbox read over IMAP; replies go out through its SMTP server."""

    class Security(models.TextChoices):
        SSL = "ssl", _("SSL/TLS")
        STARTTLS = "starttls", _("STARTTLS")
        NONE = "none", _("None (local servers only)")

    name = models.CharField(_("name"), max_length=100)
    address = models.EmailField(_("address"))
    active = models.BooleanField(_("active"), default=True)
    imap_host = models.CharField(_("IMAP host"), max_length=255)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(max_length=10, choices=Security.choices, default="ssl")
    username = models.CharField(_("user name"), max_length=255)
    password = models.CharField(_("password"), max_length=255)
    folder = models.CharField(_("folder"), max_length=100, default="INBOX")
    processed_folder = models.CharField(_("move processed mail to"), max_length=100, blank=True)
    smtp_host = models.CharField(_("SMTP host"), max_length=255)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=587)
    smtp_security = models.CharField(max_length=10, choices=Security.choices, default="starttls")
    smtp_username = models.CharField(_("SMTP user name"), max_length=255, blank=True)
    smtp_password = models.CharField(_("SMTP password"), max_length=255, blank=True)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledge = models.BooleanField(_("confirm new requests by email"), default=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.address


class ProcessedMail(models.Model):
    """Every mail taken from a mailbox, once: what it became (a ticket, a reply, nothing)."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="processed")
    message_id = models.CharField(max_length=255)
    at = models.DateTimeField(default=timezone.now)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=20)  # ticket / reply / automatic / rejected
    detail = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "message_id"], name="processed_mail_once")
        ]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.outcome}"


class PortalAccess(models.Model):
    """A contact's portal settings: whether they may see their company's tickets."""

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="portal")
    company_tickets = models.BooleanField(_("may see the company's tickets"), default=False)
    blocked = models.BooleanField(_("blocked"), default=False)
    last_login_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"portal access of contact {self.contact_id}"


class PortalLink(models.Model):
    """A one-time sign-in link sent by email; only its hash is kept."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sign-in link for contact {self.contact_id}"


class Feedback(models.Model):
    """A customer's suggestion or comment about the service, from the portal."""

    class Kind(models.TextChoices):
        SUGGESTION = "suggestion", _("Suggestion")
        COMMENT = "comment", _("Comment")
        COMPLAINT = "complaint", _("Complaint")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.SUGGESTION)
    text = models.TextField(max_length=5000)
    at = models.DateTimeField(default=timezone.now)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.kind} from contact {self.contact_id}"
