from . import res_company
from . import res_config_settings
from . import mrr_movement
from . import mrr_snapshot
from . import mrr_metric
from . import mrr_cohort
from . import recurring_subscription_event
