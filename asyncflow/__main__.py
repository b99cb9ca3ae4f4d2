"""``python -m asyncflow`` runs the command line."""

from asyncflow.cli import main

raise SystemExit(main())
