"""SQLite's write-ahead log during long loads (`maintenance.fewer_checkpoints`)."""

import pytest
from django.db import connection

from kartoteka.platform import maintenance

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own setting")


def _pages() -> int:
    with connection.cursor() as cursor:
        return cursor.execute("PRAGMA wal_autocheckpoint").fetchone()[0]


@pytest.mark.django_db
def test_a_load_checkpoints_less_often_and_the_setting_comes_back(settings):
    settings.SQLITE_BULK_WAL_PAGES = 12_345
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint=777")  # this connection's own, restored
    with maintenance.fewer_checkpoints():
        assert _pages() == 12_345
    assert _pages() == 777
    with pytest.raises(ZeroDivisionError), maintenance.fewer_checkpoints():
        assert _pages() == 12_345
        1 / 0  # noqa: B018
    assert _pages() == 777
