"""qslint: lint and apply Amazon QuickSight dashboard snapshot job definitions."""

__version__ = "0.1.0"
