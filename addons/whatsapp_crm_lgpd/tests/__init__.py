from . import test_consent
from . import test_requests
from . import test_export
from . import test_anonymize
from . import test_jobs
from . import test_tools
from . import test_ui
from . import test_anonymize_reports
