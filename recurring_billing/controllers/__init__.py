from . import portal
from . import portal_actions
from . import portal_mandate
from . import portal_payment
