"""mh-policy-tracker domain core: settings, store, records, ingest, tagging, scoring.

Imports no Flask, requests or rq (tests/foundation/test_cli.py
`test_importing_the_domain_core_loads_no_flask_rq_or_requests`), and names no upper
package (app, scrapers, outreach, web, worker) by import or by string
(tests/app/test_registries.py `test_nothing_in_tracker_names_an_upper_package`).
"""
