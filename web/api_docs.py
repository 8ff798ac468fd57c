"""`/api/docs`: the JSON API reference, rendered on the server from the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

bp = Blueprint("api_docs", __name__)


@bp.route("/api/docs")
def docs():  # noqa: ANN201
    """The OpenAPI document as a readable page (no script, no CDN, no token)."""
    from web.openapi import document

    base = url_for("api.index", _external=True).rstrip("/")
    return render_template(
        "api/docs.html", doc=document(base), base=base, title="JSON API reference"
    )
