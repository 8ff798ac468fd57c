"""Collection: one module per source behind one interface (`scrapers.base.Scraper`).

`sources()` maps the source key used on the command line and in source links to its
class. Importing this package opens no connection, needs no configuration and imports
no source module (nor requests, bs4, lxml): `tracker bills export` and the worker's
non-scrape jobs start without them. The source modules load on the first `sources()`
or `get_source()` call.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from tracker.errors import InvalidInput

if TYPE_CHECKING:
    from scrapers.base import Scraper

# Sources `tracker sync` can run against the network (the rest are file imports).
SYNCABLE = (
    "congress-gov",
    "congress-gov-members",
    "govinfo",
    "openstates",
    "legiscan",
    "mo-senate",
    "openstates-people",
    "legiscan-people",
)


@cache
def sources() -> dict[str, type[Scraper]]:
    """Source key -> scraper class (imports every source module on first call)."""
    from scrapers.bills_file import BillsCsvImporter, BillsJsonlImporter
    from scrapers.congress_gov import CongressGovMembersScraper, CongressGovScraper
    from scrapers.congress_legislators import CongressLegislatorsImporter
    from scrapers.govinfo import GovInfoScraper
    from scrapers.legiscan import LegiScanPeopleScraper, LegiScanScraper
    from scrapers.mo_senate import MoSenateScraper
    from scrapers.openstates import OpenStatesScraper
    from scrapers.openstates_people import OpenStatesPeopleImporter
    from scrapers.or_legislature import OrLegislatureScraper

    return {
        "congress-gov": CongressGovScraper,
        "congress-gov-members": CongressGovMembersScraper,
        "govinfo": GovInfoScraper,
        "openstates": OpenStatesScraper,
        "legiscan": LegiScanScraper,
        "legiscan-people": LegiScanPeopleScraper,
        "mo-senate": MoSenateScraper,
        "or-legislature": OrLegislatureScraper,
        "openstates-people": OpenStatesPeopleImporter,
        "congress-legislators": CongressLegislatorsImporter,
        "bills-jsonl": BillsJsonlImporter,
        "bills-csv": BillsCsvImporter,
    }


def get_source(key: str) -> type[Scraper]:
    """The scraper class for a source key; InvalidInput lists the valid keys."""
    table = sources()
    try:
        return table[key]
    except KeyError:
        raise InvalidInput(f"unknown source {key!r}; one of: {', '.join(table)}") from None
