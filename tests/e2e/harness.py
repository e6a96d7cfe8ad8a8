"""Moved: the end-to-end harness is the package ``wacrm_harness`` (harness/ at the project's root,
installed in the venv by scripts/common.sh). This name stays for code that still imports it."""

from wacrm_harness import *  # noqa: F403
from wacrm_harness import __all__  # noqa: F401
