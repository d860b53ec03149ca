"""duijie.transport."""
