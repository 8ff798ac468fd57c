"""mh-policy-tracker domain core: settings, store, records, ingest, tagging, scoring.

Imports no Flask, requests or rq (tests/test_layering.py checks this).
"""
