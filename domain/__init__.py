"""The business of the property office, shared by the portal, the staff console and the kiosk.

Importing this package imports every model, so that Alembic's autogenerate and the tests see the
whole schema, and every receiver of a domain signal, so that it is connected wherever the signal is sent
(a renovation's permit follows the payment of its deposit bill: domain.renovation.permits; a move-in's fee lines
tick themselves when its bill is paid: domain.movein.fees; its signed papers are filed: domain.archives.move_in_papers;
a ticket's notice to the desk reaches the unit's assistant: domain.areas.notices; a renovation's settled violation
goes on its timeline: domain.renovation.inspections), and every background task with its schedule (domain.*.tasks,
domain.notify.mail), so that the worker knows them all.
"""

from domain.accounts import models as _accounts  # noqa: F401
from domain.alerts import models as _alerts  # noqa: F401
from domain.announcements import models as _announcements  # noqa: F401
from domain.archives import models as _archives  # noqa: F401
from domain.archives import move_in_papers as _move_in_papers  # noqa: F401
from domain.areas import models as _areas  # noqa: F401
from domain.areas import notices as _area_notices  # noqa: F401
from domain.attendance import models as _attendance  # noqa: F401
from domain.audit import models as _audit  # noqa: F401
from domain.billing import models as _billing  # noqa: F401
from domain.billing import tasks as _billing_tasks  # noqa: F401
from domain.evaluation import models as _evaluation  # noqa: F401
from domain.facilities import models as _facilities  # noqa: F401
from domain.files import models as _files  # noqa: F401
from domain.incidents import models as _incidents  # noqa: F401
from domain.kiosk import models as _kiosk  # noqa: F401
from domain.movein import fees as _movein_fees  # noqa: F401
from domain.movein import models as _movein  # noqa: F401
from domain.notify import models as _notify  # noqa: F401
from domain.overtime import models as _overtime  # noqa: F401
from domain.parcels import models as _parcels  # noqa: F401
from domain.parcels import tasks as _parcel_tasks  # noqa: F401
from domain.patrols import models as _patrols  # noqa: F401
from domain.payments import models as _payments  # noqa: F401
from domain.payments import tasks as _payment_tasks  # noqa: F401
from domain.property import models as _property  # noqa: F401
from domain.property import scope as _scope  # noqa: F401
from domain.renovation import inspections as _renovation_inspections  # noqa: F401
from domain.renovation import models as _renovation  # noqa: F401
from domain.renovation import permits as _renovation_permits  # noqa: F401
from domain.reports import models as _reports  # noqa: F401
from domain.signatures import models as _signatures  # noqa: F401
from domain.standards import models as _standards  # noqa: F401
from domain.surveys import models as _surveys  # noqa: F401
from domain.tasks import models as _tasks  # noqa: F401
from domain.throttle import models as _throttle  # noqa: F401
from domain.tickets import models as _tickets  # noqa: F401
from domain.vacant import models as _vacant  # noqa: F401
from domain.violations import models as _violations  # noqa: F401
