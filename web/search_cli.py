"""`tracker search reindex`: rebuild the full-text index (and pull in extracted text)."""

from __future__ import annotations

import click


@click.group("search")
def search() -> None:
    """The bill full-text index."""


@search.command("reindex")
def reindex() -> None:
    """Copy the latest extracted text of every bill into the index and rebuild it."""
    from tracker import bill_query as search_mod
    from tracker.cli import load_settings
    from tracker.db import session_scope

    with session_scope(load_settings()) as session:
        texts = search_mod.refresh_texts(session)
        rows = search_mod.reindex(session)
    click.echo(f"Indexed {rows} bills ({texts} extracted texts updated).")
