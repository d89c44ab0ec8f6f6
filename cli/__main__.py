"""`python -m pinscope.cli`."""

import sys

from pinscope.cli.main import main

sys.exit(main())
