"""Account and session security: links from BASE_URL only, trusted Host headers, safe `next`
redirects, server-side sessions (logout, sign out everywhere, password reset), sign-in
timing and per-account backoff, ProxyFix, API-token failure limits, Redis outages,
Cache-Control on private pages.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import csrf_token, free_port, sign_in
from tests.web.conftest import PASSWORD
from web.security import safe_next


def _forgot(client, email: str, **kw):  # noqa: ANN001, ANN202
    return client.post(
        "/password/forgot",
        data={"email": email, "csrf_token": csrf_token(client, "/password/forgot")},
        **kw,
    )


def test_reset_and_invitation_links_use_base_url_never_the_host_header(
    app: Flask, world, smtp_server
) -> None:  # noqa: ANN001
    settings, inbox = smtp_server
    settings = settings.with_(base_url="https://tracker.example.org")
    app.extensions["tracker.settings"] = settings
    app.config["TRUSTED_HOSTS"] = ["tracker.example.org", "localhost", "proxy.internal"]
    client = app.test_client()
    email = world["users"][("beta", "viewer")].email
    # A Host header outside the trusted list is refused before any view runs: no mail.
    evil = client.post("/password/forgot", data={"email": email}, headers={"Host": "evil.example"})
    assert evil.status_code == 400 and inbox.messages == []
    # A trusted but different Host (an internal proxy name) still gets BASE_URL links.
    page = client.get("/password/forgot", headers={"Host": "proxy.internal"}).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/password/forgot",
        data={"email": email, "csrf_token": token},
        headers={"Host": "proxy.internal"},
    )
    assert response.status_code == 302
    (message,) = inbox.messages
    body = message.get_content()
    assert re.search(r"https://tracker\.example\.org/password/reset/\S+", body), body
    assert "proxy.internal" not in body and "localhost" not in body
    admin = app.test_client()
    sign_in(admin, world["users"][("alpha", "admin")].email, PASSWORD)
    sent = admin.post(
        "/admin/users",
        data={
            "email": "new2@example.org",
            "role": "viewer",
            "csrf_token": csrf_token(admin, "/admin/users"),
        },
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)[-1500:]
    invite = inbox.messages[-1].get_content()
    assert re.search(r"https://tracker\.example\.org/invite/\S+", invite), invite


def test_trusted_hosts_come_from_base_url_loopback_and_the_setting(settings) -> None:  # noqa: ANN001
    from web.security import trusted_hosts

    hosts = trusted_hosts(
        settings.with_(base_url="https://t.example.org/x", trusted_hosts=("alt.example.org",))
    )
    assert (
        hosts[0] == "t.example.org" and "alt.example.org" in hosts and "evil.example" not in hosts
    )


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",
        "/%09/evil.example".replace("%09", "\t"),
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/\r\nSet-Cookie: x=1",
        "/ok\n",
        "evil.example",
        "",
        None,
        "/" + "a" * 3000,
    ],
)
def test_safe_next_refuses_everything_but_same_origin_paths(target) -> None:  # noqa: ANN001
    assert safe_next(target, "/home") == "/home"


def test_safe_next_keeps_and_normalizes_plain_paths() -> None:
    assert safe_next("/bills?q=988&page=2", "/") == "/bills?q=988&page=2"
    assert safe_next("/watchlists/3/", "/") == "/watchlists/3/"
    assert safe_next("/a/../b", "/") == "/b"
    assert safe_next("/a/..//..//evil.example", "/") == "/evil.example"


@pytest.mark.parametrize(
    "query",
    ["/%09/evil.example", "//evil.example", "/%5Cevil.example", "/%0d%0aX:%20y", "https://e.x"],
)
def test_login_next_never_leaves_the_site_and_never_500s(app: Flask, world, query: str) -> None:  # noqa: ANN001
    client = app.test_client()
    response = client.post(
        f"/login?next={query}",
        data={
            "email": world["users"][("alpha", "viewer")].email,
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/login"),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_add_to_watchlist_next_is_same_origin_only(login, world) -> None:  # noqa: ANN001
    client = login(world["users"][("alpha", "advocate")].email)
    bill = world["bill"]
    for target, expected in (("/\t/evil.example", f"/bills/{bill}"), ("/alerts", "/alerts")):
        response = client.post(
            "/watchlists/entries",
            data={
                "watchlist_id": world["alpha"]["watchlist"],
                "bill_id": bill,
                "next": target,
                "csrf_token": csrf_token(client, f"/bills/{bill}"),
            },
        )
        assert response.status_code == 302
        assert response.headers["Location"] == expected


def _cookie(client) -> str:  # noqa: ANN001
    return client.get_cookie("session").value


def _with_cookie(app: Flask, value: str):  # noqa: ANN202
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def test_logout_kills_a_copied_cookie_server_side(app: Flask, login, world) -> None:  # noqa: ANN001
    client = login(world["users"][("alpha", "viewer")].email)
    captured = _cookie(client)
    assert _with_cookie(app, captured).get("/watchlists").status_code == 200
    token = csrf_token(client, "/watchlists")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert _with_cookie(app, captured).get("/watchlists").status_code == 302  # to sign-in


def test_sign_out_everywhere_ends_every_session_of_that_user_only(app: Flask, login, world) -> None:  # noqa: ANN001
    email = world["users"][("alpha", "viewer")].email
    laptop, phone = login(email), login(email)
    colleague = login(world["users"][("alpha", "admin")].email)
    response = laptop.post(
        "/logout/everywhere", data={"csrf_token": csrf_token(laptop, "/account/tokens")}
    )
    assert response.status_code == 302
    assert phone.get("/watchlists").status_code == 302
    assert laptop.get("/watchlists").status_code == 302
    assert colleague.get("/watchlists").status_code == 200


def test_password_reset_ends_sessions_and_revokes_api_tokens(app: Flask, db, world) -> None:  # noqa: ANN001
    from web.models import ApiToken

    admin = world["users"][("alpha", "viewer")]
    # The world's reset link belongs to alpha's viewer; give them a token and a session.
    client = app.test_client()
    sign_in(client, admin.email, PASSWORD)
    captured = _cookie(client)
    api_token = "mhpt_viewer-token-" + "q" * 20
    import hashlib

    db.add(
        ApiToken(
            user_id=admin.id,
            name="viewer token",
            token_hash=hashlib.sha256(api_token.encode()).hexdigest(),
            prefix=api_token[:9],
        )
    )
    db.commit()
    auth = {"Authorization": f"Bearer {api_token}"}
    assert app.test_client().get("/api/v1/bills", headers=auth).status_code == 200
    path = f"/password/reset/{world['alpha']['reset_token']}"
    guest = app.test_client()
    done = guest.post(
        path,
        data={
            "password": "a brand new password",
            "confirm": "a brand new password",
            "csrf_token": csrf_token(guest, path),
        },
    )
    assert done.status_code == 302
    assert _with_cookie(app, captured).get("/watchlists").status_code == 302
    assert app.test_client().get("/api/v1/bills", headers=auth).status_code == 401
    db.expire_all()
    tokens = db.scalars(select(ApiToken).where(ApiToken.user_id == admin.id)).all()
    assert tokens and all(t.revoked_at is not None for t in tokens)


def test_unknown_accounts_cost_one_argon2_verification_too(app: Flask, world, monkeypatch) -> None:  # noqa: ANN001
    import web.auth

    seen: list[str] = []
    real = web.auth.verify_password

    def spy(stored, password):  # noqa: ANN001, ANN202
        seen.append(stored)
        return real(stored, password)

    monkeypatch.setattr(web.auth, "verify_password", spy)
    client = app.test_client()
    for email in ("nobody@example.org", world["users"][("alpha", "viewer")].email):
        client.post(
            "/login",
            data={"email": email, "password": "wrong password!", "csrf_token": csrf_token(client)},
        )
    assert len(seen) == 2 and all(s.startswith("$argon2id$") for s in seen)


def _post_login(client, email: str, password: str, ip: str):  # noqa: ANN001, ANN202
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
        environ_base={"REMOTE_ADDR": ip},
    )


def _per_account_backoff(app: Flask, world) -> None:  # noqa: ANN001
    victim = world["users"][("alpha", "viewer")].email
    client = app.test_client()
    # Five wrong passwords from five addresses (per-IP limits never trigger) ...
    for i in range(5):
        assert _post_login(client, victim, "wrong password!", f"10.0.0.{i}").status_code == 400
    # ... and the account waits, even with the right password, from a fresh address.
    locked = _post_login(client, victim, PASSWORD, "10.0.1.1")
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1
    assert "Too many wrong passwords for this account" in locked.get_data(as_text=True)
    # Another account behind the same address is not affected.
    other = world["users"][("alpha", "admin")].email
    assert _post_login(client, other, PASSWORD, "10.0.0.1").status_code == 302


def test_sign_in_backs_off_per_account_in_memory(app: Flask, world) -> None:  # noqa: ANN001
    _per_account_backoff(app, world)


def test_sign_in_backs_off_per_account_in_redis(rq_settings, world) -> None:  # noqa: ANN001
    from web import create_app

    app = create_app(rq_settings)
    try:
        _per_account_backoff(app, world)
        from redis import Redis

        from tests.conftest import REDIS_URL

        assert Redis.from_url(REDIS_URL).keys("tracker:backoff:login:*")
    finally:
        app.extensions["tracker.engine"].dispose()


def test_backoff_doubles_after_the_free_failures(app: Flask) -> None:  # noqa: ANN001
    from web.limits import Backoff

    backoff = Backoff("t", free=2, base=1.0, cap=5.0, window=60)
    with app.app_context():
        backoff.failure("k")
        assert backoff.wait("k") == 0
        backoff.failure("k")
        assert backoff.wait("k") == 1
        backoff.failure("k")
        assert backoff.wait("k") == 2
        for _ in range(5):
            backoff.failure("k")
        assert backoff.wait("k") == 5  # capped
        backoff.reset("k")
        assert backoff.wait("k") == 0


def test_proxy_fix_is_off_by_default_and_configurable(settings, world) -> None:  # noqa: ANN001
    from tracker.config import Settings
    from web import create_app

    assert Settings.from_env({**_env(settings), "PROXY_FIX_HOPS": "1"}).proxy_fix_hops == 1
    for hops, expect_limited in ((0, True), (1, False)):
        app = create_app(settings.with_(proxy_fix_hops=hops))
        try:
            client = app.test_client()
            codes = [
                client.post(
                    "/login",
                    data={
                        "email": f"n{i}@example.org",
                        "password": "wrong password!",
                        "csrf_token": csrf_token(client),
                    },
                    headers={"X-Forwarded-For": f"192.0.2.{i}"},
                ).status_code
                for i in range(12)
            ]
            assert (429 in codes) is expect_limited, codes
        finally:
            app.extensions["tracker.engine"].dispose()


def _env(settings) -> dict[str, str]:  # noqa: ANN001
    return {"DATABASE_URL": settings.database_url, "SECRET_KEY": settings.secret_key}


def test_failed_api_token_checks_are_rate_limited_per_address(app: Flask, world) -> None:  # noqa: ANN001
    client = app.test_client()
    codes = [
        client.get("/api/v1/bills", headers={"Authorization": f"Bearer mhpt_guess{i}"}).status_code
        for i in range(21)
    ]
    assert codes[:20] == [401] * 20 and codes[20] == 429
    # Another address still gets in with a good token.
    good = {"Authorization": f"Bearer {world['alpha']['token']}"}
    ok = client.get("/api/v1/bills", headers=good, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert ok.status_code == 200


def test_redis_down_degrades_sign_in_and_forgot_password(settings, world) -> None:  # noqa: ANN001
    from web import create_app

    app = create_app(settings.with_(redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    try:
        client = app.test_client()
        assert (
            _post_login(client, "nobody@example.org", "wrong password!", "10.1.1.1").status_code
            == 400
        )
        ok = _post_login(client, world["users"][("alpha", "viewer")].email, PASSWORD, "10.1.1.1")
        assert ok.status_code == 302
        assert _forgot(app.test_client(), "nobody@example.org").status_code == 302
    finally:
        app.extensions["tracker.engine"].dispose()


def test_private_pages_are_not_stored_by_caches(app: Flask, login, world) -> None:  # noqa: ANN001
    anonymous = app.test_client()
    assert anonymous.get("/login").headers.get("Cache-Control") == "no-store"
    client = login(world["users"][("alpha", "viewer")].email)
    for path in (
        "/watchlists",
        f"/watchlists/{world['alpha']['watchlist']}",
        "/account/tokens",
        "/",
    ):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path
    token = {"Authorization": f"Bearer {world['alpha']['token']}"}
    assert anonymous.get("/api/v1/bills", headers=token).headers.get("Cache-Control") == "no-store"


def _make_feed_key(client, watchlist_id: int) -> str:  # noqa: ANN001
    path = f"/watchlists/{watchlist_id}"
    html = client.post(f"{path}/feed-key", data={"csrf_token": csrf_token(client, path)}).get_data(
        as_text=True
    )
    return re.search(r"feed\.atom\?key=([\w-]+)", html).group(1)


def test_feed_keys_are_random_and_die_with_their_list(app: Flask, db, login, world) -> None:  # noqa: ANN001
    """The probe: a deleted list's key opened another org's new list with the same id."""
    from tracker.models import Watchlist

    alpha = login(world["users"][("alpha", "advocate")].email)
    doomed = Watchlist(organization_id=world["alpha"]["org_id"], name="doomed")
    db.add(doomed)
    db.commit()
    doomed_id = doomed.id
    key = _make_feed_key(alpha, doomed_id)
    assert str(doomed_id) not in key.removeprefix("wf_")[:4] or len(key) > 40
    anonymous = app.test_client()
    assert anonymous.get(f"/watchlists/{doomed_id}/feed.atom?key={key}").status_code == 200
    alpha.post(
        f"/watchlists/{doomed_id}/delete",
        data={"csrf_token": csrf_token(alpha, f"/watchlists/{doomed_id}")},
    )
    # Beta makes a new list; force the same id SQLite would reuse.
    db.expire_all()
    db.add(Watchlist(id=doomed_id, organization_id=world["beta"]["org_id"], name="beta new"))
    db.commit()
    assert anonymous.get(f"/watchlists/{doomed_id}/feed.atom?key={key}").status_code == 404
    assert anonymous.get(f"/watchlists/{doomed_id}/hearings.ics?key={key}").status_code == 404


def test_feed_keys_rotate_revoke_and_expire_with_their_creator(
    app: Flask, db, login, world
) -> None:  # noqa: ANN001
    from tracker.models import User

    wl = world["alpha"]["watchlist"]
    viewer = world["users"][("alpha", "viewer")]
    client = login(viewer.email)
    first = _make_feed_key(client, wl)
    second = _make_feed_key(client, wl)
    anonymous = app.test_client()
    assert anonymous.get(f"/watchlists/{wl}/feed.rss?key={first}").status_code == 404  # rotated
    assert anonymous.get(f"/watchlists/{wl}/feed.rss?key={second}").status_code == 200
    # Another member's key is their own: revoking mine leaves theirs working.
    other = login(world["users"][("alpha", "admin")].email)
    theirs = _make_feed_key(other, wl)
    client.post(
        f"/watchlists/{wl}/feed-key/revoke",
        data={"csrf_token": csrf_token(client, f"/watchlists/{wl}")},
    )
    assert anonymous.get(f"/watchlists/{wl}/feed.rss?key={second}").status_code == 404
    assert anonymous.get(f"/watchlists/{wl}/feed.rss?key={theirs}").status_code == 200
    # A deactivated creator's keys stop working.
    again = _make_feed_key(client, wl)
    user = db.get(User, viewer.id)
    user.active = False
    db.commit()
    assert anonymous.get(f"/watchlists/{wl}/feed.rss?key={again}").status_code == 404


def test_jobs_page_is_for_site_admins_only(app: Flask, login, world) -> None:  # noqa: ANN001
    # Alpha is the first organization: its admins run the site; Beta's admin does not.
    assert login(world["users"][("alpha", "admin")].email).get("/jobs").status_code == 200
    beta = login(world["users"][("beta", "admin")].email)
    assert beta.get("/jobs").status_code == 403
    assert "/jobs" not in beta.get("/").get_data(as_text=True)
    app.extensions["tracker.settings"] = app.extensions["tracker.settings"].with_(
        site_admin_emails=(world["users"][("beta", "admin")].email,)
    )
    assert beta.get("/jobs").status_code == 200
    assert login(world["users"][("alpha", "admin")].email).get("/jobs").status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/watchlists/99999999999999999999",
        "/watchlists/99999999999999999999/feed.atom",
        "/watchlists/99999999999999999999/hearings.ics",
        "/watchlists/2147483648",
        "/legislators/99999999999999999999",
        "/campaigns/99999999999999999999",
        "/meetings/99999999999999999999",
        "/api/v1/legislators/99999999999999999999",
    ],
)
def test_huge_integer_ids_are_404_not_500(login, world, path: str) -> None:  # noqa: ANN001
    client = login(world["users"][("alpha", "admin")].email)
    headers = {"Authorization": f"Bearer {world['alpha']['token']}"}
    assert client.get(path, headers=headers).status_code == 404


def test_control_characters_are_stripped_at_ingest_and_feeds_stay_valid_xml(
    app: Flask, db, login, world
) -> None:  # noqa: ANN001
    from xml.etree import ElementTree

    from tests.conftest import demo_rows
    from tests.web.conftest import record_from_row
    from tracker.ingest import ingest
    from tracker.models import Bill

    row = next(r for r in demo_rows() if r.get("identifier", "").replace(" ", "") == "HR498")
    record = record_from_row(row)
    record.title = "Lifeline\x00 act\x0b with\x1b controls\x85 and \ud800 surrogate"
    ingest(db, [record])
    db.expire_all()
    bill = db.get(Bill, world["bill"])
    assert bill.title == "Lifeline act with controls and  surrogate"
    client = login(world["users"][("alpha", "viewer")].email)
    key = _make_feed_key(client, world["alpha"]["watchlist"])
    for fmt in ("atom", "rss"):
        feed = app.test_client().get(
            f"/watchlists/{world['alpha']['watchlist']}/feed.{fmt}?key={key}"
        )
        ElementTree.fromstring(feed.data)  # parses: valid XML


def test_every_export_cell_is_formula_safe_web_and_cli(app: Flask, db, login, world) -> None:  # noqa: ANN001
    import csv
    import io

    from tracker.cells import neutralize
    from tracker.models import Bill

    assert neutralize("=1+1") == "'=1+1" and neutralize("  @SUM(A1)") == "'  @SUM(A1)"
    assert neutralize("\uff1dcmd") == "'\uff1dcmd" and neutralize("HR 1") == "HR 1"
    assert neutralize(5) == 5
    bill = db.get(Bill, world["bill"])
    bill.identifier = "=1+1"
    bill.title = "+cmd|' /C calc'!A0"
    db.commit()
    client = login(world["users"][("alpha", "viewer")].email)
    rows = list(csv.reader(io.StringIO(client.get("/bills.csv").get_data(as_text=True))))
    cells = [c for r in rows[1:] for c in r]
    assert "'=1+1" in cells and "'+cmd|' /C calc'!A0" in cells
    assert not any(c[:1] in "=+-@" for c in cells if c)
    from click.testing import CliRunner

    from app.cli import cli

    out = CliRunner().invoke(cli, ["bills", "export", "--format", "csv"])
    assert out.exit_code == 0, out.output
    exported = [c for r in csv.reader(io.StringIO(out.output)) for c in r]
    assert "'=1+1" in exported and "=1+1" not in exported


def test_a_huge_watchlist_id_in_a_form_is_404(login, world) -> None:  # noqa: ANN001
    client = login(world["users"][("alpha", "advocate")].email)
    response = client.post(
        "/watchlists/entries",
        data={
            "watchlist_id": "9" * 30,
            "bill_id": world["bill"],
            "csrf_token": csrf_token(client, f"/bills/{world['bill']}"),
        },
    )
    assert response.status_code == 404
