"""Roll-call votes: one row per vote (motion, chamber, date, tallies, result) and one per
legislator's vote in it. Written by `tracker.ingest.ingest_votes`."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, Select, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from tracker.models import Base, Bill, Legislator


class Vote(Base):
    """A roll call (or voice vote) on a bill or a motion about it."""

    __tablename__ = "votes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)  # "legiscan:154366"
    jurisdiction_id: Mapped[str] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    bill_id: Mapped[str | None] = mapped_column(
        ForeignKey("bills.id", ondelete="CASCADE"), index=True
    )
    bill_ref: Mapped[str | None] = mapped_column(String(120))  # the stable id even if unknown
    chamber: Mapped[str | None] = mapped_column(String(20))
    date: Mapped[date | None] = mapped_column(Date, index=True)
    motion: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str | None] = mapped_column(String(60))  # "pass" | "fail" | source wording
    yes: Mapped[int] = mapped_column(Integer, default=0)
    no: Mapped[int] = mapped_column(Integer, default=0)
    other: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(40))
    url: Mapped[str | None] = mapped_column(String(500))

    bill: Mapped[Bill | None] = relationship()
    records: Mapped[list[PersonVote]] = relationship(
        back_populates="vote", cascade="all, delete-orphan", order_by="PersonVote.position"
    )


class PersonVote(Base):
    """How one legislator voted in one roll call."""

    __tablename__ = "person_votes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    option: Mapped[str] = mapped_column(String(20))  # yes | no | not voting | absent | other
    external_id: Mapped[str | None] = mapped_column(String(120))  # "bioguide:B000490"
    legislator_id: Mapped[int | None] = mapped_column(
        ForeignKey("legislators.id", ondelete="SET NULL"), index=True
    )

    vote: Mapped[Vote] = relationship(back_populates="records")
    legislator: Mapped[Legislator | None] = relationship()


def votes_for_bill(session: Session, bill_id: str) -> list[Vote]:
    """A bill's roll calls, newest first, with each legislator's vote loaded."""
    return list(
        session.scalars(
            select(Vote)
            .where(Vote.bill_id == bill_id)
            .options(selectinload(Vote.records))
            .order_by(Vote.date.desc().nulls_last(), Vote.id.desc())
        )
    )


def member_votes(
    session: Session, legislator_id: int, bill_ids: Select | list[str]
) -> list[tuple[PersonVote, Vote]]:
    """How one legislator voted on the given bills (e.g. an organization's tracked ones)."""
    return list(
        session.execute(
            select(PersonVote, Vote)
            .join(Vote, Vote.id == PersonVote.vote_id)
            .where(PersonVote.legislator_id == legislator_id, Vote.bill_id.in_(bill_ids))
            .options(selectinload(Vote.bill))
            .order_by(Vote.date.desc().nulls_last(), Vote.id.desc())
        ).all()
    )
