"""Versions of the code that produced a piece of data.

Events and index rows carry these so `nianbao reprocess --stale` can find reports produced by an
older parser or validator. Bump a version when a change can alter that stage's output for the
same input (not for refactors).
"""

PARSER_VERSION = "1"
VALIDATOR_VERSION = "1"
INDEX_SCHEMA_VERSION = "1"
