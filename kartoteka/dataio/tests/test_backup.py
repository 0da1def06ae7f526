"""Backup and restore: a round trip gives back the same instance (rows, files, search, custom
fields and their indexes), SQLite → PostgreSQL → SQLite gives the same counts and checksums,
and damaged, foreign or newer archives, non-empty databases and non-administrators are
refused with nothing written."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from kartoteka.dataio.backup import BackupError, restore_backup, write_backup

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
ATTACHMENT = b"%PDF-1.4 the signed offer\n" * 50


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def instance(admin_user, manager, registry, make):
    """Demo-like data touching every kind of table: records with custom values, a custom
    entity, a link, timeline entries, a deal, a ticket with an attachment, a role."""
    from kartoteka.accounts.models import Role
    from kartoteka.customization import services as custom
    from kartoteka.platform import services
    from kartoteka.service.services import Upload, open_ticket

    custom.create_entity_type(
        admin_user, {"key": "supplier", "label": "Supplier", "label_plural": "Suppliers"}
    )
    custom.create_field(
        admin_user,
        {"entity": "contact", "key": "shoe_size", "label": "Shoe size", "type": "number"}
        | {"filterable": True},
    )
    custom.create_field(
        admin_user, {"entity": "supplier", "key": "city", "label": "City", "type": "text"}
    )
    relation = custom.create_relation_type(
        admin_user,
        {
            "from_entity": "company",
            "to_entity": "supplier",
            "label": "Suppliers",
            "reverse_label": "Clients",
        },
    )
    supplier = make("supplier", name="Żółw Logistics", city="Łódź")
    company = make("company", name="Acme Trading", owner=manager)
    contact = make(
        "contact", first_name="Семён", last_name="Kowalski", company=company.pk, shoe_size=44
    )
    services.link_records(admin_user, relation, company, supplier)
    services.add_activity(
        registry.get("company"), admin_user, company, {"kind": "call", "body": "Asked for a quote"}
    )
    deal = make("deal", manager, name="20 licences", amount="1200.50", company=company.pk)
    ticket = open_ticket(
        admin_user,
        {"subject": "Printer jams", "contact": contact.pk},
        uploads=[Upload("offer.pdf", "application/pdf", ATTACHMENT)],
    )
    Role.objects.create(key="auditor", name="Auditor", grants={"*": {"view": "all"}})
    return {"company": company, "contact": contact, "deal": deal, "ticket": ticket}


def archive_of() -> tuple[io.BytesIO, object]:
    buffer = io.BytesIO()
    manifest = write_backup(buffer)
    buffer.seek(0)
    return buffer, manifest


def rewritten(archive: io.BytesIO, changes: dict) -> io.BytesIO:
    """A copy of the archive with some members' bytes changed (valid zip, wrong content)."""
    archive.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, changes[name](data) if name in changes else data)
    out.seek(0)
    archive.seek(0)
    return out


# -- the round trip ------------------------------------------------------------------------


