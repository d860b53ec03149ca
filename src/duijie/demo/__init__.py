"""duijie.demo."""
