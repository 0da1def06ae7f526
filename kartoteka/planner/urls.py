"""Pages of the planner app: My day, the calendar and its feed, the .ics download of tasks and
meetings, notifications, task endpoints used by the card's Next steps panel."""

from django.urls import path

from .views import export, feed, notifications, pages, tasks

app_name = "planner"
urlpatterns = [
    path("", pages.my_day, name="my_day"),
    path("calendar/", pages.calendar, name="calendar"),
    path("calendar/new-address/", pages.rotate_feed, name="rotate_feed"),
    path("feed/<str:token>.ics", feed.calendar_feed, name="feed"),
    path("export.ics", export.calendar_export, name="export"),
    path("tasks/new/", tasks.task_create, name="task_create"),
    path("tasks/<int:pk>/edit/", tasks.task_edit, name="task_edit"),
    path("tasks/<int:pk>/complete/", tasks.task_complete, name="task_complete"),
    path("tasks/<int:pk>/reopen/", tasks.task_reopen, name="task_reopen"),
    path("tasks/<int:pk>/delete/", tasks.task_delete, name="task_delete"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read/", notifications.notifications_read_all, name="notifications_read"),
    path("notifications/<int:pk>/read/", notifications.notification_read, name="notification_read"),
    path("notifications/<int:pk>/open/", notifications.notification_open, name="notification_open"),
]
