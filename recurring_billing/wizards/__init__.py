from . import recurring_cancel_wizard
from . import recurring_pause_wizard
from . import sepa_return_wizard
from . import recurring_change_wizard
from . import sepa_statement_match_wizard
from . import sepa_statement_match_wizard_line
from . import sepa_mandate_account_wizard
