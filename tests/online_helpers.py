"""Shared bits of the tests/test_online_*.py files: a valid application as the form posts it,
and solving the captcha the way a person reading the image would."""

from django.urls import reverse

from disclosure.online.captcha import SESSION_KEY

VALID_ID_CARD = "11010519491231002X"  # GB 11643's own example
VALID_USCC = "91350100M000100Y43"
APPLICANT_NAME = "申请人张三"
APPLICANT_PHONE = "13912345678"
APPLICANT_EMAIL = "zhangsan-applicant@example.cn"
APPLICANT_ADDRESS = "浙江省温州市鹿城区某某路18号"


def application_data(**overrides) -> dict:
    data = {
        "applicant_kind": "citizen",
        "org_type": "",
        "name": APPLICANT_NAME,
        "contact_person": "",
        "id_type": "id_card",
        "id_number": VALID_ID_CARD,
        "phone": APPLICANT_PHONE,
        "email": APPLICANT_EMAIL,
        "address": APPLICANT_ADDRESS,
        "info_title": "2023年城市道路维修计划",
        "info_document_number": "",
        "description": "请提供2023年度本区城市道路维修计划及预算安排。",
        "form_wanted": "electronic",
        "delivery": "email",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def solve_captcha(client, code: str) -> str:
    """Open the form (which draws a new sum for the session) and read its answer."""
    client.get(reverse("disclosure:online_apply", args=[code]))
    return client.session[SESSION_KEY]["answer"]


def submit(client, code: str, **overrides):
    answer = solve_captcha(client, code)
    return client.post(
        reverse("disclosure:online_apply", args=[code]),
        application_data(captcha_answer=answer, **overrides),
    )
