"""duijie.domain."""
