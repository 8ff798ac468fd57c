"""Watchlist feed keys: random capability keys for feed readers and calendar apps.

A key is 32 random bytes (never derived from the watchlist id); only its sha256 is stored,
so it is shown once, when made. Each member makes their own; making a new one rotates
(revokes) theirs. A key stops working when revoked, when its watchlist is deleted (the row
goes with it), and when its creator is deactivated or leaves the organization.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.models import User, Watchlist, utcnow
from web.models import WatchlistFeedKey

PREFIX = "wf_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create(session: Session, watchlist: Watchlist, user: User) -> str:
    """A fresh key for `user` on `watchlist`; the user's older keys for it are revoked."""
    revoke_all(session, watchlist, user)
    key = PREFIX + secrets.token_urlsafe(32)
    session.add(
        WatchlistFeedKey(watchlist_id=watchlist.id, created_by_id=user.id, token_hash=_hash(key))
    )
    session.commit()
    return key


def revoke_all(session: Session, watchlist: Watchlist, user: User) -> int:
    """Revoke `user`'s live keys on `watchlist`; returns how many."""
    now = utcnow()
    rows = session.scalars(
        select(WatchlistFeedKey).where(
            WatchlistFeedKey.watchlist_id == watchlist.id,
            WatchlistFeedKey.created_by_id == user.id,
            WatchlistFeedKey.revoked_at.is_(None),
        )
    ).all()
    for row in rows:
        row.revoked_at = now
    session.commit()
    return len(rows)


def live(session: Session, watchlist: Watchlist, user: User) -> WatchlistFeedKey | None:
    """`user`'s live key on `watchlist`, if any (to say one exists; the key is not kept)."""
    return session.scalars(
        select(WatchlistFeedKey).where(
            WatchlistFeedKey.watchlist_id == watchlist.id,
            WatchlistFeedKey.created_by_id == user.id,
            WatchlistFeedKey.revoked_at.is_(None),
        )
    ).first()


def opens(session: Session, watchlist: Watchlist, key: str) -> bool:
    """True when `key` is a live key of `watchlist` made by a current active member."""
    if not key.startswith(PREFIX) or len(key) > 100:
        return False
    row = session.scalars(
        select(WatchlistFeedKey).where(WatchlistFeedKey.token_hash == _hash(key))
    ).first()
    if row is None or row.revoked_at is not None or row.watchlist_id != watchlist.id:
        return False
    creator = row.created_by
    return creator.active and creator.organization_id == watchlist.organization_id
