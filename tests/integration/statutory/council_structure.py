"""The council's directorates by their published names, written from its published structure (not
read from the seed), for the statutory recomputations."""

DIRECTORATE_NAMES = {
    "ADULTS": "Adult Services",
    "CHILDRENS": "Children's Services",
    "PUBHEALTH": "Public Health",
    "ENVPLACE": "Environment and Place",
    "FIRE": "Fire and Rescue",
    "RESOURCES": "Resources",
    "CUSTCULT": "Customers, Culture and Corporate Services",
    "UNALLOCATED": "Unallocated (no directorate on the date)",  # a cost centre without one that day
}
