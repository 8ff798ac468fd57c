"""The parity profile (private notes) and the testimony kit in headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import ARTIFACTS
from tests.web.conftest import PASSWORD, WATCHED
from tracker.models import Bill, BillVersion
from tracker.textextract import store_version_text

pytestmark = pytest.mark.browser
TEXTS = Path(__file__).resolve().parents[1] / "fixtures" / "texts" / "wa"


def _sign_in(page, base: str, email: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def test_parity_profile_notes_are_saved_shown_escaped_and_refused_when_too_long(
    browser_page,
    live_server: str,
    db,
    world: dict,  # noqa: ANN001
) -> None:
    for identifier, name in (("SB 6228", "SB6228-S2.SL.md"), ("HB 1477", "HB1477-S2.SL.md")):
        bill = db.scalar(
            select(Bill).where(Bill.jurisdiction_id == "wa", Bill.identifier == identifier)
        )
        v = BillVersion(bill_id=bill.id, url=f"https://example.invalid/{name}", note=name)
        db.add(v)
        db.flush()
        store_version_text(db, v, (TEXTS / name).read_bytes(), "text/plain")
    db.commit()
    page = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _sign_in(page, live_server, world["users"][("alpha", "advocate")].email)
    page.goto(f"{live_server}/parity/wa")
    assert "Parity enforcement in WA" in page.locator("h1").inner_text()
    notes = page.locator("#notes")
    notes.get_by_label("Note on").select_option(label="The whole state")
    notes.get_by_label("Note (private").fill("<img src=x onerror=alert(1)> Ask the OIC & AG")
    notes.get_by_role("button", name="Save note").click()
    assert "Note saved" in page.locator(".flash").inner_text()
    assert (
        page.locator("#note-state").inner_text() == "<img src=x onerror=alert(1)> Ask the OIC & AG"
    )
    assert page.locator("#notes img").count() == 0 and dialogs == []

    notes.get_by_label("Note on").select_option(label="Prior-authorization limits for MH/SUD")
    notes.get_by_label("Note (private").fill("Ask carriers for denial data.")
    notes.get_by_role("button", name="Save note").click()
    assert page.locator("#note-prior_auth_limits").inner_text() == "Ask carriers for denial data."

    # The browser stops typing at 5,000 characters; without that limit the server refuses.
    assert page.locator("#body").get_attribute("maxlength") == "5000"
    page.locator("#body").evaluate("el => el.removeAttribute('maxlength')")
    notes.get_by_label("Note (private").fill("x" * 5001)
    notes.get_by_role("button", name="Save note").click()
    error = page.locator("#body-error")
    assert "5000" in error.inner_text()
    assert page.locator("#body").get_attribute("aria-describedby") == "body-error"
    # The marked words of who enforces, and both bills under network adequacy.
    marked = page.locator("#by-element mark").all_inner_texts()
    assert "office of the insurance commissioner shall jointly determine" in marked
    page.goto(f"{live_server}/parity/wa")
    page.screenshot(path=str(ARTIFACTS / "parity-profile-notes.png"), full_page=True)

    # Beta's advocate sees the public profile and none of Alpha's notes.
    page.context.clear_cookies()
    _sign_in(page, live_server, world["users"][("beta", "advocate")].email)
    page.goto(f"{live_server}/parity/wa")
    assert "No notes yet." in page.locator("#notes").inner_text()
    assert "Ask the OIC" not in page.content() and "denial data" not in page.content()


def test_prepare_testimony_from_a_hearing_and_preview_the_bill_facts(
    browser_page,
    live_server: str,
    db,
    world: dict,  # noqa: ANN001
) -> None:
    bill = db.get(Bill, WATCHED)
    page = browser_page
    _sign_in(page, live_server, world["users"][("alpha", "advocate")].email)
    page.goto(f"{live_server}/bills/{WATCHED}")
    page.get_by_role("link", name="Prepare testimony").first.click()
    page.wait_for_url("**/testimony/**")
    assert "Prepare testimony on" in page.locator("h1").inner_text()
    assert "2123 Rayburn" in page.locator("section[aria-labelledby=hearing-h]").inner_text()
    form = page.locator("#testimony-form")
    form.get_by_label("Starter template").select_option(
        label="Organization position with a clear ask"
    )
    form.get_by_label("Who testifies").fill("Jordan Lee")
    form.get_by_label("Position").select_option("support")
    form.get_by_label("The ask").fill("Pass the bill out of committee.")
    form.get_by_label("One or two facts, with sources").fill(
        "988 took 5 million contacts in its first year (SAMHSA, 2023)."
    )
    form.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview").inner_text()
    assert bill.identifier in preview and bill.title in preview
    assert "Health Subcommittee hearing" in preview and "2123 Rayburn" in preview
    assert "asks you to support" in preview and "Pass the bill out of committee." in preview
    assert "call or text 988" in preview
    assert "What the bill does" not in preview  # no quote found in its text: no empty line
    page.screenshot(path=str(ARTIFACTS / "testimony-preview.png"), full_page=True)
