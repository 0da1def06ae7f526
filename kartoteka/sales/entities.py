"""Lead, Deal and Product as registry entities: built-in fields, titles, columns, and the
behaviour that keeps their rules whichever door a change comes through (form, API, bulk
action, import)."""

from django.utils.translation import gettext_lazy as _

from kartoteka.contacts.entities import SOURCES
from kartoteka.platform.fields import FieldSpec, FieldType
from kartoteka.platform.registry import OWNER_FIELD, EntitySpec, registry

from .behaviour import DealBehaviour, LeadBehaviour, ProductBehaviour
from .models import Deal, Lead, Product

CHANNELS = (
    ("web_form", _("Web form")),
    ("email", _("Email")),
    ("phone", _("Phone call")),
    ("api", _("API")),
    ("manual", _("Entered by hand")),
    ("import", _("Import")),
    ("chat", _("Chat")),
    ("other", _("Other")),
)


CONVERSION = _("Conversion")  # the card section of what a qualified lead became


def _column(key, label, type_, **kwargs) -> FieldSpec:
    return FieldSpec(key=key, label=label, type=type_, storage="column", **kwargs)


def _fk(key, label, type_, **kwargs) -> FieldSpec:
    return FieldSpec(key=key, label=label, type=type_, storage="fk", **kwargs)


lead = registry.register(
    EntitySpec(
        key="lead",
        model=Lead,
        label=_("Lead"),
        label_plural=_("Leads"),
        icon="funnel",
        builtin_fields=[
            _column("first_name", _("First name"), FieldType.TEXT, max_length=100, order=0),
            _column("last_name", _("Last name"), FieldType.TEXT, max_length=100, order=1),
            _column("company_name", _("Company"), FieldType.TEXT, order=5),
            _column(
                "position",
                _("Position"),
                FieldType.TEXT,
                max_length=100,
                order=7,
                show_in_list=False,
            ),
            _column(
                "phones", _("Phones"), FieldType.PHONE, multiple=True, order=10, sortable=False
            ),
            _column(
                "emails", _("Emails"), FieldType.EMAIL, multiple=True, order=20, sortable=False
            ),
            _column(
                "status",
                _("Status"),
                FieldType.CHOICE,
                choices=tuple(Lead.Status.choices),
                default=Lead.Status.NEW,
                order=30,
            ),
            _column("source", _("Source"), FieldType.CHOICE, choices=SOURCES, order=40),
            _column("channel", _("Channel"), FieldType.CHOICE, choices=CHANNELS, order=41),
            _column(
                "region", _("Region"), FieldType.TEXT, max_length=100, order=42, show_in_list=False
            ),
            _fk(
                "product",
                _("Product of interest"),
                FieldType.RELATION,
                related_entity="product",
                order=43,
                show_in_list=False,
            ),
            _column(
                "interest",
                _("Interest"),
                FieldType.LONGTEXT,
                order=44,
                show_in_list=False,
                sortable=False,
            ),
            _column(
                "cost",
                _("Cost of acquisition"),
                FieldType.NUMBER,
                order=50,
                min_value=0,
                show_in_list=False,
            ),
            _fk(
                "disqualification_reason",
                _("Disqualification reason"),
                FieldType.CHOICE,
                order=60,
                show_in_list=False,
            ),
            _fk(
                "contact",
                _("Contact"),
                FieldType.RELATION,
                related_entity="contact",
                editable=False,
                order=70,
                show_in_list=False,
                section=CONVERSION,
            ),
            _fk(
                "company",
                _("Client company"),
                FieldType.RELATION,
                related_entity="company",
                editable=False,
                order=71,
                show_in_list=False,
                section=CONVERSION,
            ),
            _fk(
                "deal",
                _("Deal"),
                FieldType.RELATION,
                related_entity="deal",
                editable=False,
                order=72,
                show_in_list=False,
                section=CONVERSION,
            ),
            OWNER_FIELD,
        ],
        title_field="last_name",
        title=lambda obj: obj.full_name or obj.company_name or (obj.emails[:1] or [""])[0],
        title_columns=("first_name", "last_name", "company_name", "emails"),
        subtitle=lambda obj: obj.company_name,
        search_fields=["first_name", "last_name", "company_name", "emails", "interest"],
        default_columns=["last_name", "first_name", "company_name", "status", "source", "owner"],
        select_related=("owner",),
        behaviour=LeadBehaviour(),
        order=5,
    )
)

deal = registry.register(
    EntitySpec(
        key="deal",
        model=Deal,
        label=_("Deal"),
        label_plural=_("Deals"),
        icon="briefcase",
        builtin_fields=[
            _column("name", _("Name"), FieldType.TEXT, required=True, order=0),
            _column("amount", _("Amount"), FieldType.NUMBER, min_value=0, order=10),
            _column("currency", _("Currency"), FieldType.CHOICE, order=11),
            _fk("stage", _("Stage"), FieldType.CHOICE, order=20),
            _fk("pipeline", _("Pipeline"), FieldType.CHOICE, editable=False, order=21),
            _fk("company", _("Company"), FieldType.RELATION, related_entity="company", order=30),
            _fk("contact", _("Contact"), FieldType.RELATION, related_entity="contact", order=31),
            _column("expected_close", _("Expected close"), FieldType.DATE, order=40),
            _column("source", _("Source"), FieldType.CHOICE, choices=SOURCES, order=50),
            _fk("lost_reason", _("Loss reason"), FieldType.CHOICE, order=60, show_in_list=False),
            _fk(
                "lost_stage",
                _("Lost at stage"),
                FieldType.CHOICE,
                editable=False,
                order=61,
                show_in_list=False,
            ),
            _column("closed_at", _("Closed"), FieldType.DATETIME, editable=False, order=62),
            _fk(
                "lead",
                _("From lead"),
                FieldType.RELATION,
                related_entity="lead",
                editable=False,
                order=70,
                show_in_list=False,
            ),
            OWNER_FIELD,
        ],
        title_field="name",
        title_columns=("name",),
        subtitle=lambda obj: obj.company.name if obj.company_id and obj.company else "",
        search_fields=["name"],
        default_columns=["name", "amount", "currency", "stage", "company", "owner"],
        select_related=("owner", "company"),
        stage_field="stage",
        behaviour=DealBehaviour(),
        list_actions=(("sales:board", _("Board"), "kanban"),),
        order=6,
    )
)

product = registry.register(
    EntitySpec(
        key="product",
        model=Product,
        label=_("Product"),
        label_plural=_("Products"),
        icon="box-seam",
        builtin_fields=[
            _column("name", _("Name"), FieldType.TEXT, required=True, order=0),
            _column("sku", _("SKU"), FieldType.TEXT, order=5, max_length=60),
            _column("unit", _("Unit"), FieldType.TEXT, order=6, max_length=20),
            _column("price", _("Price"), FieldType.NUMBER, min_value=0, order=10),
            _column("currency", _("Currency"), FieldType.CHOICE, order=11),
            _column(
                "tax_rate", _("Tax, %"), FieldType.NUMBER, min_value=0, max_value=100, order=12
            ),
            _column(
                "description",
                _("Description"),
                FieldType.LONGTEXT,
                order=20,
                show_in_list=False,
                sortable=False,
            ),
            _column("active", _("Active"), FieldType.BOOLEAN, default=True, order=30),
            OWNER_FIELD,
        ],
        title_field="name",
        title_columns=("name",),
        subtitle=lambda obj: obj.sku,
        search_fields=["name", "sku", "description"],
        default_columns=["name", "sku", "price", "currency", "unit", "active"],
        behaviour=ProductBehaviour(),
        order=60,
    )
)
