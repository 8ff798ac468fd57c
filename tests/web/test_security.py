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
