"""Fixtures of the forecast tests."""

import pandas as pd
import pytest
from forecast_history import make_history


@pytest.fixture(scope="session")
def history() -> tuple[pd.DataFrame, pd.DataFrame]:
    return make_history()
