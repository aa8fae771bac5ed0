"""The staffing settings from the environment reach the staffing table (orchestration/forecast.py)."""

import dagster as dg
import duckdb
import numpy as np
import pytest
from forecast_history import HOLIDAYS, make_history

from forecast.erlang import DEFAULT_STAFFING, StaffingSettings, agents_required
from orchestration.forecast import STAFFING_VARIABLES, csc_forecast, staffing_settings
from orchestration.resources import WarehouseResource

CHANGED = {
    "INSIGHT_HUB_CSC_SERVICE_LEVEL": "0.95",
    "INSIGHT_HUB_CSC_ANSWER_WITHIN_S": "10",
    "INSIGHT_HUB_CSC_SHRINKAGE": "0.4",
    "INSIGHT_HUB_CSC_MAX_OCCUPANCY": "0.9",
}


def warehouse_home(tmp_path) -> WarehouseResource:
    """A warehouse file holding the forecast's dbt inputs: 60 days of synthetic history."""
    resource = WarehouseResource(home=str(tmp_path))
    daily, half = make_history(days=60)
    hol = HOLIDAYS.to_frame(index=False, name="date_day").assign(is_bank_holiday=True)
    con = duckdb.connect(str(resource.layout.warehouse))
    for name, frame in {"daily": daily, "half": half, "hol": hol}.items():
        con.register(name, frame)
    con.execute("create schema intermediate")
    con.execute(
        "create table intermediate.int_csc_demand_daily as "
        "select cast(day as date) as day, * exclude (day) from daily"
    )
    con.execute("create table intermediate.int_csc_calls_half_hourly as select * from half")
    con.execute(
        "create table intermediate.int_calendar as "
        "select cast(date_day as date) as date_day, is_bank_holiday from hol"
    )
    con.close()
    return resource


def staffing_table(resource: WarehouseResource):
    with resource.connect(read_only=True) as con:
        return con.sql("select * from ops.csc_staffing").df()


def test_unset_variables_give_the_issue_defaults(monkeypatch):
    for variable in STAFFING_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    assert staffing_settings() == DEFAULT_STAFFING


def test_settings_from_the_environment_reach_the_staffing_table(tmp_path, monkeypatch):
    for variable in STAFFING_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    resource = warehouse_home(tmp_path)
    assert dg.materialize([csc_forecast], resources={"warehouse": resource}).success
    default = staffing_table(resource)
    for variable, value in CHANGED.items():
        monkeypatch.setenv(variable, value)
    assert dg.materialize([csc_forecast], resources={"warehouse": resource}).success
    changed = staffing_table(resource)

    wanted = StaffingSettings(service_level=0.95, target_wait_s=10, shrinkage=0.4, max_occupancy=0.9)
    columns = ["service_level_target", "target_wait_s", "shrinkage", "max_occupancy"]
    assert changed[columns].drop_duplicates().values.tolist() == [[0.95, 10.0, 0.4, 0.9]]
    assert default[columns].drop_duplicates().values.tolist() == [[0.8, 20.0, 0.3, 0.85]]
    # Erlang C with the new target: a stricter service level needs more agents where calls come
    expected = agents_required(changed["forecast_calls"].to_numpy(), changed["aht_s"].to_numpy(), wanted)
    assert np.array_equal(changed["agents_required"].to_numpy(), expected)
    assert changed["forecast_calls"].equals(default["forecast_calls"])
    more = changed["agents_required"] - default["agents_required"]
    assert (more >= 0).all() and (more > 0).sum() > len(changed) / 4
    assert np.array_equal(changed["staff_required"], np.ceil(changed["agents_required"] / 0.6 - 1e-9))


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("INSIGHT_HUB_CSC_SERVICE_LEVEL", "80"),
        ("INSIGHT_HUB_CSC_SERVICE_LEVEL", "nan"),
        ("INSIGHT_HUB_CSC_ANSWER_WITHIN_S", "-5"),
        ("INSIGHT_HUB_CSC_ANSWER_WITHIN_S", "inf"),
        ("INSIGHT_HUB_CSC_ANSWER_WITHIN_S", "twenty"),
        ("INSIGHT_HUB_CSC_SHRINKAGE", "1"),
        ("INSIGHT_HUB_CSC_MAX_OCCUPANCY", "0"),
    ],
)
def test_a_bad_setting_is_refused_naming_its_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(dg.Failure) as failure:
        staffing_settings()
    assert failure.value.description.startswith(f"{variable}={value!r} is not a valid")


def test_a_bad_setting_fails_the_asset_before_it_writes(tmp_path, monkeypatch):
    resource = warehouse_home(tmp_path)
    monkeypatch.setenv("INSIGHT_HUB_CSC_SHRINKAGE", "0.3x")
    result = dg.materialize([csc_forecast], resources={"warehouse": resource}, raise_on_error=False)
    assert not result.success
    failure = result.get_step_failure_events()[0].step_failure_data.error
    assert "INSIGHT_HUB_CSC_SHRINKAGE='0.3x'" in failure.message
    with resource.connect(read_only=True) as con:
        ops = con.execute("select count(*) from information_schema.schemata where schema_name = 'ops'")
        assert ops.fetchall() == [(0,)]
