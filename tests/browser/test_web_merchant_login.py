"""Signing in to the merchant pages in a real browser: a page without a session sends the visitor to
sign in and back, a wrong password is refused, five wrong passwords lock the name (a sixth, right
one is still refused), a forged CSRF token is refused and signs nobody in, signing out ends it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from tests.support.networks import SellersNetwork
from tests.support.processes import duijie
from tests.support.web import admin_password, login_as_merchant

pytestmark = pytest.mark.timeout(600)  # the first test of a run waits for the five nodes to start


def test_merchant_page_without_session_goes_to_sign_in_and_back(web_net: SellersNetwork, page: Page) -> None:
    shop = web_net.sellers["chuanshan"]
    page.goto(f"{shop.base}/merchant")
    assert "/merchant/login?next=%2Fmerchant" in page.url
    expect(page.locator("h1")).to_have_text("商家登录")
    expect(page).to_have_title("商家登录 · 对接")
    expect(page.locator("label[for=f-name]")).to_have_text("用户名")
    page.fill("#f-name", "admin")
    page.fill("#f-password", admin_password(shop))
    page.keyboard.press("Enter")  # the keyboard is enough
    page.wait_for_url(f"{shop.base}/merchant")
    expect(page.locator("h1")).to_have_text("商家订单箱")
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/merchant/login")
    page.goto(f"{shop.base}/merchant")
    assert "/merchant/login" in page.url  # signed out: the session is gone


def test_wrong_password_is_refused_beside_the_form(web_net: SellersNetwork, page: Page) -> None:
    shop = web_net.sellers["farm"]
    page.goto(f"{shop.base}/merchant/login")
    page.fill("#f-name", "admin")
    page.fill("#f-password", "not the admin token")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_have_text("用户名或密码错误。")
    expect(page.locator("#f-password")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-name")).to_have_value("admin")
    login_as_merchant(page, shop)  # one failure locks nothing
    expect(page.locator("h1")).to_have_text("商家订单箱")


def test_five_wrong_passwords_lock_the_name_and_a_sixth_right_one_is_refused(
        web_net: SellersNetwork, page: Page) -> None:
    shop = web_net.sellers["factory"]
    duijie("users", "add", "locktest", "--password-stdin", "--data-dir", str(shop.data_dir),
           input="the right password\n", check=True)
    page.goto(f"{shop.base}/merchant/login")
    for attempt in range(5):
        page.fill("#f-name", "locktest")
        page.fill("#f-password", f"wrong password {attempt}")
        page.click("button[type=submit]")
        expect(page.locator("#login-error")).to_be_visible()
    expect(page.locator("#login-error")).to_contain_text("锁定 15 分钟")
    page.fill("#f-password", "the right password")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_contain_text("锁定 15 分钟")
    page.goto(f"{shop.base}/merchant")
    assert "/merchant/login" in page.url
    listed = duijie("users", "list", "--data-dir", str(shop.data_dir), check=True).stdout
    assert "locktest  staff  locked until" in listed


def test_forged_csrf_token_is_refused_and_signs_nobody_in(web_net: SellersNetwork, page: Page) -> None:
    shop = web_net.sellers["chuanshan"]
    page.goto(f"{shop.base}/merchant/login")
    page.fill("#f-name", "admin")
    page.fill("#f-password", admin_password(shop))
    page.locator("input[name=csrf_token]").evaluate("el => el.value = 'forged-' + 'x'.repeat(36)")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("表单已失效")
    page.goto(f"{shop.base}/merchant")
    assert "/merchant/login" in page.url
