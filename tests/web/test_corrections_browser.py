"""The corrections panel and the review queue in headless Chromium."""

from __future__ import annotations

import pytest

from tests.conftest import ARTIFACTS
from tests.web.conftest import PASSWORD, WATCHED

pytestmark = pytest.mark.browser


def test_a_member_adds_a_missing_topic_and_reviews_the_queue(
    browser_page,
    live_server: str,
    db,
    world: dict,
    demo_bills,  # noqa: ANN001
) -> None:
    from tracker.tagging_service import tag_bills

    tag_bills(db, list(demo_bills))
    page = browser_page
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(world["users"][("alpha", "advocate")].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/bills/{WATCHED}")
    panel = page.locator("#corrections")
    panel.get_by_label("Topic").select_option("workforce")
    panel.get_by_label("Note (optional)").fill("Funds 988 call-center staff")
    panel.get_by_role("button", name="Add missing topic").click()
    assert "Added Behavioral-health workforce" in page.locator(".flash").inner_text()
    log = page.locator("#correction-log").inner_text()
    assert "added by advocate@alpha.example.org" in log and "Funds 988 call-center staff" in log
    assert "(follows" not in log or "Behavioral-health workforce" in log
    page.screenshot(path=str(ARTIFACTS / "bill-corrections.png"), full_page=True)
    page.goto(f"{live_server}/review")
    assert "Review queue" in page.locator("h1").inner_text()
    page.screenshot(path=str(ARTIFACTS / "review-queue.png"), full_page=True)
