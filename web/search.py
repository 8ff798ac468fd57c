"""The bill query lives in `tracker.bill_query` (one module for search, saved-search
alerts, exports and the API); this name is kept for code that imports `web.search`."""

from tracker.bill_query import *  # noqa: F403
from tracker.bill_query import __all__  # noqa: F401
