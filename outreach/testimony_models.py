"""Where each committee takes written testimony, as an organization records it
(created by migration 0191_testimony). Testimony itself is logged as a meeting
(kind "testimony") with the bill attached, so it shows in the meeting log and on the
bill page."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker.models import Base


class CommitteeTestimonyLink(Base):
    __tablename__ = "testimony_links"
    __table_args__ = (UniqueConstraint("organization_id", "jurisdiction_id", "committee"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    jurisdiction_id: Mapped[str] = mapped_column(String(8))
    committee: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(500))
