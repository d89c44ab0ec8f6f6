"""The bundle's `pinscope` program: the command line (and, with no command, the window)."""

import sys

from pinscope.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
