"""The programme office's benefits tracker: a hand-kept workbook, re-saved monthly."""

from __future__ import annotations

import numpy as np

from simulator.dates import fmt_yyyymmdd, ymd_parts
from simulator.randomness import rng
from simulator.writers import FileOut

WORKSTREAMS = [
    "Finance",
    "Strategic Capability",
    "Provision Cycle",
    "Support Services",
    "Customer Experience",
    "Adults Transformation",
    "Children's Transformation",
]
OWNERS = [
    "Lorna Baxter",
    "Claire Taylor",
    "Renée Dupont",
    "Siân O'Brien",
    "Mark Haynes",
    "Zoë Patel",
    "Kevin Gordon",
]
# planned savings GBP m, 2019/20 .. 2025/26 (after the programme reviews: Finance 0.18 then 0.49 to 2022/23)
PLANNED = np.array(
    [
        [0.18, 0.10, 0.11, 0.10, 0.08, 0.05, 0.05],
        [0.16, 0.60, 0.75, 0.60, 0.30, 0.20, 0.20],
        [0.40, 0.35, 0.30, 0.22, 0.20, 0.20, 0.15],
        [0.03, 0.80, 0.90, 0.59, 0.30, 0.25, 0.20],
        [0.20, 0.45, 0.50, 0.40, 0.35, 0.30, 0.30],
        [0.50, 1.20, 1.40, 1.10, 0.90, 0.80, 0.70],
        [0.30, 0.80, 1.00, 0.90, 0.70, 0.60, 0.50],
    ]
)


def tracker(seed: int, day: np.datetime64) -> FileOut:
    """Rows as the programme office keeps them: title, header, data by year, blank rows and a total row."""
    y, m, _ = (int(v[0]) for v in ymd_parts(np.array([day])))
    fy_now = y if m >= 4 else y - 1
    r = rng(seed, "benefits")
    delivered_ratio = r.uniform(0.55, 1.1, PLANNED.shape)
    forecast_ratio = np.clip(delivered_ratio + r.normal(0, 0.05, PLANNED.shape), 0.4, 1.2)
    rows: list[list] = [[f"Transformation benefits tracker - as at {fmt_yyyymmdd(np.array([day]))[0]}"], []]
    rows.append(
        [
            "workstream",
            "financial_year",
            "planned_gbp",
            "forecast_gbp",
            "delivered_gbp",
            "rag_reported",
            "owner",
        ]
    )
    total = np.zeros(3)
    for j in range(PLANNED.shape[1]):
        fy = 2019 + j
        if fy > fy_now:
            break
        for i, ws in enumerate(WORKSTREAMS):
            plan = round(PLANNED[i, j] * 1e6, 2)
            progress = 1.0 if fy < fy_now else max(min((m - 3) % 12 / 12, 1.0), 0.1)
            delivered = round(plan * delivered_ratio[i, j] * progress, 2)
            forecast = round(plan * forecast_ratio[i, j], 2)
            ratio = delivered / plan
            rag = "G" if ratio >= 0.95 else ("A" if ratio >= 0.75 else "R")
            if r.random() < 0.12:  # optimism: the tracker's own RAG sometimes disagrees
                rag = {"R": "A", "A": "G", "G": "A"}[rag]
            rows.append([ws, f"{fy}/{(fy + 1) % 100:02d}", plan, forecast, delivered, rag, OWNERS[i]])
            total += [plan, forecast, delivered]
        rows.append([])
    rows.append(["Total", "", round(total[0], 2), round(total[1], 2), round(total[2], 2), "", ""])
    return FileOut(
        "programme/benefits",
        f"benefits_tracker_{fmt_yyyymmdd(np.array([day]))[0]}.xlsx",
        "xlsx",
        ["rows"],
        {"rows": rows},
    )
