"""/parity/<state>: a state's parity-enforcement profile (public), from bill texts.

`/parity` lists the states whose bills state any element, each with a state grade: the
rubric applied to every element any of its bills would add, counted once.

For each bill of the state with a texted version, the enforcement elements its latest
text states (tracker.parity_enforcement) with quote and section, and the strength grade
from the rubric (default tracker/taxonomy/parity_enforcement.yaml, or the deployment's
VAR_DIR/parity_rubric.yaml) with its reasons. "By element" lists, for every element,
every bill that states it (bill, section, quote).

Signed-in users also see their organization's private notes (`web.models.ParityNote`,
on the whole state or on one element); advocates and admins write them. Notes are read
and written only through the caller's organization id, so another organization's user
never sees or edits them, on the page or in `/parity/<state>.csv`.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from sqlalchemy import select

from tracker import parity_enforcement as pe
from tracker.cells import safe_csv_writer
from tracker.models import Bill, BillVersion, Jurisdiction, utcnow
from web.auth import current_user, has_role, login_required
from web.db import db, settings
from web.models import ParityNote
from web.text import version_texts
from web.views.common import org_id
from web.views.forms import ParityNoteForm, options

bp = Blueprint("parity", __name__)

STATE_NOTE = ""  # ParityNote.element of a note on the whole state


def _code(state: str) -> str:
    code = state.strip().lower()
    if not code.isalpha() or len(code) > 3:
        abort(404)
    return code


def _graded(code: str | None, rubric: pe.Rubric) -> dict[str, list[dict[str, Any]]]:
    """state -> its bills whose latest text states an element, with elements and grade.

    `code` None reads every state (the index); else one state's bills only.
    """
    query = (
        select(BillVersion, Bill)
        .join(Bill, Bill.id == BillVersion.bill_id)
        .where(BillVersion.text_sha256.is_not(None))
        # Oldest first in the order the bill page and alerts use (date, undated first,
        # position, id), so the profile grades the version the bill page shows.
        .order_by(
            Bill.identifier,
            Bill.id,
            BillVersion.date.asc().nulls_first(),
            BillVersion.position,
            BillVersion.id,
        )
    )
    if code is not None:
        query = query.where(Bill.jurisdiction_id == code)
    latest: dict[str, tuple[BillVersion, Bill]] = {}
    for v, b in db().execute(query).all():
        latest[b.id] = (v, b)  # oldest first: the newest is the one left
    texts = version_texts(settings(), db(), [v.text_sha256 for v, _ in latest.values()])
    by_state: dict[str, list[dict[str, Any]]] = {}
    for v, b in latest.values():
        found = pe.elements(texts.get(v.text_sha256 or "", ""))
        if found:
            by_state.setdefault(b.jurisdiction_id, []).append(
                {"bill": b, "version": v, "found": found, "grade": pe.grade(found, rubric)}
            )
    for bills in by_state.values():
        bills.sort(key=lambda r: (-r["grade"]["score"], r["bill"].identifier))
    return by_state


def _state_grade(bills: list[dict[str, Any]], rubric: pe.Rubric) -> dict[str, Any]:
    """The rubric on every element any of the state's bills would add, each counted once
    (from its strongest bill, whose identifier the reason names)."""
    found: dict[str, dict[str, Any]] = {}
    for r in bills:  # strongest first
        for key, e in r["found"].items():
            if key not in found:
                where = e.get("section") or "no section label"
                found[key] = {**e, "section": f"{r['bill'].identifier} {where}"}
    return pe.grade(found, rubric)


def _profile(code: str, rubric: pe.Rubric) -> tuple[list[dict[str, Any]], dict[str, list]]:
    """(bills, by_element): each bill's elements and grade, and element -> [(bill, found)]."""
    bills = _graded(code, rubric).get(code, [])
    by_element: dict[str, list] = {key: [] for key in rubric.elements}
    for r in bills:
        for key, e in r["found"].items():
            by_element.setdefault(key, []).append((r, e))
    return bills, by_element


