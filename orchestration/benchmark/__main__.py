import sys

from orchestration.benchmark.harness import main

sys.exit(main())
