"""The KPI pack: static HTML pages of a release's KPIs (publication/pack/build.py)."""

from publication.pack import charts
from publication.pack.build import PackError, PackInputs, build_pack

__all__ = ["PackError", "PackInputs", "build_pack", "charts"]
