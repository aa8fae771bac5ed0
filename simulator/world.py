"""The simulated county: one deterministic world per (seed, scale), built lazily part by part."""

from __future__ import annotations

from functools import cached_property

import numpy as np

from simulator.care import Placements, assign_providers, build_placements, individual_payees
from simulator.contact import ContactCentre
from simulator.dates import pad
from simulator.defects import DefectPlan
from simulator.finance import FinanceBook
from simulator.org import Org, build_org
from simulator.pay import Pay, build_pay
from simulator.persons import PeopleRates, Residents, build_indexes, build_residents
from simulator.staff import Staff, build_staff
from simulator.suppliers import Contracts, Suppliers, build_contracts, build_suppliers


class World:
    """Everything the source systems know, over the fixed horizon; feeds only read from it."""

    def __init__(
        self,
        seed: int,
        scale: float,
        plan: DefectPlan,
        vary_people: bool = True,
        people: PeopleRates | None = None,
    ) -> None:
        self.seed = seed
        self.scale = scale
        self.plan = plan
        self.vary_people = vary_people
        self.people = people or PeopleRates()

    @cached_property
    def org(self) -> Org:
        return build_org(self.seed, self.scale)

    @cached_property
    def staff(self) -> Staff:
        return build_staff(self.seed, self.scale, self.org)

    @cached_property
    def pay(self) -> Pay:
        return build_pay(self.seed, self.staff, self.org)

    @cached_property
    def residents(self) -> Residents:
        return build_residents(self.seed, self.scale, self.people)

    @cached_property
    def placements(self) -> Placements:
        return build_placements(self.seed, self.scale, self.residents, self.org)

    @cached_property
    def suppliers(self) -> Suppliers:
        rows, names, who, created = individual_payees(self.placements, self.residents)
        sup = build_suppliers(self.seed, self.scale, names, who, created)
        n_trade = int((sup.segment >= 0).sum())
        assign_providers(
            self.seed, self.placements, sup.segment, sup.weight, rows, n_trade + np.arange(len(rows))
        )
        return sup

    @cached_property
    def contracts(self) -> Contracts:
        return build_contracts(self.seed, self.suppliers)

    @cached_property
    def indexes(self) -> dict:
        adults = self.placements.client[np.isin(self.placements.stype, [0, 1, 2, 3, 4])]
        return build_indexes(self.seed, self.scale, self.residents, np.unique(adults), self.vary_people)

    @cached_property
    def client_ref(self) -> np.ndarray:
        """client_ref of each placement: the ASC person id for adults, a children's system id otherwise."""
        asc = self.indexes["adult_social_care"]
        lookup = dict(zip(asc.who.tolist(), asc.ids.tolist(), strict=True))
        pl = self.placements
        adult = pl.stype <= 4
        ref = ("LCS" + pad(pl.client, 7).astype(object)).astype(object)
        ref[adult] = np.array([lookup.get(int(c), "") for c in pl.client[adult]], dtype=object)
        return ref

    @cached_property
    def finance(self) -> FinanceBook:
        s = self.staff

        def fte_by_cc(day: np.datetime64) -> np.ndarray:
            on = (s.sp_begda <= day) & (s.sp_endda >= day)
            return np.bincount(
                s.pos_cc[s.sp_pos[on]], weights=s.sp_wostd[on] / 37, minlength=len(self.org.kostl)
            )

        return FinanceBook(
            self.seed,
            self.scale,
            self.org,
            self.suppliers,
            self.contracts,
            self.placements,
            fte_by_cc,
            self.plan.bdu_fate,
        )

    @cached_property
    def contacts(self) -> ContactCentre:
        return ContactCentre(self.seed, self.scale, self.residents)
