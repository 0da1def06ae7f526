"""Pages of the knowledge base, under /kb/: articles, canned responses and categories, plus
the suggestions fragment a ticket form asks for while it is being written."""

from django.urls import path

from .views import articles, canned, categories

app_name = "knowledge"
urlpatterns = [
    path("", articles.article_list, name="articles"),
    path("new/", articles.article_create, name="article_create"),
    path("preview/", articles.article_preview, name="article_preview"),
    path("suggest/", articles.suggest, name="suggest"),
    path("<int:pk>/", articles.article_detail, name="article"),
    path("<int:pk>/edit/", articles.article_edit, name="article_edit"),
    path("<int:pk>/vote/", articles.article_vote, name="article_vote"),
    path("<int:pk>/publish/", articles.article_publish, name="article_publish"),
    path("<int:pk>/unpublish/", articles.article_unpublish, name="article_unpublish"),
    path("<int:pk>/delete/", articles.article_delete, name="article_delete"),
    path("canned/", canned.canned_list, name="canned"),
    path("canned/new/", canned.canned_create, name="canned_create"),
    path("canned/preview/", canned.canned_preview, name="canned_preview"),
    path("canned/<int:pk>/edit/", canned.canned_edit, name="canned_edit"),
    path("canned/<int:pk>/delete/", canned.canned_delete, name="canned_delete"),
    path("categories/", categories.category_list, name="categories"),
    path("categories/<int:pk>/edit/", categories.category_edit, name="category_edit"),
    path("categories/<int:pk>/delete/", categories.category_delete, name="category_delete"),
]
