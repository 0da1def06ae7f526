"""The ticket as a registry entity: its fields, list columns and the behaviour that keeps the
status history and SLA clock right whichever door a change comes through (the ticket page,
the API, bulk actions, mail, the portal)."""

from django.utils.translation import gettext_lazy as _

from kartoteka.platform.fields import FieldSpec, FieldType
from kartoteka.platform.registry import EntitySpec, registry

from .behaviour import TicketBehaviour
from .models import Ticket

CUSTOMER = _("Customer")
SLA = _("Service level")


def _column(key, label, type_, **kwargs) -> FieldSpec:
    return FieldSpec(key=key, label=label, type=type_, storage="column", **kwargs)


def _fk(key, label, type_, **kwargs) -> FieldSpec:
    return FieldSpec(key=key, label=label, type=type_, storage="fk", **kwargs)


ticket = registry.register(
    EntitySpec(
        key="ticket",
        model=Ticket,
        label=_("Ticket"),
        label_plural=_("Tickets"),
        icon="life-preserver",
        builtin_fields=[
            _column("subject", _("Subject"), FieldType.TEXT, required=True, order=0),
            _column(
                "description",
                _("Description"),
                FieldType.LONGTEXT,
                order=1,
                show_in_list=False,
                sortable=False,
                max_length=50000,
            ),
            _column(
                "status",
                _("Status"),
                FieldType.CHOICE,
                choices=tuple(Ticket.Status.choices),
                default=Ticket.Status.NEW,
                order=10,
            ),
            _column(
                "priority",
                _("Priority"),
                FieldType.CHOICE,
                choices=tuple(Ticket.Priority.choices),
                default=Ticket.Priority.NORMAL,
                order=11,
            ),
            _column(
                "type",
                _("Type"),
                FieldType.CHOICE,
                choices=tuple(Ticket.Type.choices),
                default=Ticket.Type.QUESTION,
                order=12,
            ),
            _fk("category", _("Category"), FieldType.CHOICE, order=13),
            _fk("team", _("Team"), FieldType.CHOICE, order=14),
            _fk(
                "contact",
                _("Requester"),
                FieldType.RELATION,
                related_entity="contact",
                order=20,
                section=CUSTOMER,
            ),
            _fk(
                "requester_user",
                _("Requested by colleague"),
                FieldType.USER,
                order=21,
                show_in_list=False,
                section=CUSTOMER,
            ),
            _fk(
                "company",
                _("Company"),
                FieldType.RELATION,
                related_entity="company",
                order=22,
                section=CUSTOMER,
            ),
            _column(
                "tier",
                _("Customer tier"),
                FieldType.CHOICE,
                choices=tuple(Ticket.Tier.choices),
                default=Ticket.Tier.STANDARD,
                order=23,
                show_in_list=False,
                section=CUSTOMER,
            ),
            _column(
                "channel",
                _("Channel"),
                FieldType.CHOICE,
                choices=tuple(Ticket.Channel.choices),
                default=Ticket.Channel.AGENT,
                order=30,
                show_in_list=False,
            ),
            _column("tags", _("Tags"), FieldType.TAGS, order=31, sortable=False),
            _column(
                "next_due_at",
                _("Next due"),
                FieldType.DATETIME,
                editable=False,
                order=40,
                section=SLA,
            ),
            _column(
                "sla_breached",
                _("SLA breached"),
                FieldType.BOOLEAN,
                editable=False,
                order=41,
                show_in_list=False,
                section=SLA,
            ),
            _column(
                "first_responded_at",
                _("First response"),
                FieldType.DATETIME,
                editable=False,
                order=42,
                show_in_list=False,
                section=SLA,
            ),
            _column(
                "resolved_at",
                _("Resolved"),
                FieldType.DATETIME,
                editable=False,
                order=43,
                show_in_list=False,
                section=SLA,
            ),
            _column(
                "csat_score",
                _("Satisfaction"),
                FieldType.NUMBER,
                editable=False,
                order=44,
                show_in_list=False,
                section=SLA,
            ),
            FieldSpec(
                key="owner",
                label=_("Assignee"),
                type=FieldType.USER,
                storage="fk",
                order=900,
                section="system",
            ),
        ],
        title_field="subject",
        title=lambda obj: f"#{obj.pk} {obj.subject}" if obj.pk else obj.subject,
        title_columns=("subject",),
        subtitle=lambda obj: obj.company.name if obj.company_id and obj.company else "",
        search_fields=["subject"],
        default_columns=["subject", "status", "priority", "contact", "next_due_at", "owner"],
        select_related=("owner", "contact", "company"),
        behaviour=TicketBehaviour(),
        list_actions=(("service:queues", _("Queues"), "inbox"),),
        order=8,
    )
)
