"""Private notes on a state's parity profile: saved, escaped, size-limited, per-org only."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from tests.conftest import sign_in
from tests.web.conftest import PASSWORD
from tracker.models import Bill, BillVersion
from tracker.textextract import store_version_text
from web.models import ParityNote

TEXTS = Path(__file__).resolve().parents[1] / "fixtures" / "texts" / "wa"
HOSTILE = '<script>alert("x")</script> call the OIC & ask'


def _client(app: Flask, world: dict, org: str, role: str = "advocate"):  # noqa: ANN202
    c = app.test_client()
    sign_in(c, world["users"][(org, role)].email, PASSWORD)
    return c


def _token(client, url: str = "/parity/wa") -> str:  # noqa: ANN001
    html = client.get(url).get_data(as_text=True)
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert m, html[:2000]
    return m.group(1)


def _texted(db, identifier: str, name: str) -> None:  # noqa: ANN001
    bill = db.scalar(
        select(Bill).where(Bill.jurisdiction_id == "wa", Bill.identifier == identifier)
    )
    v = BillVersion(bill_id=bill.id, url=f"https://example.invalid/{name}", note=name)
    db.add(v)
    db.flush()
    store_version_text(db, v, (TEXTS / name).read_bytes(), "text/plain")
    db.commit()


def test_notes_are_saved_escaped_and_private_to_the_organization(app: Flask, db, world) -> None:  # noqa: ANN001
    _texted(db, "SB 6228", "SB6228-S2.SL.md")
    alpha = _client(app, world, "alpha")
    token = _token(alpha)
    res = alpha.post("/parity/wa/notes", data={"csrf_token": token, "element": "", "body": HOSTILE})
    assert res.status_code == 302 and res.headers["Location"].endswith("/parity/wa#notes")
    res = alpha.post(
        "/parity/wa/notes",
        data={"csrf_token": token, "element": "prior_auth_limits", "body": "Ask OIC for data."},
    )
    assert res.status_code == 302
    html = alpha.get("/parity/wa").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in html and '<script>alert("x")' not in html
    assert 'id="note-prior_auth_limits">Ask OIC for data.<' in html
    by_element = html[html.index('id="by-element"') :]
    assert "Our note: Ask OIC for data." in by_element  # beside its element too
    csv = alpha.get("/parity/wa.csv").get_data(as_text=True)
    assert "our_note" in csv.splitlines()[0] and "Ask OIC for data." in csv
    assert HOSTILE.replace('"', '""') in csv

    # The API answers each token with its own organization's notes only.
    api = app.test_client()
    auth = {"Authorization": f"Bearer {world['alpha']['token']}"}
    body = api.get("/api/v1/parity/wa/notes", headers=auth).get_json()
    assert {(n["element"], n["body"]) for n in body["data"]} == {
        (None, HOSTILE),
        ("prior_auth_limits", "Ask OIC for data."),
    }
    auth = {"Authorization": f"Bearer {world['beta']['token']}"}
    assert api.get("/api/v1/parity/wa/notes", headers=auth).get_json()["data"] == []
    assert api.get("/api/v1/parity/wa/notes").status_code == 401

    # Alpha's viewer reads the notes but cannot write them.
    viewer = _client(app, world, "alpha", "viewer")
    assert "Ask OIC for data." in viewer.get("/parity/wa").get_data(as_text=True)
    vt = _token(viewer)
    assert viewer.post("/parity/wa/notes", data={"csrf_token": vt, "body": "x"}).status_code == 403

    # Beta sees none of it (page, export), and its own note does not touch Alpha's.
    beta = _client(app, world, "beta")
    html = beta.get("/parity/wa").get_data(as_text=True)
    assert "Ask OIC" not in html and "alert(" not in html and "No notes yet." in html
    assert "Ask OIC" not in beta.get("/parity/wa.csv").get_data(as_text=True)
    bt = _token(beta)
    beta.post(
        "/parity/wa/notes",
        data={"csrf_token": bt, "element": "prior_auth_limits", "body": "Beta's own."},
    )
    rows = {(n.organization_id, n.element): n.body for n in db.scalars(select(ParityNote))}
    assert rows[(world["alpha"]["org_id"], "prior_auth_limits")] == "Ask OIC for data."
    assert rows[(world["beta"]["org_id"], "prior_auth_limits")] == "Beta's own."
    # Beta emptying "its" note deletes only Beta's row.
    beta.post("/parity/wa/notes", data={"csrf_token": bt, "element": "prior_auth_limits"})
    db.expire_all()
    left = {(n.organization_id, n.element) for n in db.scalars(select(ParityNote))}
    assert left == {(world["alpha"]["org_id"], ""), (world["alpha"]["org_id"], "prior_auth_limits")}

    # Signed out: the public profile, no notes, no form, no note column in the export.
    anon = app.test_client()
    html = anon.get("/parity/wa").get_data(as_text=True)
    assert "Ask OIC" not in html and 'id="notes"' not in html
    assert "our_note" not in anon.get("/parity/wa.csv").get_data(as_text=True)
    assert anon.post("/parity/wa/notes", data={"body": "x"}).status_code in (302, 400)
    assert db.scalar(select(ParityNote).where(ParityNote.body == "x")) is None


def test_a_note_too_long_or_on_an_unknown_element_is_refused_next_to_the_field(
    app: Flask,
    db,
    world,  # noqa: ANN001
) -> None:
    alpha = _client(app, world, "alpha")
    token = _token(alpha)
    res = alpha.post(
        "/parity/wa/notes", data={"csrf_token": token, "element": "", "body": "x" * 5001}
    )
    html = res.get_data(as_text=True)
    assert res.status_code == 400
    assert re.search(r'id="body-error">[^<]*5000', html), html[html.find("notes-h") :][:3000]
    assert 'aria-describedby="body-error"' in html
    res = alpha.post(
        "/parity/wa/notes", data={"csrf_token": token, "element": "nope", "body": "hi"}
    )
    assert res.status_code == 400 and 'id="element-error"' in res.get_data(as_text=True)
    assert db.scalar(select(ParityNote)) is None


def test_the_profile_lists_every_bill_stating_an_element(app: Flask, db, world) -> None:  # noqa: ANN001
    _texted(db, "SB 6228", "SB6228-S2.SL.md")
    _texted(db, "HB 1477", "HB1477-S2.SL.md")
    _texted(db, "HB 1865", "HB1865-1.md")
    _texted(db, "SB 5555", "SB5555-1.md")
    html = app.test_client().get("/parity/wa").get_data(as_text=True)
    table = html[
        html.index('id="by-element"') : html.index("</table>", html.index('id="by-element"'))
    ]
    row = table[table.index("Network adequacy") :]
    row = row[: row.index("Prior-authorization")]
    # Both bills whose texts set a timely-access / network-adequacy standard, each with its
    # words: HB 1477's next-day appointments, SB 5555's rule-making on peer specialists'
    # network adequacy. HB 1865 only asks for recommendations on it, so it is not listed.
    assert "WA HB 1477" in row and "WA SB 5555" in row and "WA HB 1865" not in row
    assert row.count("<q>") == 2
    assert "<mark>office of the insurance commissioner shall jointly determine</mark>" in table
    assert "shall convene" not in table  # SB 6228 Section 9 only consults the commissioner
    csv = app.test_client().get("/parity/wa.csv").get_data(as_text=True)
    assert sum("Network adequacy" in line for line in csv.splitlines()) == 2
