"""Make the addons' pure engines importable without Odoo.

Each addon's ``__init__.py`` imports odoo, so the addon folders are registered here as
bare packages: ``recurring_billing.engine.periods`` then resolves to the file in the addon
without running the addon's ``__init__``.
"""

import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDONS = ("recurring_billing", "mrr_analytics")

for _name in ADDONS:
    if _name not in sys.modules:
        _package = types.ModuleType(_name)
        _package.__path__ = [str(ROOT / _name)]
        sys.modules[_name] = _package

# The CI's own helpers (tests/odoo_log.py …) import as top-level modules in their tests.
sys.path.insert(0, str(ROOT / "tests"))
