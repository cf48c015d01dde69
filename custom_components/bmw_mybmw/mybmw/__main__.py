"""Allow ``python -m custom_components.bmw_mybmw.mybmw``."""

from .cli import main

raise SystemExit(main())
