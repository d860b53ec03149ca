"""duijie.protocol."""
