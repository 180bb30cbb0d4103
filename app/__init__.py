"""掌上查: the inspector's and supervisor's Flet app."""
