"""Sales data: currencies, pipelines and stages, reasons (loss, disqualification), products,
leads, deals with their contacts and line items, the stage history, capture forms and the
rules that assign unowned leads.

Leads, deals and products are registry entities (`entities.py`); pipelines, stages, reasons,
currencies, forms and rules are settings an administrator keeps on /sales/settings/.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kartoteka.contacts.models import Company, Contact
from kartoteka.platform.models import EntityModel


class Currency(models.Model):
    """A currency and its rate: what one unit is worth in the base currency."""

    code = models.CharField(_("code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=60)
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=6, default=Decimal(1))
    is_base = models.BooleanField(_("base currency"), default=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["-is_base", "code"]
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")

    def __str__(self) -> str:
        return self.code


class Pipeline(models.Model):
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_default = models.BooleanField(_("default"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", _("open")
        WON = "won", _("won")
        LOST = "lost", _("lost")

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices, default=Kind.OPEN)
    probability = models.PositiveSmallIntegerField(_("probability, %"), default=10)
    order = models.PositiveIntegerField(_("order"), default=0)
    stale_days = models.PositiveIntegerField(
        _("stale after days"),
        null=True,
        blank=True,
        help_text=_("A deal with no activity for this many days is marked as going stale."),
    )

    class Meta:
        ordering = ["pipeline__order", "pipeline_id", "order", "id"]
        verbose_name = _("stage")
        verbose_name_plural = _("stages")

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.kind != self.Kind.OPEN


class Reason(models.Model):
    """Why a deal was lost or a lead disqualified; administrators keep the lists."""

    class Kind(models.TextChoices):
        LOSS = "loss", _("deal lost")
        DISQUALIFICATION = "disqualification", _("lead disqualified")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "order", "id"]
        verbose_name = _("reason")
        verbose_name_plural = _("reasons")

    def __str__(self) -> str:
        return self.name


class Product(EntityModel):
    name = models.CharField(_("name"), max_length=255)
    sku = models.CharField(_("SKU"), max_length=60, blank=True, default="")
    unit = models.CharField(_("unit"), max_length=20, blank=True, default="")
    price = models.DecimalField(_("price"), max_digits=18, decimal_places=2, null=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True, default="")
    tax_rate = models.DecimalField(
        _("tax, %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    description = models.TextField(_("description"), blank=True, default="")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [
            models.Index(fields=["name", "id"], name="product_name"),
            models.Index(fields=["sku"], name="product_sku"),
            models.Index(fields=["-created_at", "-id"], name="product_created"),
        ]

    def __str__(self) -> str:
        return self.name


class Lead(EntityModel):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_WORK = "in_work", _("In work")
        QUALIFIED = "qualified", _("Qualified")
        DISQUALIFIED = "disqualified", _("Disqualified")
        CONVERTED = "converted", _("Converted")

    OPEN_STATUSES = (Status.NEW, Status.IN_WORK, Status.QUALIFIED)

    first_name = models.CharField(_("first name"), max_length=100, blank=True, default="")
    last_name = models.CharField(_("last name"), max_length=100, blank=True, default="")
    company_name = models.CharField(_("company"), max_length=255, blank=True, default="")
    position = models.CharField(_("position"), max_length=100, blank=True, default="")
    emails = models.JSONField(_("emails"), default=list, blank=True)
    phones = models.JSONField(_("phones"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    source = models.CharField(_("source"), max_length=40, blank=True, default="")
    channel = models.CharField(_("channel"), max_length=20, blank=True, default="")
    region = models.CharField(_("region"), max_length=100, blank=True, default="")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), null=True, blank=True, on_delete=models.SET_NULL
    )
    interest = models.TextField(_("interest"), blank=True, default="")
    cost = models.DecimalField(
        _("cost of acquisition"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    disqualification_reason = models.ForeignKey(
        Reason, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    utm = models.JSONField(_("UTM parameters"), default=dict, blank=True)
    form = models.ForeignKey(
        "CaptureForm", null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deal = models.ForeignKey(
        "Deal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="lead_created"),
            models.Index(fields=["owner", "-created_at", "-id"], name="lead_owner_created"),
            models.Index(fields=["status", "-created_at", "-id"], name="lead_status_created"),
            models.Index(fields=["last_name", "id"], name="lead_last_name"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def display_name(self) -> str:
        name = self.full_name
        if name and self.company_name:
            return f"{name} ({self.company_name})"
        return name or self.company_name or (self.emails[:1] or [""])[0] or f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Deal(EntityModel):
    name = models.CharField(_("name"), max_length=255)
    amount = models.DecimalField(
        _("amount"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True, default="")
    # the amount in the base currency at the rate of the last change: column totals, funnel
    amount_base = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="deals")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals")
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=40, blank=True, default="")
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lost_reason = models.ForeignKey(
        Reason, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lost_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stage_changed_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="deal_created"),
            models.Index(fields=["owner", "-created_at", "-id"], name="deal_owner_created"),
            # a kanban column: newest moves first, keyset on (stage_changed_at, id)
            models.Index(fields=["stage", "-stage_changed_at", "-id"], name="deal_stage_column"),
            models.Index(
                fields=["owner", "stage", "-stage_changed_at", "-id"], name="deal_owner_column"
            ),
            # the board's column counts and totals, closed columns within a window: covering
            models.Index(
                fields=["stage", "stage_changed_at", "amount_base"], name="deal_stage_moved_amount"
            ),
            models.Index(fields=["name", "id"], name="deal_name"),
        ]

    def __str__(self) -> str:
        return self.name


class DealContact(models.Model):
    """A contact's part in a deal: decision maker, user, accountant…"""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="contact_roles")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="deal_roles")
    role = models.CharField(_("role"), max_length=100, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deal", "contact"], name="deal_contact_unique")
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.contact} ({self.role})" if self.role else str(self.contact)


