"""Allow ``python -m hiap_geo``."""

from hiap_geo.cli import main

raise SystemExit(main())
