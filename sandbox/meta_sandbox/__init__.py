"""A local, faithful fake of Meta's WhatsApp Cloud API: a Graph API server and a signed-webhook customer
simulator. See sandbox/README.md; ``meta-sandbox --help`` for the CLI."""

from .clock import FakeClock
from .customer import Customer, Delivery
from .errors import GraphError
from .graph_server import GraphApp, GraphServer
from .phone import canonical_wa_id
from .sender import WebhookSender
from .signing import encode, sign, verify
from .simulator import DEFAULT_GRAPH_VERSION, Sandbox
from .state import SandboxState

__all__ = [
    "DEFAULT_GRAPH_VERSION", "Customer", "Delivery", "FakeClock", "GraphApp", "GraphError", "GraphServer",
    "Sandbox", "SandboxState", "WebhookSender", "canonical_wa_id", "encode", "sign", "verify",
]
