import sys

from .console import console_main

sys.exit(console_main())
