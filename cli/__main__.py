"""`python -m cli`: the same command line as the `insight-hub` script."""

import sys

from cli.main import main

sys.exit(main())
