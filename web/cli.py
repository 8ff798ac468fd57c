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


def make_server(settings, host: str, port: int, threads: int = 8):  # noqa: ANN001, ANN201
    """A waitress server for the app; links in mail point at the address it listens on
    (port 0 picks a free one) unless BASE_URL is set."""
    from waitress import create_server

    from web import create_app

    holder: dict = {}

    def app(environ, start_response):  # noqa: ANN001, ANN202
        return holder["app"](environ, start_response)

    server = create_server(app, host=host, port=port, threads=threads, ident="mh-policy-tracker")
    holder["app"] = create_app(settings.served_at(host, server.effective_port))
    return server


def serve_app(settings, host: str, port: int, threads: int) -> None:  # noqa: ANN001
    """Serve until interrupted; see `make_server`."""
    server = make_server(settings, host, port, threads)
    click.echo(f"Serving on http://{host}:{server.effective_port}  (Ctrl-C to stop)")
    server.run()
