"""Collection: one module per source behind one interface (`scrapers.base.Scraper`).

`SOURCES` maps the source key used on the command line and in source links to its
class. Importing this package opens no connection and needs no configuration.
"""

from __future__ import annotations

from scrapers.base import Scraper
from scrapers.bills_file import BillsCsvImporter, BillsJsonlImporter
from scrapers.congress_gov import CongressGovMembersScraper, CongressGovScraper
from scrapers.congress_legislators import CongressLegislatorsImporter
from scrapers.govinfo import GovInfoScraper
from scrapers.legiscan import LegiScanPeopleScraper, LegiScanScraper
from scrapers.mo_senate import MoSenateScraper
from scrapers.openstates import OpenStatesScraper
from scrapers.openstates_people import OpenStatesPeopleImporter
from scrapers.or_legislature import OrLegislatureScraper
from tracker.errors import InvalidInput

SOURCES: dict[str, type[Scraper]] = {
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


def get_source(key: str) -> type[Scraper]:
    """The scraper class for a source key; InvalidInput lists the valid keys."""
    try:
        return SOURCES[key]
    except KeyError:
        raise InvalidInput(f"unknown source {key!r}; one of: {', '.join(SOURCES)}") from None
