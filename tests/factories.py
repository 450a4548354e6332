"""A few small factories and a named cast of users for the tests."""

import csv
import datetime
import io
import itertools

import openpyxl
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from disclosure import services
from disclosure.models import Agency, Case, Category, Disclosure, DisclosureRequest
from disclosure.roles import CLERK, MANAGER

_seq = itertools.count(1)


def make_agency(code=None, name=None, **kwargs) -> Agency:
    n = next(_seq)
    return Agency.objects.create(code=code or f"agency{n}", name=name or f"测试机关{n}", **kwargs)


def make_user(username, *, role=None, agencies=(), superuser=False, password="pw-for-tests-1"):
    user = get_user_model().objects.create_user(
        username=username, password=password, is_staff=True, is_superuser=superuser
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    for agency in agencies:
        agency.members.add(user)
    return user


def make_clerk(username, agency):
    return make_user(username, role=CLERK, agencies=[agency])


def make_manager(username, agency):
    return make_user(username, role=MANAGER, agencies=[agency])


def make_request(agency, *, received_on=datetime.date(2020, 3, 2), **kwargs) -> DisclosureRequest:
    kwargs.setdefault("applicant_type", "natural_person")
    request = DisclosureRequest(agency=agency, received_on=received_on, **kwargs)
    return services.request_save(request=request)


def make_case(agency, *, filed_on=datetime.date(2020, 5, 6), kind="review", **kwargs) -> Case:
    return services.case_save(case=Case(agency=agency, filed_on=filed_on, kind=kind, **kwargs))


def make_disclosure(agency, *, category="notice", status="published", **kwargs) -> Disclosure:
    kwargs.setdefault("title", f"测试信息{next(_seq)}")
    if status == "published":
        kwargs.setdefault("published_on", datetime.date(2020, 4, 1))
    return Disclosure.objects.create(
        agency=agency, category=Category.objects.get(slug=category), status=status, **kwargs
    )


def ledger_csv(rows, *, bom=True) -> bytes:
    """A ledger file as Excel writes "CSV UTF-8" (with a BOM unless told otherwise)."""
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


def ledger_xlsx(rows, *, extra_sheets=0) -> bytes:
    """A ledger file as .xlsx: ``rows`` on the first sheet, then ``extra_sheets`` more sheets
    (the last one active, as a workbook saved while looking at another sheet)."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    for n in range(extra_sheets):
        book.create_sheet(f"说明{n}")
        book.active = len(book.worksheets) - 1
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def make_event(request, kind, on, **details):
    """Record an event on a request through the service (validated, due date recomputed)."""
    return services.request_add_event(request=request, kind=kind, on=on, **details)