def _notes(code: str) -> dict[str, ParityNote]:
    """The caller's organization's notes on this state, by element ("" = the state)."""
    if current_user() is None:
        return {}
    rows = db().scalars(
        select(ParityNote).where(
            ParityNote.organization_id == org_id(), ParityNote.jurisdiction_id == code
        )
    )
    return {n.element: n for n in rows}


def _note_form(rubric: pe.Rubric) -> ParityNoteForm:
    form = ParityNoteForm()
    form.element.choices = options(
        [(STATE_NOTE, "The whole state")]
        + [(key, spec["label"]) for key, spec in rubric.elements.items()]
    )
    return form


def _render(code: str, form: ParityNoteForm | None, status: int = 200) -> Any:
    rubric = pe.load_rubric(settings().var_dir)
    bills, by_element = _profile(code, rubric)
    notes = _notes(code)
    if form is None and current_user() is not None:
        form = _note_form(rubric)
    return (
        render_template(
            "parity/profile.html",
            state=code.upper(),
            code=code,
            bills=bills,
            state_grade=_state_grade(bills, rubric),
            by_element=by_element,
            rubric=rubric,
            notes=notes,
            form=form,
            can_write=has_role("advocate"),
        ),
        status,
    )


@bp.route("/parity")
def index():  # noqa: ANN201
    """Every state whose bill texts state a parity-enforcement element, with its grade."""
    rubric = pe.load_rubric(settings().var_dir)
    names = dict(db().execute(select(Jurisdiction.id, Jurisdiction.name)).all())
    states = [
        {
            "code": code,
            "name": names.get(code, code.upper()),
            "bills": bills,
            "grade": _state_grade(bills, rubric),
        }
        for code, bills in _graded(None, rubric).items()
    ]
    states.sort(key=lambda s: (-s["grade"]["score"], s["name"]))
    return render_template("parity/index.html", states=states, rubric=rubric)


@bp.route("/parity/<state>")
def profile(state: str):  # noqa: ANN201
    return _render(_code(state), None)


@bp.route("/parity/<state>/notes", methods=["POST"])
@login_required
def save_note(state: str):  # noqa: ANN201
    code = _code(state)
    if not has_role("advocate"):
        abort(403)
    rubric = pe.load_rubric(settings().var_dir)
    form = _note_form(rubric)
    if not form.validate():
        return _render(code, form, 400)
    element = form.element.data or STATE_NOTE
    body = (form.body.data or "").strip()
    note = db().scalar(
        select(ParityNote).where(
            ParityNote.organization_id == org_id(),
            ParityNote.jurisdiction_id == code,
            ParityNote.element == element,
        )
    )
    user = current_user()
    if not body:
        if note is not None:
            db().delete(note)
        flash("Note deleted.")
    else:
        if note is None:
            note = ParityNote(organization_id=org_id(), jurisdiction_id=code, element=element)
            db().add(note)
        note.body = body
        note.updated_by_id = user.id if user else None
        note.updated_at = utcnow()
        flash("Note saved (private to your organization).")
    db().commit()
    return redirect(url_for("parity.profile", state=code) + "#notes")


@bp.route("/parity/<state>.csv")
def export_csv(state: str) -> Response:
    """One row per bill and element found; signed-in users get their own notes too."""
    code = _code(state)
    rubric = pe.load_rubric(settings().var_dir)
    bills, by_element = _profile(code, rubric)
    notes = _notes(code)
    buffer = io.StringIO()
    writer = safe_csv_writer(buffer)
    header = ["state", "bill", "title", "version", "grade", "element", "section", "quote", "words"]
    if current_user() is not None:
        header.append("our_note")
    writer.writerow(header)
    if STATE_NOTE in notes:
        writer.writerow([code.upper(), "", "", "", "", "(state note)", "", "", "", notes[""].body])
    for key, rows in by_element.items():
        label = rubric.elements.get(key, {}).get("label", key)
        for r, e in rows:
            row = [
                code.upper(),
                r["bill"].identifier,
                r["bill"].title,
                r["version"].note or "",
                r["grade"]["grade"],
                label,
                e.get("section") or "",
                e.get("quote", ""),
                e.get("words", ""),
            ]
            if current_user() is not None:
                row.append(notes[key].body if key in notes else "")
            writer.writerow(row)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="parity-{code}.csv"'},
    )
