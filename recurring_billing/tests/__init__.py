from . import test_lifecycle
from . import test_worked_example
