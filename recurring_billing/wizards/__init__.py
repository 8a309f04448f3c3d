from . import recurring_cancel_wizard
from . import recurring_pause_wizard
