"""Activates the signed-in user's own language (English, Russian or Polish), and refreshes
the entity registry when another process changed the schema."""

from django.utils import translation

from kartoteka.platform.registry import registry


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        registry.refresh()
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
