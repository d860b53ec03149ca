"""duijie.domain: pure rules and data (stdlib + opening_hours; no I/O, no clock reads)."""
