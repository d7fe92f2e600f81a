import sys

from devserver.dev import main

sys.exit(main())
