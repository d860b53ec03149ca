"""``python -m duijie`` runs the command line."""

from duijie.cli.main import main

main()