class LineItem(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="line_items")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL)
    name = models.CharField(_("name"), max_length=255)
    sku = models.CharField(_("SKU"), max_length=60, blank=True, default="")
    unit = models.CharField(_("unit"), max_length=20, blank=True, default="")
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    price = models.DecimalField(_("price"), max_digits=18, decimal_places=2)
    discount = models.DecimalField(_("discount, %"), max_digits=5, decimal_places=2, default=0)
    tax_rate = models.DecimalField(_("tax, %"), max_digits=5, decimal_places=2, default=0)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def net(self) -> Decimal:
        gross = self.quantity * self.price
        return (gross * (Decimal(100) - self.discount) / Decimal(100)).quantize(Decimal("0.01"))

    @property
    def tax(self) -> Decimal:
        return (self.net * self.tax_rate / Decimal(100)).quantize(Decimal("0.01"))

    @property
    def total(self) -> Decimal:
        return self.net + self.tax


class StageChange(models.Model):
    """Every move of a deal between stages, with its time: funnels and cycle times."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # a deleted stage leaves the history in place (the funnel still counts the move)
    to_stage = models.ForeignKey(Stage, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["deal", "at"], name="stage_change_deal"),
            models.Index(fields=["to_stage", "at"], name="stage_change_stage"),
        ]

    def __str__(self) -> str:
        return f"deal {self.deal_id}: {self.from_stage_id} → {self.to_stage_id}"


class ChannelCost(models.Model):
    """Money spent on a source of leads over a period (advertising, an exhibition): the cost
    per lead and the return of a source are computed from these and the leads' own costs."""

    source = models.CharField(_("source"), max_length=40)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    note = models.CharField(_("note"), max_length=255, blank=True, default="")

    class Meta:
        ordering = ["-period_start", "source"]
        verbose_name = _("channel cost")
        verbose_name_plural = _("channel costs")

    def __str__(self) -> str:
        return f"{self.source} {self.period_start}–{self.period_end}"


class CaptureForm(models.Model):
    """A web form on a company's site that creates leads. `key` is public (it is in the
    page's HTML); spam is held off by a honeypot field, a rate limit and allowed origins."""

    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(max_length=40, unique=True)
    fields = models.JSONField(default=list)  # [{"field": "emails", "label": "…", "required": …}]
    allowed_origins = models.JSONField(default=list, blank=True)  # ["https://example.com"]
    source = models.CharField(_("source"), max_length=40, blank=True, default="website")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner of new leads"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    success_message = models.CharField(_("thank-you message"), max_length=255, blank=True)
    redirect_url = models.URLField(_("redirect after sending"), blank=True, default="")
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    submissions = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")

    def __str__(self) -> str:
        return self.name


class AssignmentRule(models.Model):
    """Who gets an unowned lead: the first active rule whose conditions match picks the next
    of its users in turn (round robin). Empty conditions match everything."""

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    source = models.CharField(_("source"), max_length=40, blank=True, default="")
    region = models.CharField(_("region"), max_length=100, blank=True, default="")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), null=True, blank=True, on_delete=models.CASCADE
    )
    users = models.JSONField(default=list)  # user ids, in turn
    next_index = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")

    def __str__(self) -> str:
        return self.name
