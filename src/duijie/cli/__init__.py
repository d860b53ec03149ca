"""duijie.cli."""
