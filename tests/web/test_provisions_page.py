"""/988 on the two real WA HB 1477 versions: stored provisions, table, map, exports."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from flask import Flask
from openpyxl import load_workbook

from tracker.models import Bill, BillVersion
from tracker.models.provisions import VersionProvisions
from tracker.provisions_store import store_provisions
from tracker.textextract import store_version_text

TEXTS = Path(__file__).resolve().parents[1] / "fixtures" / "texts" / "wa"
HB1477 = "wa-202122-hb1477"


def _versions(db):  # noqa: ANN001, ANN202
    out = []
    # As in the demo data: the original bill has no date, the versions have positions.
    for pos, (name, note, day) in enumerate(
        (
            ("HB1477-1.md", "Original bill", None),
            ("HB1477-S2.SL.md", "Session law", date(2021, 5, 13)),
        )
    ):
        v = BillVersion(
            bill_id=HB1477, url=f"https://app.leg.wa.gov/{name}", note=note, date=day, position=pos
        )
        db.add(v)
        db.flush()
        store_version_text(db, v, (TEXTS / name).read_bytes(), "text/plain")
        out.append(v)
    db.commit()
    return out


def test_stored_per_version_and_rerun_changes_nothing(db, world) -> None:  # noqa: ANN001
    original, enacted = _versions(db)
    assert store_provisions(db, [HB1477]) == {"computed": 2, "unchanged": 0}
    db.commit()
    rows = {p.version_id: p for p in db.query(VersionProvisions).filter_by(bill_id=HB1477)}
    assert rows[original.id].fee_cents == 75 and rows[enacted.id].fee_cents == 40
    assert rows[enacted.id].appropriations_total == 26_620_000
    assert rows[original.id].trust_fund and rows[enacted.id].anti_diversion
    assert store_provisions(db, [HB1477]) == {"computed": 0, "unchanged": 2}


def test_988_page_table_filters_and_exports(app: Flask, db, world) -> None:  # noqa: ANN001
    _versions(db)
    bill = db.get(Bill, HB1477)
    bill.title = '=HYPERLINK("http://x") 988 <b>system</b>'  # hostile scraped title
    store_provisions(db, [HB1477])
    db.commit()
    client = app.test_client()  # public page: no sign-in
    res = client.get("/988")
    html = res.get_data(as_text=True)
    assert res.status_code == 200
    assert 'id="provisions"' in html and "WA HB 1477" in html
    # The latest version (the session law) is shown: 40 cents, 24 -> 40 rates.
    assert "<strong>$0.40</strong> per radio access line per month" in html
    assert (
        "statewide 988 behavioral health crisis response and suicide prevention line account"
        in html
    )
    assert "$26,620,000" in html and "Section 205(3)" in html
    assert "&lt;b&gt;system&lt;/b&gt;" in html and "<b>system</b>" not in html
    assert "<title>WA: 1</title>" in html  # the tile-grid map counts the state
    assert "(2 texted versions)" in html
    assert client.get("/988?provision=study_only").get_data(as_text=True).count("WA HB 1477") == 0
    assert "WA HB 1477" in client.get("/988?provision=fee&state=wa").get_data(as_text=True)
    assert "WA HB 1477" not in client.get("/988?state=MO").get_data(as_text=True)

    rows = list(csv.DictReader(io.StringIO(client.get("/988.csv").get_data(as_text=True))))
    assert len(rows) == 1
    assert rows[0]["fee"] == "$0.40" and rows[0]["appropriations_usd"] == "26620000"
    assert rows[0]["payers"] == "prepaid, voip, wireless, wireline"
    assert rows[0]["title"].startswith("'=HYPERLINK")  # neutralized
    wb = load_workbook(io.BytesIO(client.get("/988.xlsx").data))
    sheet = wb["988 provisions"]
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0][0] == "state" and values[1][1] == "HB 1477"
    assert sheet.cell(row=2, column=3).data_type == "s"  # a string, never a formula
    assert values[1][10] == 26620000


def test_988_page_in_headless_chromium(app: Flask, db, world, live_server, browser_page):  # noqa: ANN001
    from tests.conftest import ARTIFACTS

    _versions(db)
    store_provisions(db, [HB1477])
    page = browser_page
    page.goto(f"{live_server}/988")
    assert page.locator("#provisions tbody tr").count() == 1
    assert page.locator("#provisions").inner_text().count("$0.40") >= 1
    page.select_option("select[name=provision]", "appropriations")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**/988?provision=appropriations*")
    page.locator("#provisions details").nth(1).evaluate("e => e.open = true")
    assert page.get_by_text("$23,016,000", exact=False).is_visible()
    with page.expect_download() as dl:
        page.click("text=CSV")
    assert dl.value.suggested_filename == "988-provisions.csv"
    page.screenshot(path=str(ARTIFACTS / "provisions988.png"), full_page=True)
