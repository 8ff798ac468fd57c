"""The brief page in headless Chromium: the preview frame renders with its inline styles
and pictures under the preview's own CSP, and a download starts."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tracker.accounts import create_user

pytestmark = pytest.mark.browser


def test_brief_preview_renders_styled_with_pictures(db: Session, org, live_server, browser_page):
    password = "correct horse battery staple"
    create_user(db, "viewer@example.org", org, "viewer", password)
    page = browser_page
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "viewer@example.org")
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/briefs/?from=2024-03-18&to=2024-03-24")
    assert "Policy brief: Mar 18-24, 2024" in page.inner_text("h1")
    frame = page.frame_locator("iframe[title='Brief preview']")
    heading = frame.locator("h1")
    assert heading.inner_text() == "Demo Coalition"
    # Inline styles apply (the preview's CSP allows them; the app's own CSP does not).
    assert heading.evaluate("el => getComputedStyle(el).color") == "rgb(8, 48, 107)"
    images = frame.locator("img")
    assert images.count() == 2
    widths = [images.nth(i).evaluate("el => el.naturalWidth") for i in range(2)]
    assert all(w > 300 for w in widths)
    assert "SOCIAL WORK LICENSURE COMPACT" in frame.locator("body").inner_text()
    with page.expect_download() as info:
        page.click("#downloads a:text('PDF')")
    assert info.value.suggested_filename.endswith("2024-03-18-2024-03-24.pdf")
