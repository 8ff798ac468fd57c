"""What the scheduled sync plans, and the chain in embedded mode (no Redis)."""

from __future__ import annotations

from sqlalchemy import select

from scrapers import pipeline
from tracker.jobs import using_settings
from tracker.models import JobRun


def test_sync_plan_skips_sources_without_keys_and_runs_states_per_jurisdiction(settings):
    keyed = settings.with_(
        openstates_api_key="k",
        sync_sources=("openstates", "legiscan", "govinfo"),
        sync_jurisdictions=("ca", "ny"),
    )
    planned, skipped = pipeline.plan_syncs(keyed)
    assert planned == [("openstates", "ca"), ("openstates", "ny"), ("govinfo", None)]
    assert skipped == {"legiscan": "LEGISCAN_API_KEY is not set"}


def test_sync_plan_without_states_says_so_and_defaults_to_every_syncable_source(settings):
    from scrapers import SYNCABLE

    planned, skipped = pipeline.plan_syncs(settings.with_(openstates_api_key="k"))
    assert {s for s, _ in planned} | set(skipped) == set(SYNCABLE)
    assert skipped["openstates"] == "SYNC_JURISDICTIONS is not set"
    assert skipped["congress-gov"] == "CONGRESS_GOV_API_KEY is not set"


def test_sync_settings_come_from_the_environment(monkeypatch):
    from tracker.config import Settings

    env = {
        "SECRET_KEY": "s" * 32,
        "SYNC_SOURCES": "govinfo, Legiscan",
        "SYNC_JURISDICTIONS": "ca ny",
    }
    settings = Settings.from_env(env)
    assert settings.sync_sources == ("govinfo", "legiscan")
    assert settings.sync_jurisdictions == ("ca", "ny")


def test_sync_all_in_embedded_mode_runs_each_planned_sync_and_records_it(settings, db):
    # Offline (as every test is): the sync itself fails with SourceUnavailable and the
    # failure is recorded, not raised, exactly as RQ would record it.
    only = settings.with_(sync_sources=("govinfo",))
    with using_settings(only):
        summary = pipeline.sync_all()
    assert summary["enqueued"] == ["govinfo"] and len(summary["jobs"]) == 1
    [run] = db.scalars(select(JobRun)).all()
    assert run.kind == "scrapers.pipeline.sync_source" and run.status == "failed"
    assert "offline" in run.error


def test_a_step_with_nothing_changed_ends_the_chain(settings):
    assert pipeline.after_sync(settings, []) == []
    with using_settings(settings):
        assert pipeline.fetch_texts([])["next_jobs"] == []
