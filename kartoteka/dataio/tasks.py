"""Huey jobs of imports: the dry run, the run, the undo, every minute a look for imports
whose worker died (killed, machine restarted) so they show as stopped, to resume or undo,
and nightly the removal of uploaded files no import needs any more."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import services


@db_task()
def preview_import(job_pk: int) -> str:
    return services.execute_preview(job_pk)


@db_task()
def run_import(job_pk: int) -> str:
    return services.execute_run(job_pk)


@db_task()
def undo_import(job_pk: int) -> str:
    return services.execute_undo(job_pk)


@db_periodic_task(crontab(minute="*"))
def reap_stalled_imports() -> int:
    return services.reap_stalled()


@db_periodic_task(crontab(minute="17", hour="3"))
def purge_old_import_files() -> dict:
    return services.purge_old_files()