def test_restore_brings_back_exactly_what_was_backed_up(instance, admin_user, registry, media):
    from kartoteka.contacts.models import Company, Contact
    from kartoteka.customization.indexes import index_exists, index_name
    from kartoteka.platform import search
    from kartoteka.service.models import Attachment
    from kartoteka.timeline.models import Activity

    archive, first = archive_of()
    tables = first.checksums()
    assert tables["contacts.company"][0] == 1
    assert tables["timeline.activity"][0] == Activity.objects.count() > 0
    assert tables["records.link"][0] == 1
    assert tables["accounts.user_groups"][0] == 0  # auto-created many-to-many tables too
    assert "sessions.session" not in tables
    assert [f.path for f in first.files] == [Attachment.objects.get().file.name]

    # The instance changes after the backup: a company goes, a contact is renamed, the
    # attachment's file and the custom field's index are lost.
    attachment = Attachment.objects.get()
    (media / attachment.file.name).unlink()
    Contact.objects.filter(pk=instance["contact"].pk).update(last_name="Changed")
    Company.objects.create(name="Created after the backup")
    from kartoteka.customization.indexes import drop_index

    drop_index("contact", "shoe_size")

    restored = restore_backup(archive, force=True)
    assert restored.mismatches == []
    _again, second = archive_of()
    assert second.checksums() == tables

    assert not Company.objects.filter(name="Created after the backup").exists()
    contact = Contact.objects.get(pk=instance["contact"].pk)
    assert (contact.last_name, contact.custom) == ("Kowalski", {"shoe_size": 44})
    assert (media / attachment.file.name).read_bytes() == ATTACHMENT
    assert index_exists(Contact, index_name("contact", "shoe_size"))
    assert registry.get("supplier").is_custom_entity
    assert [f.key for f in registry.get("supplier").custom_fields] == ["city"]
    hits = search.search(admin_user, "lodz")
    assert [hit.title for hit in hits] == ["Żółw Logistics"]
    assert [hit.title for hit in search.search(admin_user, "семен")] == ["Семён Kowalski"]


def test_command_backs_up_and_refuses_to_restore_into_a_database_with_data(
    instance, tmp_path, capsys
):
    from django.core.management import CommandError, call_command

    target = tmp_path / "out.zip"
    call_command("backup", output=str(target))
    assert "contacts.company: 1" in capsys.readouterr().out
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(target))


# -- refusals ------------------------------------------------------------------------------


def test_a_database_with_data_is_refused_unless_forced(instance):
    from kartoteka.contacts.models import Company

    archive, _manifest = archive_of()
    Company.objects.create(name="Someone's work")
    with pytest.raises(BackupError, match=r"not empty.*contacts\.company"):
        restore_backup(archive)
    assert Company.objects.filter(name="Someone's work").exists()


def test_a_damaged_table_is_refused_and_nothing_is_written(instance):
    from kartoteka.contacts.models import Company

    archive, _manifest = archive_of()
    damaged = rewritten(
        archive, {"data/contacts.company.jsonl": lambda data: data.replace(b"Acme", b"Evil")}
    )
    Company.objects.create(name="Created after the backup")
    with pytest.raises(BackupError, match=r"damaged: data/contacts\.company\.jsonl"):
        restore_backup(damaged, force=True)
    assert Company.objects.filter(name="Created after the backup").exists()
    assert not Company.objects.filter(name__startswith="Evil").exists()


def test_a_damaged_file_is_refused_and_no_file_is_left_behind(instance, media):
    from kartoteka.contacts.models import Company
    from kartoteka.service.models import Attachment

    archive, manifest = archive_of()
    path = manifest.files[0].path
    (media / path).unlink()
    damaged = rewritten(archive, {f"files/{path}": lambda data: data[:-1] + b"!"})
    Company.objects.create(name="Created after the backup")
    with pytest.raises(BackupError, match="damaged: files/"):
        restore_backup(damaged, force=True)
    assert not (media / path).exists()
    assert Company.objects.filter(name="Created after the backup").exists()
    assert Attachment.objects.count() == 1


def test_an_archive_from_a_newer_schema_is_refused(instance):
    from kartoteka.contacts.models import Company

    archive, _manifest = archive_of()

    def future(raw: bytes) -> bytes:
        data = json.loads(raw)
        data["migrations"].append(["sales", "9999_from_the_future"])
        return json.dumps(data).encode()

    newer = rewritten(archive, {"manifest.json": future})
    Company.objects.create(name="Kept")
    with pytest.raises(BackupError, match=r"newer version.*sales\.9999_from_the_future"):
        restore_backup(newer, force=True)
    assert Company.objects.filter(name="Kept").exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"not a zip at all", "not a readable zip"),
        (b"", "not a readable zip"),
    ],
)
def test_something_else_than_a_backup_is_refused(db, content, message):
    with pytest.raises(BackupError, match=message):
        restore_backup(io.BytesIO(content))


