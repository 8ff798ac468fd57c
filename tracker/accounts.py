"""Organizations and users: creation and password hashing (argon2id)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.errors import InvalidInput, NotFound
from tracker.ids import slug as make_slug
from tracker.models import Organization, User

ROLES = ("viewer", "advocate", "admin")  # increasing rights
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    if len(password) < 10:
        raise InvalidInput("password must be at least 10 characters")
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when the password matches the stored hash."""
    if not stored_hash:
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)


def create_org(session: Session, name: str, timezone: str = "America/New_York") -> Organization:
    """Create an organization (a team or coalition); names are unique."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("organization name must be 1-200 characters")
    if session.scalars(select(Organization).where(Organization.name == name)).first():
        raise InvalidInput(f"an organization named {name!r} already exists")
    org = Organization(name=name, slug=make_slug(name) or "org", timezone=timezone)
    session.add(org)
    session.commit()
    return org


def get_org(session: Session, name_or_slug: str) -> Organization:
    """Find an organization by name or slug."""
    org = session.scalars(
        select(Organization).where(
            (Organization.name == name_or_slug) | (Organization.slug == name_or_slug)
        )
    ).first()
    if org is None:
        raise NotFound(f"no organization named {name_or_slug!r}")
    return org


def create_user(
    session: Session, email: str, org: Organization, role: str, password: str, name: str = ""
) -> User:
    """Create a user in `org` with `role`."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise InvalidInput(f"not an email address: {email!r}")
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
    if session.scalars(select(User).where(func.lower(User.email) == email)).first():
        raise InvalidInput(f"a user with email {email} already exists")
    user = User(
        email=email,
        name=name,
        organization_id=org.id,
        role=role,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.commit()
    return user
