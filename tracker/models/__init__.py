"""The domain core's tables, one module per area, each named like the migration that
creates its tables (`tests/foundation/test_migrations.py`
`test_each_table_lives_in_the_models_module_named_like_its_migration`):

    foundation   jurisdictions, sessions, bills and their actions, versions, sponsors,
                 legislators, committees, events, organizations, users, watchlists
                 (0001_foundation, 0130_foundation_event_status)
    collection   sync runs, cursors, the raw-response archive, quarantine, version
                 documents (0002_collection, 0110_collection_documents)
    tagging      topics, taggings, scores, similar bills, extracted texts, corrections
                 (0003_tagging, 0180_tagging_corrections)
    web          saved searches, alerts and the search text the worker also reads (0004_web)
    votes        roll-call votes (0131_votes)
    provisions   988 provisions per text version (0190_provisions_988)

The other areas keep theirs beside their code: `outreach/models.py` (0005_outreach,
0140-0143, 0191_outreach_testimony), `outreach/briefs/models.py` (0006_briefs) and
`web/models.py` (0004_web, 0150_web_sessions_feed_keys). `Base` and the foundation
tables are importable from `tracker.models` itself.
"""

from tracker.models.foundation import (
    NAMING,
    Base,
    Bill,
    BillAction,
    BillSubject,
    BillVersion,
    Committee,
    CommitteeMembership,
    Event,
    EventBill,
    JobRun,
    Jurisdiction,
    LegislativeSession,
    Legislator,
    LegislatorExternalId,
    Organization,
    SourceLink,
    Sponsorship,
    User,
    UTCDateTime,
    Watchlist,
    WatchlistEntry,
    utcnow,
)

__all__ = [
    "NAMING",
    "Base",
    "Bill",
    "BillAction",
    "BillSubject",
    "BillVersion",
    "Committee",
    "CommitteeMembership",
    "Event",
    "EventBill",
    "JobRun",
    "Jurisdiction",
    "LegislativeSession",
    "Legislator",
    "LegislatorExternalId",
    "Organization",
    "SourceLink",
    "Sponsorship",
    "User",
    "UTCDateTime",
    "Watchlist",
    "WatchlistEntry",
    "utcnow",
]
