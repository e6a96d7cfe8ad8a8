from . import test_tools_graph_api
from . import test_tools_meta_errors
from . import test_tools_webhook_payload
from . import test_tools_webhook_signature
from . import test_webhook
