"""duijie.search."""
