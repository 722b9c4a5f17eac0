"""`Document` → `ParsedReport`: find the national tables (labels, cells, row groups), the
sections, the metadata and the format edition. Knows nothing of file formats (that is extract/)."""
