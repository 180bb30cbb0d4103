"""The app's pure core (STYLE.md "ODK Collect"): task states and the inspection draft.

No flet, no httpx, no SQL: everything here is testable without a UI, a server or a store.
"""
