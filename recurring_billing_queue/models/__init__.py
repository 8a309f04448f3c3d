from . import account_move
from . import recurring_invoicing_job
from . import recurring_invoice_maker
from . import res_config_settings
