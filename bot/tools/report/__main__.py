import sys

from bot.tools.report import main

sys.exit(main())
