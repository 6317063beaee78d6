"""``python -m hypergraph.cli`` runs the ``hypergraph`` command."""

import sys

from hypergraph.cli import main

sys.exit(main())
