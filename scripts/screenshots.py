"""Screenshots of the main screens at desktop and phone width, from the demo data.

Run after `make demo` (or `tracker demo --no-serve`):
    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]
Serves the app on a free loopback port, signs in as the demo admin and drives the Debian
headless Chromium (/usr/bin/chromium) with Playwright. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import socket
import threading
from pathlib import Path

from werkzeug.serving import make_server

from tracker.config import Settings
from web import create_app

PAGES = [
    ("dashboard", "/"),
    ("search", "/bills?q=crisis"),
    ("bill", "/bills/ca-20252026-ab308"),
    ("watchlists", "/watchlists"),
    ("brief", "/briefs/"),
    ("campaign", "/act/ca-mobile-crisis"),
    ("api-docs", "/api/docs"),
]
# Phone width: the screens a constituent or an advocate on the move opens.
PHONE = {"dashboard", "search", "bill", "campaign"}
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    """Take every screenshot into --out."""
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    settings = Settings.from_env(demo=True)
    password = (settings.var_dir / "demo_admin_password").read_text().strip()
    server = make_server("127.0.0.1", _free_port(), create_app(settings), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for width_name, (w, h) in WIDTHS.items():
                page = browser.new_page(viewport={"width": w, "height": h})
                page.goto(base + "/login")
                page.fill("input[name=email]", "admin@demo.example.org")
                page.fill("input[name=password]", password)
                page.click("button[type=submit]")
                for name, path in PAGES:
                    if width_name == "phone" and name not in PHONE:
                        continue
                    page.goto(base + path)
                    # JPEG at the viewport size keeps the folder small enough to commit.
                    target = args.out / f"{name}-{width_name}.jpg"
                    page.screenshot(path=str(target), type="jpeg", quality=70)
                    print(target)
                page.close()
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
