"""duijie.storage."""
