from . import test_mrr_worked_example
from . import test_mrr_consistency
from . import test_mrr_currency
from . import test_mrr_access
from . import test_mrr_snapshot_total
from . import test_mrr_tax_included
from . import test_mrr_oracle
from . import test_mrr_report_views
