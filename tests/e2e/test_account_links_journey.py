"""In Chromium: a coordinator invites someone who already works with another partnership, who signs in from the
emailed link and accepts; an administrator then finds the change to an account in the whole tracker's log."""
import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in, sign_out

PASSWORD = "a passphrase for the browser"


def test_an_existing_account_joins_only_when_its_owner_accepts(make, mail_live_server, smtp_server, page,
                                                                screenshot, assert_accessible):
    mk = make.partnership(name="Milton Keynes")
    luton = make.partnership(name="Luton")
    make.member(mk, "coordinator", name="Priya Shah", email="priya@mk.example", password=PASSWORD)
    make.member(luton, "viewer", name="Kim Known", email="kim@example.org", password=PASSWORD)

    sign_in(page, mail_live_server, "priya@mk.example", PASSWORD)
    page.goto(f"{mail_live_server}/partnerships/{mk.id}/people/invite")
    page.get_by_label("Full name").fill("Kim Known")
    page.get_by_label("Email address").fill("kim@example.org")
    page.get_by_label("Strategic group member").check()
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_text("We have sent an invitation to kim@example.org.")).to_be_visible()
    sign_out(page)

    [message] = smtp_server.to("kim@example.org")
    link = re.search(r"https://tracker\.example\.gov\.uk(/account-links/\S+)",
                     message.get_body(("plain",)).get_content()).group(1)
    page.goto(mail_live_server + link)
    page.get_by_label("Email address").fill("kim@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Join Milton Keynes?")).to_be_visible()
    expect(page.get_by_text("Priya Shah of Milton Keynes asks to add you, Kim Known")).to_be_visible()
    screenshot("account-link-confirm")
    assert_accessible()
    page.get_by_role("button", name="Accept and join Milton Keynes").click()
    expect(page.get_by_text("You have joined Milton Keynes.")).to_be_visible()
    expect(page.get_by_text("Your roles here: Strategic group member.")).to_be_visible()
    page.goto(mail_live_server + link)
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    assert_accessible()


def test_an_administrator_reads_changes_that_belong_to_no_partnership(make, live_server, page, screenshot,
                                                                        assert_accessible, as_user):
    mk = make.partnership(name="Milton Keynes")
    coordinator = make.member(mk, "coordinator", name="Priya Shah")
    tom = make.member(mk, "viewer", name="Tom Reed", email="tom@example.org")
    as_user(coordinator).post(f"/partnerships/{mk.id}/people/{tom.id}", {"name": "Tom Reid",
                                                                          "email": "tom@example.org"})
    make.user(email="admin@example.org", name="Ada Admin", is_administrator=True, password=PASSWORD)

    sign_in(page, live_server, "admin@example.org", PASSWORD)
    page.get_by_role("link", name="Partnerships", exact=True).click()
    page.get_by_role("link", name="Audit log of the whole tracker").click()
    page.get_by_label("Partnership").select_option(label="No partnership (accounts)")
    page.get_by_role("button", name=re.compile("^Apply")).click()
    table = page.get_by_role("table", name="Audit log entries")
    expect(table).to_contain_text("Tom Reid")
    expect(table.get_by_role("cell", name="Milton Keynes")).to_have_count(0)
    screenshot("admin-audit")
    assert_accessible()
