"""The merchant's applications list names the applicant's languages in the visitor's language and
shows the phone in the place's national format with an E.164 ``tel:`` link."""

from __future__ import annotations

import pytest
from tests.integration.test_web_booking_pages import Pair, merchant, pair
from tests.support.mock_web import form_token

__all__ = ["pair"]  # the fixture, used by name

pytestmark = pytest.mark.anyio


async def test_languages_by_name_and_the_phone_formatted_in_chinese(pair: Pair) -> None:
    posting = await pair.page.get("/jobs/chuanshan/cashier")
    sent = await pair.page.post("/jobs/chuanshan/cashier", data={
        "csrf_token": form_token(posting.text), "name": "王芳", "phone": "301 875 5100", "languages": "zh, yue, en"})
    assert sent.status_code == 303, sent.text
    shop = await merchant(pair)
    shop.cookies.set("duijie_lang", "zh")
    listed = await shop.get("/merchant/applications")
    assert listed.status_code == 200
    assert "<dd>中文、粤语和英语</dd>" in listed.text
    assert '<a href="tel:+13018755100">(301) 875-5100</a>' in listed.text
    shop.cookies.set("duijie_lang", "en")
    assert "<dd>Chinese, Cantonese, and English</dd>" in (await shop.get("/merchant/applications/live")).text
    await shop.aclose()
