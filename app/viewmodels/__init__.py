"""View-models: the state behind each screen and the actions on it, without any Flet.

Views render a view-model and forward the inspector's taps to it; a view-model calls services
and tells its listener to re-render. Each is testable with an in-memory store and no UI.
"""
