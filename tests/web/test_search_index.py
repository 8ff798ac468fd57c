"""The full-text index follows ingest (triggers), extracted text, deletes and reindex;
migration 0004 upgrades and downgrades."""

from __future__ import annotations

from sqlalchemy import delete, inspect, select

from tests.web.conftest import demo_rows, record_from_row
from tracker import bill_query as search
from tracker.ingest import ingest
from tracker.models import Bill
from web.models import BillText


def _ids(db, q: str) -> list[str]:  # noqa: ANN001
    return search.bare_search(db, q, limit=100)


def test_ingest_updates_keep_the_index_current(db, demo_bills) -> None:  # noqa: ANN001
    assert "wy-2023-hb65" in _ids(db, "988")
    rows = {(r["jurisdiction"], r["identifier"]): r for r in demo_rows()}
    record = record_from_row(rows[("wy", "HB 65")])
    record.title, record.abstract = "Renamed act about loons", "Nothing else."
    record.sources[0].source = "wy-legislature"  # a higher-precedence source wins the title
    ingest(db, [record])
    assert "wy-2023-hb65" not in _ids(db, "suicide prevention 988")
    assert _ids(db, "loons") == ["wy-2023-hb65"]


def test_extracted_text_is_searchable_and_removable(db, demo_bills) -> None:  # noqa: ANN001
    assert _ids(db, "telepsychiatry") == []
    db.add(BillText(bill_id="us-118-hr498", text="Grants for telepsychiatry consultation lines."))
    db.commit()
    assert _ids(db, "telepsychiatry") == ["us-118-hr498"]
    db.execute(delete(BillText))
    db.commit()
    assert _ids(db, "telepsychiatry") == []


def test_deleted_bills_leave_the_index_and_reindex_rebuilds_it(db, demo_bills) -> None:  # noqa: ANN001
    db.delete(db.get(Bill, "wy-2023-hb65"))
    db.commit()
    assert "wy-2023-hb65" not in _ids(db, "988")
    assert search.reindex(db) == 72
    assert len(_ids(db, "988")) == 5


def test_search_input_never_reaches_the_engine_as_syntax(db, demo_bills) -> None:  # noqa: ANN001
    for nasty in ['"unbalanced', "NEAR(a b)", "title:988", "a OR", "*", "988 -crisis", "'; DROP"]:
        search.bare_search(db, nasty)  # no syntax error from FTS5 / tsquery
    assert search.tokens("HB 1234, 988!") == ["hb", "1234", "988"]


def test_migration_0004_downgrades_and_upgrades_cleanly(fresh_database_url: str) -> None:
    database_url = fresh_database_url
    from sqlalchemy import create_engine

    from tracker.db import downgrade, normalize_url, upgrade

    downgrade(database_url, "0001")
    engine = create_engine(normalize_url(database_url))
    tables = set(inspect(engine).get_table_names())
    assert not tables & {"api_tokens", "alert_events", "bill_texts", "bill_fts", "bill_search"}
    engine.dispose()
    upgrade(database_url)
    engine = create_engine(normalize_url(database_url))
    tables = set(inspect(engine).get_table_names())
    assert {
        "api_tokens",
        "invitations",
        "password_resets",
        "saved_searches",
        "alert_events",
    } <= tables
    with engine.connect() as conn:
        assert conn.execute(select(Bill.id)).first() is None
    engine.dispose()


def test_text_only_search_pages_from_the_index_and_caps_the_count(db, demo_bills) -> None:  # noqa: ANN001
    query = search.BillQuery(q="988", per_page=4)
    first = search.search_bills(db, query, None, count_cap=3)
    assert (first.total, first.capped, first.has_next, len(first.bills)) == (3, True, True, 4)
    exact = search.search_bills(db, query, None)
    assert (exact.total, exact.capped, exact.pages) == (6, False, 2)
    second = search.search_bills(db, search.BillQuery(q="988", per_page=4, page=2), None)
    ids = [b.id for b in exact.bills] + [b.id for b in second.bills]
    assert len(ids) == len(set(ids)) == 6
    # The same words through the general (filtered) path find the same bills.
    filtered = search.search_bills(
        db, search.BillQuery(q="988", per_page=50, sort="identifier"), None
    )
    assert {b.id for b in filtered.bills} == set(ids)


def test_extracted_text_from_tagging_feeds_search_and_diffs(db, demo_bills, settings) -> None:  # noqa: ANN001
    import hashlib

    from click.testing import CliRunner

    from app.cli import cli
    from tracker.models import BillVersion
    from tracker.models.tagging import ExtractedText
    from web.text import version_text

    body = "SEC. 2. The Secretary shall fund telepsychiatry consultation lines."
    sha = hashlib.sha256(b"raw pdf bytes").hexdigest()
    db.add(
        ExtractedText(
            sha256=sha, media_type="application/pdf", text=body, chars=len(body), extractor="pypdf"
        )
    )
    db.add(
        BillVersion(
            bill_id="us-118-hr498",
            position=0,
            note="Introduced",
            url="https://www.congress.gov/118/bills/hr498/BILLS-118hr498ih.pdf",
            text_sha256=sha,
        )
    )
    db.commit()
    assert version_text(settings, sha, db) == body
    assert _ids(db, "telepsychiatry") == []
    result = CliRunner().invoke(cli, ["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "1 extracted texts updated" in result.output
    db.expire_all()
    assert _ids(db, "telepsychiatry") == ["us-118-hr498"]
