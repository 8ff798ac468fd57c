"""`tracker serve`: the web app on waitress."""

from __future__ import annotations

import click

from tracker.cli import load_settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=int, help="Worker threads.")
def serve(host: str, port: int, threads: int) -> None:
    """Serve the web app (waitress; put a TLS proxy in front in production)."""
    serve_app(load_settings(), host, port, threads)


def serve_app(settings, host: str, port: int, threads: int) -> None:  # noqa: ANN001
    from waitress import serve as waitress_serve

    from web import create_app

    app = create_app(settings)
    click.echo(f"Serving on http://{host}:{port}  (Ctrl-C to stop)")
    waitress_serve(app, host=host, port=port, threads=threads, ident="mh-policy-tracker")
