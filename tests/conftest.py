"""Keep every test away from any real warehouse: one throw-away INSIGHT_HUB_HOME per session.

Set before any project module is imported, because orchestration.definitions reads it at import.
"""

import os
import tempfile

os.environ["INSIGHT_HUB_HOME"] = tempfile.mkdtemp(prefix="insight-hub-tests-")
os.environ.setdefault("INSIGHT_HUB_ENV", "test")
