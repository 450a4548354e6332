"""The clerks' admin, where Django looks for it: each domain registers its own pages."""

from disclosure.clock import admin as clock_admin
from disclosure.records import admin as records_admin

__all__ = ["clock_admin", "records_admin"]
