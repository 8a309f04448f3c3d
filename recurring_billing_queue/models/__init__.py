from . import recurring_invoicing_job
from . import res_config_settings
