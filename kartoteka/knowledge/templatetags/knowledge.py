"""Template helpers of the knowledge base: whether the person may edit it, and an article's
body rendered by the Markdown-lite renderer (escaped by construction)."""

from django import template

from .. import access, markup

register = template.Library()


@register.simple_tag(takes_context=True)
def kb_may_edit(context) -> bool:
    request = context.get("request")
    return bool(request is not None and access.may_edit_knowledge(request.user))


@register.filter
def kb_markup(text: str):
    return markup.render(text)
