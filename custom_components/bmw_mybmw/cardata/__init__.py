"""BMW CarData client (EU): device-code login, REST API, MQTT stream, mapping to the vehicle models.

No Home Assistant imports; the vehicle models are the MyBMW client's own.
"""

from .api import CarDataClient
from .auth import CarDataAuth, CarDataTokens, DeviceCode
from .budget import RequestBudget
from .mapping import CarDataVehicle, CarDataVehicleState, create_vehicle, update_vehicle
from .models import Container, DescriptorValue, StreamMessage, VehicleMapping
from .stream import CarDataStream, PahoConnection, parse_message

__all__ = [
    "CarDataAuth",
    "CarDataClient",
    "CarDataStream",
    "CarDataTokens",
    "CarDataVehicle",
    "CarDataVehicleState",
    "Container",
    "DescriptorValue",
    "DeviceCode",
    "PahoConnection",
    "RequestBudget",
    "StreamMessage",
    "VehicleMapping",
    "create_vehicle",
    "parse_message",
    "update_vehicle",
]
