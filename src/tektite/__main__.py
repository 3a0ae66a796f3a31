"""``python -m tektite`` is the ``tektite`` command."""

from tektite.cli.main import main

main()
