"""Every table of the notifications service (importing this module registers them all on ``Base``)."""

from abri_notifications.db.access_log import PersonAccessLogAnchor, PersonAccessLogEntry
from abri_notifications.db.deliveries import Delivery, InboxMessage
from abri_notifications.db.directory import Person, WebhookEndpoint
from abri_notifications.db.read_models import PlacementOrg, UnitOwner

__all__ = [
    "Delivery",
    "InboxMessage",
    "Person",
    "PersonAccessLogAnchor",
    "PersonAccessLogEntry",
    "PlacementOrg",
    "UnitOwner",
    "WebhookEndpoint",
]
