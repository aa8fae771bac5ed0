"""simulator_truth/: who is who (persons.csv, residents.csv), injected defects (defects.jsonl), days."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.persons import Residents


class Truth:
    """Accumulates truth over a call and merges it with earlier calls on the same home."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._persons: list[pd.DataFrame] = []
        self._defects: list[dict] = []
        self._state = folder / "simulated_days.json"
        self._ranges: list[list[str]] = json.loads(self._state.read_text()) if self._state.exists() else []
        self._bounds = [(np.datetime64(a), np.datetime64(b)) for a, b in self._ranges]

    def cover(self, first: np.datetime64, after: np.datetime64) -> None:
        """Record that this call delivers [first, after), so later calls deliver its late files."""
        self._ranges.append([str(first), str(after)])
        self._bounds.append((first, after))

    def covered(self, day: np.datetime64) -> bool:
        return any(a <= day < b for a, b in self._bounds)

    def add_persons(self, groups: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]) -> None:
        for system, ids, person, variation in groups:
            if len(ids):
                self._persons.append(
                    pd.DataFrame(
                        {
                            "source_system": system,
                            "source_record_id": np.asarray(ids),
                            "person_id": np.asarray(person),
                            "variation": np.asarray(variation),
                        },
                        dtype=object,
                    )
                )

    def save_residents(self, res: Residents) -> None:
        """residents.csv: how residents are related (household, twin, shared email or landline)."""
        twin = np.where(res.twin_of >= 0, res.person_id[np.maximum(res.twin_of, 0)], "")
        table = pd.DataFrame(
            {
                "person_id": res.person_id,
                "household": res.household.astype(str),
                "twin_of": twin,
                "shared_email": np.where(res.shared_email, "true", "false"),
                "shared_landline": np.where(res.shared_landline, "true", "false"),
            }
        )
        path = self.folder / "residents.csv"
        table.to_csv(path.with_suffix(".part"), index=False, lineterminator="\n")
        path.with_suffix(".part").replace(path)

    def log(self, entries: list[dict]) -> None:
        self._defects.extend(entries)

    def save(self) -> int:
        """Write merged, de-duplicated, sorted truth; returns the number of defects logged by this call."""
        persons_csv = self.folder / "persons.csv"
        frames = list(self._persons)
        if persons_csv.exists():
            frames.append(pd.read_csv(persons_csv, dtype=str, keep_default_na=False))
        if frames:
            table = pd.concat(frames, ignore_index=True).astype(str).drop_duplicates()
            table = table.sort_values(["source_system", "source_record_id"], kind="stable")
            table.to_csv(persons_csv.with_suffix(".part"), index=False, lineterminator="\n")
            persons_csv.with_suffix(".part").replace(persons_csv)
        log = self.folder / "defects.jsonl"
        seen = log.read_text().splitlines() if log.exists() else []
        new = [json.dumps(e, ensure_ascii=False, sort_keys=False) for e in self._defects]
        lines = sorted(set(seen) | set(new))
        log.write_text("".join(line + "\n" for line in lines))
        self._state.write_text(json.dumps(self._ranges))
        return len(set(new) - set(seen)) if seen else len(set(new))
