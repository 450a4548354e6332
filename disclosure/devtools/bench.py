"""Shared parts of the benchmark commands (bench_requests, bench_deadlines, bench_import,
bench_report): synthetic requests, clearing them again, timing admin pages."""

import datetime
import random
import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from disclosure.clock.models import RequestEvent
from disclosure.records.applications import Case, DisclosureRequest
from disclosure.records.choices import ApplicantType, Outcome
from disclosure.roles import CLERK

# Rough shape of real ledgers: most applicants are natural persons, most requests are granted
# or the information is not held.
APPLICANT_WEIGHTS = {
    ApplicantType.NATURAL_PERSON: 85,
    ApplicantType.COMMERCIAL: 8,
    ApplicantType.RESEARCH: 1,
    ApplicantType.PUBLIC_INTEREST: 1,
    ApplicantType.LEGAL_SERVICE: 3,
    ApplicantType.OTHER_ORG: 2,
}
OUTCOME_WEIGHTS = {o: 1 for o in Outcome.values}
OUTCOME_WEIGHTS.update({"granted": 40, "partial": 10, "unavailable_not_held": 25, "other": 5})


def synthetic_requests(agency, n: int, *, seed: int = 1, start=datetime.date(2019, 1, 1)):
    """N requests received 2019–2025, 5 % still open."""
    rng = random.Random(seed)
    types, type_w = zip(*APPLICANT_WEIGHTS.items(), strict=True)
    outcomes, outcome_w = zip(*OUTCOME_WEIGHTS.items(), strict=True)
    span = (datetime.date(2025, 12, 31) - start).days
    for i in range(n):
        received = start + datetime.timedelta(days=rng.randrange(span))
        decided = received + datetime.timedelta(days=rng.randrange(1, 45))
        is_open = rng.random() < 0.05
        yield DisclosureRequest(
            agency=agency,
            number=f"B{i:08d}",
            received_on=received,
            channel=rng.choice(["online", "post", "in_person", "fax", "other"]),
            applicant_type=rng.choices(types, type_w)[0],
            applicant_name=f"申请人{i}",
            subject="申请公开相关政府信息",
            outcome="" if is_open else rng.choices(outcomes, outcome_w)[0],
            decided_on=None if is_open else decided,
        )


def load_requests(agency, n: int, *, batch_size: int = 10_000) -> float:
    """Bulk-insert N synthetic requests (no history rows); returns the seconds it took."""
    started = time.perf_counter()
    with transaction.atomic():
        batch = []
        for request in synthetic_requests(agency, n):
            batch.append(request)
            if len(batch) == batch_size:
                DisclosureRequest.objects.bulk_create(batch)
                batch = []
        DisclosureRequest.objects.bulk_create(batch)
    seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {DisclosureRequest._meta.db_table}")
    return seconds


def wipe_agency_records(agency) -> None:
    """Remove the agency's requests, their events and history, and its cases, with plain
    DELETEs: ``QuerySet.delete()`` would load every row and write a history row for each
    (django-simple-history's delete signal), hours at a million rows. On PostgreSQL the tables
    are then vacuumed: dead rows of an earlier run would slow the next one down."""
    quote = connection.ops.quote_name
    requests = f"SELECT id FROM {quote(DisclosureRequest._meta.db_table)} WHERE agency_id = %s"
    tables = [
        Case._meta.db_table,
        Case.history.model._meta.db_table,
        DisclosureRequest.history.model._meta.db_table,
        DisclosureRequest._meta.db_table,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(RequestEvent._meta.db_table)} WHERE request_id IN ({requests})",
            [agency.pk],
        )
        for table in tables:
            cursor.execute(f"DELETE FROM {quote(table)} WHERE agency_id = %s", [agency.pk])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in [RequestEvent._meta.db_table, *tables]:
                cursor.execute(f"VACUUM ANALYZE {quote(table)}")


def clerk_client(agency) -> Client:
    """A test client logged in as a clerk of the agency (not a superuser: scoping included),
    with both factors, as after the login and code pages: the measured pages cost what they
    cost a clerk with an authenticator (docs/identity.md)."""
    clerk, _ = get_user_model().objects.get_or_create(
        username="bench-clerk", defaults={"is_staff": True}
    )
    clerk.groups.add(*Group.objects.filter(name=CLERK))
    agency.members.add(clerk)
    device, _ = TOTPDevice.objects.get_or_create(
        user=clerk, confirmed=True, defaults={"name": "bench"}
    )
    client = Client()
    client.force_login(clerk)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def time_pages(stdout, client: Client, pages: dict, repeat: int) -> None:
    """Print median and slowest time and the query count of each (url, params) page."""
    static = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES={**settings.STORAGES, **static}):
        for name, (url, params) in pages.items():
            client.get(url, params)  # warm-up
            timings = []
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as queries:
                    t = time.perf_counter()
                    response = client.get(url, params)
                    timings.append(time.perf_counter() - t)
                assert response.status_code == 200, (name, response.status_code)
            stdout.write(
                f"  {name:<10} 中位数 {statistics.median(timings) * 1000:7.1f} ms"
                f"  最慢 {max(timings) * 1000:7.1f} ms  查询 {len(queries)} 次"
            )
