"""/988: 988 fees, trust funds, anti-diversion and appropriations by state (public).

Reads the stored version_provisions rows (tracker.provisions_store, run by the tagging
job): per bill its latest texted version's provisions, with the stage, a tile-grid map
of states with such bills, filters by provision and state, CSV/XLSX exports.
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request
from markupsafe import Markup
from sqlalchemy import select

from outreach.briefs.charts import STAGE_LABELS, state_tile_svg
from tracker import provisions
from tracker.cells import clean_text, safe_csv_writer
from tracker.models import Bill, BillVersion
from tracker.models.provisions import VersionProvisions
from web.db import db

bp = Blueprint("provisions", __name__)

FILTERS = {
    "fee": ("988 fee", lambda p: p.has_fee),
    "trust_fund": ("Trust fund / account", lambda p: p.trust_fund),
    "anti_diversion": ("Anti-diversion", lambda p: p.anti_diversion),
    "appropriations": ("988 appropriations", lambda p: p.appropriations_total > 0),
    "study_only": ("Study only", lambda p: p.study_only),
}
COLUMNS = [
    "state",
    "bill",
    "title",
    "stage",
    "version",
    "fee",
    "fee_unit",
    "payers",
    "trust_fund",
    "anti_diversion",
    "appropriations_usd",
    "study_only",
    "fee_section",
    "url",
]


def _state(bill: Bill) -> str:
    return bill.jurisdiction_id.upper()


def _order(v: BillVersion) -> tuple[int, date]:
    return (v.position or 0, v.date or date.min)  # the demo's original bill has no date


def rows(provision: str | None = None, state: str | None = None) -> list[dict[str, Any]]:
    """One row per bill with any 988 provision: its latest texted version's findings."""
    found = (
        db()
        .execute(
            select(VersionProvisions, BillVersion, Bill)
            .join(BillVersion, BillVersion.id == VersionProvisions.version_id)
            .join(Bill, Bill.id == VersionProvisions.bill_id)
            .order_by(Bill.jurisdiction_id, Bill.identifier, BillVersion.position)
        )
        .all()
    )
    latest: dict[str, tuple[VersionProvisions, BillVersion, Bill]] = {}
    for p, v, b in found:
        prev = latest.get(b.id)
        if prev is None or _order(v) >= _order(prev[1]):
            latest[b.id] = (p, v, b)
    out = []
    for p, v, b in latest.values():
        if not any(test(p) for _, test in FILTERS.values()):
            continue
        if provision in FILTERS and not FILTERS[provision][1](p):
            continue
        if state and _state(b) != state.upper():
            continue
        fee = p.data.get("fee") or {}
        out.append(
            {
                "state": _state(b),
                "bill": b.identifier,
                "bill_id": b.id,
                "title": b.title,
                "stage": STAGE_LABELS.get(b.status, b.status),
                "version": v.note or (v.date.isoformat() if v.date else ""),
                "fee": provisions.money(p.fee_cents) if p.has_fee else "",
                "fee_unit": fee.get("current_unit") or "",
                "payers": ", ".join(fee.get("payers") or []),
                "trust_fund": (p.data.get("trust_fund") or {}).get("name") or "",
                "anti_diversion": "yes" if p.anti_diversion else "",
                "appropriations_usd": p.appropriations_total or "",
                "study_only": "yes" if p.study_only else "",
                "fee_section": (fee.get("imposed") or {}).get("section") or "",
                "url": b.url or "",
                "data": p.data,
                "versions": sum(1 for q, _, bb in found if bb.id == b.id),
            }
        )
    return out


def _args() -> tuple[str | None, str | None]:
    provision = request.args.get("provision") or None
    state = (request.args.get("state") or "").strip()[:4] or None
    return (provision if provision in FILTERS else None), state


@bp.route("/988")
def index():  # noqa: ANN201
    provision, state = _args()
    shown = rows(provision, state)
    everything = rows()
    by_state = Counter(r["state"] for r in shown)
    return render_template(
        "provisions/index.html",
        rows=shown,
        states=sorted(Counter(r["state"] for r in everything)),
        by_state=sorted(by_state.items()),
        tile_map=Markup(
            state_tile_svg(
                dict(by_state),
                "Bills with 988 funding provisions",
                "Number = bills shown below; US = Congress.",
            )
        ),
        filters=FILTERS,
        provision=provision,
        state=state,
        money=provisions.money,
    )


@bp.route("/988.csv")
def export_csv():  # noqa: ANN201
    provision, state = _args()
    buffer = io.StringIO()
    writer = safe_csv_writer(buffer)
    writer.writerow(COLUMNS)
    for r in rows(provision, state):
        writer.writerow([r[c] for c in COLUMNS])
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=988-provisions.csv"},
    )


@bp.route("/988.xlsx")
def export_xlsx():  # noqa: ANN201
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    provision, state = _args()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("988 provisions")
    ws.append(COLUMNS)
    for r in rows(provision, state):
        cells = []
        for c in COLUMNS:
            value = r[c]
            if isinstance(value, str):
                cell = WriteOnlyCell(ws, value=clean_text(value))
                cell.data_type = "s"  # a string cell, never a formula
            else:
                cell = WriteOnlyCell(ws, value=value)
            cells.append(cell)
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return Response(
        out.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename=988-provisions.xlsx"},
    )
