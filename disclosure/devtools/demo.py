"""Demo data: the seed's agency (温州市机关事务管理局) in its 2020 state."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from disclosure.records import services
from disclosure.records.applications import DisclosureRequest
from disclosure.records.choices import Outcome
from disclosure.records.models import Agency, Category, Disclosure, YearlyFigures
from disclosure.roles import CLERK, MANAGER

from .demo_report import load_demo_report

AGENCY_CODE = "wzjgsw"
AGENCY_NAME = "温州市机关事务管理局"

# 2020年度共主动公开政府信息31条 (seed, section 一（五）).
ITEMS_2020 = {
    "organization": 6,
    "policy": 1,
    "interpretation": 1,
    "notice": 13,
    "personnel": 4,
    "plans": 2,
    "finance": 2,
    "guide": 1,
    "annual-report": 1,
}

TITLES = {
    "organization": [
        "局领导分工",
        "内设机构职责",
        "下属单位设置",
        "机构职能",
        "领导简历",
        "办公地址和联系方式",
    ],
    "policy": ["温州市市级机关办公用房管理办法"],
    "interpretation": ["《浙江省坚决制止餐饮浪费行为行动方案》解读"],
    "notice": [
        "关于市行政中心食堂外卖服务上线的通知",
        "关于市行政中心大院车辆通行办理线上化的通知",
        "关于开展节约型机关创建活动的通知",
        "关于做好市行政中心春节期间安全保卫工作的通知",
        "关于市行政中心疫情防控期间出入管理的通告",
        "关于“智慧大院”APP上线试运行的公告",
        "关于公务用车平台升级改造的通知",
        "关于市行政中心停车场改造期间车辆停放的通知",
        "关于开展垃圾分类工作的通知",
        "关于“一卡通”线上支付开通的通知",
        "关于市级机关节能宣传周活动的通知",
        "关于温州机关事务管理局网站改版上线的公告",
        "关于市行政中心国庆期间安全保卫工作的通知",
    ],
    "personnel": [
        "人事任免通知（一）",
        "人事任免通知（二）",
        "人事任免通知（三）",
        "人事任免通知（四）",
    ],
    "plans": ["温州市机关事务管理局2020年工作计划", "智慧机关事务2.0版“1268”行动方案"],
    "finance": ["温州市机关事务管理局2020年部门预算", "温州市机关事务管理局2019年部门决算"],
    "guide": ["温州市机关事务管理局政府信息公开指南"],
    "annual-report": ["温州市机关事务管理局2019年政府信息公开工作年度报告"],
}

# Requests still being handled today, so the clerks' dashboard has something to show: received
# this many calendar days ago. They fall outside 2020 and leave the seed's report untouched.
OPEN_REQUESTS = [
    (35, "commercial", "申请公开市行政中心物业服务项目的招标文件。"),
    (26, "natural_person", "申请公开市级机关公务用车平台的运行维护费用。"),
    (12, "legal_service", "申请公开市行政中心停车场改造工程的验收报告。"),
    (2, "natural_person", "申请公开本年度机关食堂食材采购的合同。"),
]

DEMO_USERS = [
    # username, password, role, superuser. The passwords pass the password rules
    # (AUTH_PASSWORD_VALIDATORS: checked when they are set). admin and manager set up an
    # authenticator app at their first login (docs/identity.md).
    ("admin", "Gk-Wenzhou-2020", None, True),
    ("manager", "Fuzeren-Wz2020", MANAGER, False),
    ("clerk", "Banliren-Wz2020", CLERK, False),
]
# The demo passwords before the password rules: a demo database made with them is still a demo
# database, and its logins get the passwords above.
PREVIOUS_DEMO_PASSWORDS = {
    "admin": "demo-admin-2020",
    "manager": "demo-manager-2020",
    "clerk": "demo-clerk-2020",
}


class NotADemoDatabase(Exception):
    """The database holds more than the demo: loading it there would give its superuser
    ``admin`` a published password and mix demo records into real ones."""

    def __init__(self, findings: list[str]):
        self.findings = findings
        super().__init__(
            f"拒绝载入演示数据：这个数据库既不是空的，也不是演示数据库（{'；'.join(findings)}）。"
            "载入会把 admin（超级管理员）、manager、clerk 的密码设为公开的演示密码，"
            "并把演示机关的记录混入现有数据。确需载入时加 --force。"
        )


def not_a_demo_database() -> list[str]:
    """What in this database is not the demo's; empty for an empty or a demo database. Counts
    only, no names: the answer is printed."""
    User = get_user_model()
    passwords = {username: password for username, password, _, _ in DEMO_USERS}
    findings = []
    if agencies := Agency.objects.exclude(code=AGENCY_CODE).count():
        findings.append(f"另有{agencies}个机关")
    if users := User.objects.exclude(username__in=passwords).count():
        findings.append(f"另有{users}个账号")
    for user in User.objects.filter(username__in=passwords).order_by("username"):
        if not _has_demo_password(user, passwords[user.username]):
            findings.append(f"账号 {user.username} 的密码不是演示密码")
    return findings


def _has_demo_password(user, password: str) -> bool:
    return user.check_password(password) or user.check_password(
        PREVIOUS_DEMO_PASSWORDS[user.username]
    )


@transaction.atomic
def load_demo(*, force: bool = False) -> list[tuple[str, str, str]]:
    """Create (or refresh) the demo agency, its 2020 records and demo logins. Idempotent.

    Refuses (``NotADemoDatabase``) a database that holds anything but the demo, unless
    ``force``; with ``force`` the demo logins get their demo passwords again."""
    findings = [] if force else not_a_demo_database()
    if findings:
        raise NotADemoDatabase(findings)
    agency = _load_agency()
    logins = _load_users(agency, reset_passwords=force)
    _load_items_2020(agency)
    # The 2020 request first: it is only added while the agency has no request at all.
    _load_request_2020(agency)
    _load_open_requests(agency)
    YearlyFigures.objects.update_or_create(
        agency=agency,
        year=2020,
        defaults={"procurement_projects": 3, "procurement_amount_wan_yuan": Decimal("3749.71")},
    )
    load_demo_report(agency)  # the seed's narrative for the 2020 report
    return logins


def _load_agency() -> Agency:
    agency, _ = services.agency_add(code=AGENCY_CODE, name=AGENCY_NAME)
    contact = {
        "contact_office": "温州市机关事务管理局办公室",
        "address": "市府路500号市行政中心1号楼二楼",
        "postcode": "325009",
        "phone": "0577-88966683",
    }
    for field, value in contact.items():
        setattr(agency, field, value)
    agency.save(update_fields=list(contact))  # a save, so the public pages are retired too
    return agency


def _load_users(agency: Agency, *, reset_passwords: bool) -> list[tuple[str, str, str]]:
    """The demo logins as (username, password, role shown), members of the agency. A login that
    exists keeps its password (``not_a_demo_database`` found it is the demo one) unless
    ``reset_passwords`` or it is a previous demo password. A password is set only if it passes
    the password rules."""
    logins = []
    User = get_user_model()
    for username, password, role, superuser in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": superuser}
        )
        previous = not created and user.check_password(PREVIOUS_DEMO_PASSWORDS[username])
        if created or reset_passwords or previous:
            validate_password(password, user)
            user.set_password(password)
            user.save()
        if role:
            user.groups.add(Group.objects.get(name=role))
            agency.members.add(user)
        logins.append((username, password, role or "超级管理员"))
    return logins


def _load_items_2020(agency: Agency) -> None:
    """The seed's 31 items published in 2020, unless the agency has items already."""
    if Disclosure.objects.filter(agency=agency).exists():
        return
    day = datetime.date(2020, 1, 6)
    sequence = 0
    for slug, count in ITEMS_2020.items():
        category = Category.objects.get(slug=slug)
        for i in range(count):
            sequence += 1
            Disclosure.objects.create(
                agency=agency,
                title=TITLES[slug][i],
                category=category,
                index_number=f"{AGENCY_CODE}/2020-{sequence:05d}",
                made_on=day,
                published_on=day + datetime.timedelta(days=1),
                body=f"{TITLES[slug][i]}。\n\n（演示数据）",
                status=Disclosure.Status.PUBLISHED,
            )
            day += datetime.timedelta(days=11)


def _load_request_2020(agency: Agency) -> None:
    """One request received and granted in 2020, unless the agency has requests already."""
    if DisclosureRequest.objects.filter(agency=agency).exists():
        return
    request = DisclosureRequest(
        agency=agency,
        received_on=datetime.date(2020, 6, 15),
        channel="online",
        applicant_type="natural_person",
        applicant_name="演示申请人",
        subject="申请公开市行政中心食堂外卖服务的收费标准。",
    )
    services.request_save(request=request)
    services.request_decide(
        request=request, outcome=Outcome.GRANTED, decided_on=datetime.date(2020, 7, 3)
    )


def _load_open_requests(agency: Agency) -> None:
    today = timezone.localdate()
    if DisclosureRequest.objects.filter(agency=agency, received_on__year__gt=2020).exists():
        return
    for days_ago, applicant_type, subject in OPEN_REQUESTS:
        services.request_save(
            request=DisclosureRequest(
                agency=agency,
                received_on=today - datetime.timedelta(days=days_ago),
                channel="online",
                applicant_type=applicant_type,
                applicant_name="演示申请人",
                subject=subject,
            )
        )
