"""The live dashboard of `flowsight serve`: pages, JSON twins, /metrics and the receiver."""

from flowsight.web.app import create_app
from flowsight.web.state import DashboardConfig

__all__ = ["DashboardConfig", "create_app"]
