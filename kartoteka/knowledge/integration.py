"""Hooks into the platform: the "Knowledge base" item in the main navigation. Imported by
`KnowledgeConfig.ready()`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from kartoteka.platform import navigation

from .access import may_read

navigation.register(
    navigation.NavItem(
        key="knowledge.articles",
        label=gettext_lazy("Knowledge base"),
        url_name="knowledge:articles",
        icon="book",
        visible=may_read,
        order=60,
    )
)
