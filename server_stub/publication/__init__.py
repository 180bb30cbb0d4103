"""Published results, the dashboard and its figures, exports, working days."""