def test_a_zip_without_a_manifest_is_refused(db):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("data/contacts.company.jsonl", b"{}\n")
    buffer.seek(0)
    with pytest.raises(BackupError, match="no manifest"):
        restore_backup(buffer)


# -- the page ------------------------------------------------------------------------------


def test_only_administrators_may_open_or_download_a_backup(client, manager):
    client.force_login(manager)
    assert client.get(reverse("dataio:backup")).status_code == 403
    assert client.post(reverse("dataio:backup")).status_code == 403


def test_administrator_downloads_the_same_archive(client, instance, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("dataio:backup"))
    assert page.status_code == 200
    assert b"Download backup" in page.content
    response = client.post(reverse("dataio:backup"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'attachment; filename="kartoteka-backup-' in response["Content-Disposition"]
    body = io.BytesIO(b"".join(response.streaming_content))
    with zipfile.ZipFile(body) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        labels = {table["label"]: table["rows"] for table in manifest["tables"]}
        assert labels["contacts.company"] == 1
        assert labels["sales.deal"] == 1
        assert len(manifest["files"]) == 1
        assert zf.read("files/" + manifest["files"][0]["path"]) == ATTACHMENT


# -- across databases ----------------------------------------------------------------------


def postgres_or_skip():
    try:
        import psycopg

        return psycopg.connect(dbname="postgres", connect_timeout=3, autocommit=True, **PG)
    except Exception as exc:  # noqa: BLE001
        message = f"PostgreSQL on 127.0.0.1:5432 does not answer: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message + " (required in CI)")
        pytest.skip(message)


def kartoteka(database_url: str, data_dir: Path, *args: str) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "KARTOTEKA_DATA_DIR": str(data_dir),
        "KARTOTEKA_TESTING": "1",
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "kartoteka.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def manifest_at(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        data = json.loads(zf.read("manifest.json"))
    return {
        "tables": {t["label"]: (t["rows"], t["checksum"]) for t in data["tables"]},
        "files": sorted((f["path"], f["sha256"]) for f in data["files"]),
        "database": data["database"],
    }


def test_sqlite_to_postgresql_and_back_keeps_every_count_and_checksum(instance, tmp_path):
    admin = postgres_or_skip()
    name = f"kartoteka_backup_{uuid.uuid4().hex[:12]}"
    first = tmp_path / "first.zip"
    with first.open("wb") as out:
        write_backup(out)
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        pg_url = f"postgres://postgres@127.0.0.1:5432/{name}"
        kartoteka(pg_url, tmp_path / "pg", "migrate", "--noinput", "-v0")
        output = kartoteka(pg_url, tmp_path / "pg", "restore", str(first))
        assert "checksums match" in output
        assert "timeline.activity: " in output
        kartoteka(pg_url, tmp_path / "pg", "backup", "--output", str(tmp_path / "second.zip"))
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    sqlite_url = f"sqlite:///{tmp_path / 'back' / 'db.sqlite3'}"
    kartoteka(sqlite_url, tmp_path / "back", "migrate", "--noinput", "-v0")
    assert "checksums match" in kartoteka(
        sqlite_url, tmp_path / "back", "restore", str(tmp_path / "second.zip")
    )
    kartoteka(sqlite_url, tmp_path / "back", "backup", "--output", str(tmp_path / "third.zip"))

    manifests = [manifest_at(tmp_path / n) for n in ("first.zip", "second.zip", "third.zip")]
    assert manifests[1]["database"] == "postgresql"
    assert manifests[2]["database"] == "sqlite"
    assert manifests[0]["tables"]["timeline.activity"][0] > 0
    assert manifests[0]["tables"] == manifests[1]["tables"] == manifests[2]["tables"]
    assert manifests[0]["files"] == manifests[1]["files"] == manifests[2]["files"] != []
    restored_file = tmp_path / "back" / "media" / manifests[0]["files"][0][0]
    assert restored_file.read_bytes() == ATTACHMENT
