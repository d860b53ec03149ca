"""duijie.api."""
