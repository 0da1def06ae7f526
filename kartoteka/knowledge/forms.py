"""Forms of the knowledge-base pages. They render the inputs and hand the posted strings to
`services`, which alone validate (so the pages and the API agree); the services' errors come
back onto the form through `show_errors`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kartoteka.customization.forms import BootstrapForm

from .models import Article, ArticleCategory, Language
from .services import BODY_MAX, CANNED_BODY_MAX, SHORTCUT_MAX, TITLE_MAX

BODY_HELP = _(
    "Blank line: new paragraph. # Heading, - list item, 1. numbered item, **bold**, *italic*, "
    "`code`, [link text](https://…). Anything else is shown as typed."
)


def category_choices(blank_label) -> list[tuple[str, str]]:
    """Top-level categories, each followed by its subcategories ("Billing › Refunds")."""
    categories = list(ArticleCategory.objects.select_related("parent"))
    top = [c for c in categories if c.parent_id is None]
    children: dict[int, list[ArticleCategory]] = {}
    for category in categories:
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category)
    choices = [("", str(blank_label))]
    for category in top:
        choices.append((str(category.pk), category.name))
        for child in children.get(category.pk, []):
            choices.append((str(child.pk), f"{category.name} › {child.name}"))
    return choices


class _ServiceForm(BootstrapForm):
    """Every field optional here: the service reports what is missing, once."""

    # Choices for which an empty value means "not given" (the default, or unchanged).
    blank_means_unset: tuple[str, ...] = ()

    def to_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        for name in self.blank_means_unset:
            if data.get(name) in ("", None):
                data.pop(name, None)
        return data


class ArticleForm(_ServiceForm):
    blank_means_unset = ("visibility", "status", "language")
    title = forms.CharField(
        label=_("Title"),
        required=False,
        strip=False,
        widget=forms.TextInput(attrs={"maxlength": TITLE_MAX, "autocomplete": "off"}),
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    visibility = forms.ChoiceField(
        label=_("Who may read it"),
        choices=Article.Visibility.choices,
        required=False,
        help_text=_("Public articles are also shown to customers; internal ones to staff only."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=Article.Status.choices,
        required=False,
        help_text=_("Drafts are seen only by knowledge-base editors."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices, required=False)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        strip=False,
        help_text=BODY_HELP,
        widget=forms.Textarea(attrs={"rows": 16, "maxlength": BODY_MAX, "class": "kb-editor"}),
    )

    def add_fields(self) -> None:
        self.fields["category"].choices = category_choices(_("No category"))

    @classmethod
    def initial_for(cls, article: Article | None) -> dict[str, Any]:
        if article is None:
            return {
                "visibility": Article.Visibility.INTERNAL,
                "status": Article.Status.DRAFT,
                "language": Language.ANY,
            }
        return {
            "title": article.title,
            "category": str(article.category_id or ""),
            "visibility": article.visibility,
            "status": article.status,
            "language": article.language,
            "body": article.body,
        }


class CategoryForm(_ServiceForm):
    name = forms.CharField(
        label=_("Name"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 100, "autocomplete": "off"}),
    )
    parent = forms.ChoiceField(
        label=_("Inside"),
        required=False,
        help_text=_("Subcategories go one level deep."),
    )

    def __init__(self, *args, category: ArticleCategory | None = None, **kwargs):
        self.category = category
        super().__init__(*args, **kwargs)

    def add_fields(self) -> None:
        tops = ArticleCategory.objects.filter(parent__isnull=True)
        if self.category is not None:
            tops = tops.exclude(pk=self.category.pk)
        self.fields["parent"].choices = [("", str(_("Top level")))] + [
            (str(c.pk), c.name) for c in tops
        ]


class CannedForm(_ServiceForm):
    blank_means_unset = ("language",)
    title = forms.CharField(
        label=_("Title"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": TITLE_MAX, "autocomplete": "off"}),
    )
    shortcut = forms.CharField(
        label=_("Shortcut"),
        required=False,
        help_text=_("Optional, such as /refund: type it in an answer to find this one."),
        widget=forms.TextInput(attrs={"maxlength": SHORTCUT_MAX + 1, "autocomplete": "off"}),
    )
    shared = forms.BooleanField(
        label=_("Shared with the team"),
        required=False,
        help_text=_("Shared answers are edited by knowledge-base editors; others are yours alone."),
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices, required=False)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "maxlength": CANNED_BODY_MAX}),
    )

    def __init__(self, *args, may_share: bool = False, **kwargs):
        self.may_share = may_share
        super().__init__(*args, **kwargs)

    def add_fields(self) -> None:
        self.fields["category"].choices = category_choices(_("No category"))
        if not self.may_share:
            del self.fields["shared"]

    @classmethod
    def initial_for(cls, response) -> dict[str, Any]:
        if response is None:
            return {"language": Language.ANY, "shared": False}
        return {
            "title": response.title,
            "shortcut": response.shortcut,
            "shared": response.owner_id is None,
            "category": str(response.category_id or ""),
            "language": response.language,
            "body": response.body,
        }
