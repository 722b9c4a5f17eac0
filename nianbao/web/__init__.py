"""The web view: Datasette over an export snapshot, with a report page beside its source."""
