"""Company and Contact as registry entities: their built-in fields, titles and columns."""

from django.utils.translation import gettext_lazy as _

from kartoteka.platform.fields import FieldSpec, FieldType
from kartoteka.platform.registry import OWNER_FIELD, EntitySpec, registry

from .models import Company, Contact

INDUSTRIES = (
    ("it", _("IT and software")),
    ("manufacturing", _("Manufacturing")),
    ("retail", _("Retail")),
    ("wholesale", _("Wholesale")),
    ("services", _("Services")),
    ("logistics", _("Logistics")),
    ("construction", _("Construction")),
    ("finance", _("Finance")),
    ("healthcare", _("Healthcare")),
    ("education", _("Education")),
    ("other", _("Other")),
)

SOURCES = (
    ("website", _("Website")),
    ("referral", _("Referral")),
    ("cold_call", _("Cold call")),
    ("exhibition", _("Exhibition")),
    ("advertising", _("Advertising")),
    ("social", _("Social networks")),
    ("partner", _("Partner")),
    ("other", _("Other")),
)


def _column(key, label, type_, **kwargs) -> FieldSpec:
    return FieldSpec(key=key, label=label, type=type_, storage="column", **kwargs)


company = registry.register(
    EntitySpec(
        key="company",
        model=Company,
        label=_("Company"),
        label_plural=_("Companies"),
        icon="building",
        builtin_fields=[
            _column("name", _("Name"), FieldType.TEXT, required=True, order=0),
            _column(
                "phones", _("Phones"), FieldType.PHONE, multiple=True, order=10, sortable=False
            ),
            _column(
                "emails", _("Emails"), FieldType.EMAIL, multiple=True, order=20, sortable=False
            ),
            _column("website", _("Website"), FieldType.URL, order=30),
            _column(
                "address",
                _("Address"),
                FieldType.LONGTEXT,
                order=40,
                show_in_list=False,
                sortable=False,
            ),
            _column("industry", _("Industry"), FieldType.CHOICE, choices=INDUSTRIES, order=50),
            _column("source", _("Source"), FieldType.CHOICE, choices=SOURCES, order=60),
            _column("tags", _("Tags"), FieldType.TAGS, order=70, sortable=False),
            OWNER_FIELD,
        ],
        title_field="name",
        title_columns=("name",),
        search_fields=["name", "emails", "website", "address"],
        default_columns=["name", "phones", "emails", "industry", "owner"],
        subtitle=lambda obj: ", ".join(obj.emails[:1]),
        order=10,
    )
)

contact = registry.register(
    EntitySpec(
        key="contact",
        model=Contact,
        label=_("Contact"),
        label_plural=_("Contacts"),
        icon="person",
        builtin_fields=[
            _column("first_name", _("First name"), FieldType.TEXT, max_length=100, order=0),
            _column(
                "last_name", _("Last name"), FieldType.TEXT, max_length=100, required=True, order=1
            ),
            FieldSpec(
                key="company",
                label=_("Company"),
                type=FieldType.RELATION,
                storage="fk",
                related_entity="company",
                order=5,
            ),
            _column("position", _("Position"), FieldType.TEXT, max_length=100, order=7),
            _column(
                "phones", _("Phones"), FieldType.PHONE, multiple=True, order=10, sortable=False
            ),
            _column(
                "emails", _("Emails"), FieldType.EMAIL, multiple=True, order=20, sortable=False
            ),
            _column(
                "address",
                _("Address"),
                FieldType.LONGTEXT,
                order=40,
                show_in_list=False,
                sortable=False,
            ),
            _column("source", _("Source"), FieldType.CHOICE, choices=SOURCES, order=60),
            _column("tags", _("Tags"), FieldType.TAGS, order=70, sortable=False),
            OWNER_FIELD,
        ],
        title_field="last_name",
        title=lambda obj: obj.full_name,
        title_columns=("first_name", "last_name"),
        subtitle=lambda obj: obj.company.name if obj.company_id and obj.company else "",
        search_fields=["first_name", "last_name", "emails", "position"],
        default_columns=["last_name", "first_name", "company", "phones", "emails", "owner"],
        select_related=("owner", "company"),
        order=20,
    )
)
