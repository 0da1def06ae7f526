"""The reminder index leaves out tasks done before their reminder (the per-minute job stepped
over them for ever), and the digest's unique key leads with the date the job filters on."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('planner', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='digestsent',
            name='digest_once_per_day',
        ),
        migrations.RemoveIndex(
            model_name='task',
            name='task_reminder_pending',
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(condition=models.Q(('done_at__isnull', True), ('remind_at__isnull', False), ('reminded_at__isnull', True)), fields=['remind_at'], name='task_reminder_due'),
        ),
        migrations.AddConstraint(
            model_name='digestsent',
            constraint=models.UniqueConstraint(fields=('date', 'user'), name='digest_once_per_day'),
        ),
    ]
