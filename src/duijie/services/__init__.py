"""duijie.services."""
