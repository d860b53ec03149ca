"""duijie.interchange."""
