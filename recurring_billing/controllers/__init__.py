from . import portal
from . import portal_actions
from . import portal_mandate
