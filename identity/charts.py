"""Splink's charts of a trained identity model (match weights, m and u), as static SVG files.

Usage: python -m identity.charts MODEL_JSON OUT_DIR
MODEL_JSON is a model saved by a run ($INSIGHT_HUB_HOME/identity/model.json or a row of
restricted.identity_model); it holds parameters only, no records, so the charts can go in the
docs. Rendering is offline (vl-convert-python, a dev dependency).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import vl_convert as vlc
from splink import DuckDBAPI, Linker

from identity.linkage import LINKAGE_COLUMNS

CHARTS = {
    "identity_match_weights.svg": "match_weights_chart",
    "identity_m_u_parameters.svg": "m_u_parameters_chart",
}


def render(model_json: Path, out_dir: Path) -> list[Path]:
    """Write the charts of the model in `model_json` into `out_dir`; returns the files written."""
    model = json.loads(model_json.read_text())
    empty = pa.table(
        {
            c: pa.array([], pa.list_(pa.string()) if c == "first_name_forms" else pa.string())
            for c in LINKAGE_COLUMNS
        }
    )
    con = duckdb.connect()
    linker = Linker(DuckDBAPI(con).register(empty, table_name="charts_input"), model, log_level=logging.ERROR)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, method in CHARTS.items():
        spec = getattr(linker.visualisations, method)().chart_dict
        path = out_dir / name
        path.write_text(vlc.vegalite_to_svg(spec))
        written.append(path)
    con.close()
    return written


if __name__ == "__main__":
    for written_path in render(Path(sys.argv[1]), Path(sys.argv[2])):
        print(written_path)
