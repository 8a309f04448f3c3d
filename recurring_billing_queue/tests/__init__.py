from . import test_invoicing_queue
