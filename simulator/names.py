"""Name and place vocabularies. Some names carry Windows-1252 characters (ë, é, á, ') on purpose."""

from __future__ import annotations

import numpy as np

# (formal forename, nickname or "" when none, gender 1 male / 2 female)
FORENAMES = [
    ("Robert", "Bob", 1), ("William", "Bill", 1), ("James", "Jim", 1), ("Richard", "Dick", 1),
    ("Michael", "Mike", 1), ("David", "Dave", 1), ("Thomas", "Tom", 1), ("Anthony", "Tony", 1),
    ("Christopher", "Chris", 1), ("Daniel", "Dan", 1), ("Matthew", "Matt", 1), ("Joseph", "Joe", 1),
    ("Edward", "Ted", 1), ("Stephen", "Steve", 1), ("Andrew", "Andy", 1), ("Peter", "Pete", 1),
    ("Oliver", "Olly", 1), ("Harry", "", 1), ("George", "", 1), ("Jack", "", 1), ("Mohammed", "", 1),
    ("Arjun", "", 1), ("Seán", "", 1), ("José", "", 1), ("Noah", "", 1), ("Leo", "", 1),
    ("Oscar", "", 1), ("Kwame", "", 1), ("Piotr", "", 1), ("Rhys", "", 1),
    ("Elizabeth", "Liz", 2), ("Margaret", "Maggie", 2), ("Katherine", "Kate", 2), ("Jennifer", "Jenny", 2),
    ("Rebecca", "Becky", 2), ("Victoria", "Vicky", 2), ("Alexandra", "Alex", 2), ("Susan", "Sue", 2),
    ("Patricia", "Pat", 2), ("Deborah", "Debbie", 2), ("Samantha", "Sam", 2), ("Jessica", "Jess", 2),
    ("Olivia", "Liv", 2), ("Amelia", "Millie", 2), ("Charlotte", "Lottie", 2), ("Eleanor", "Ellie", 2),
    ("Zoë", "", 2), ("Renée", "", 2), ("Chloé", "", 2), ("Siân", "", 2), ("Niamh", "", 2),
    ("Aisha", "", 2), ("Priya", "", 2), ("Fatima", "", 2), ("Isla", "", 2), ("Grace", "", 2),
    ("Emily", "", 2), ("Sophie", "", 2), ("Hannah", "", 2), ("Agnieszka", "", 2),
]
FORMAL = np.array([f for f, _, _ in FORENAMES], dtype=object)
NICK = np.array([n for _, n, _ in FORENAMES], dtype=object)
FORENAME_GENDER = np.array([g for _, _, g in FORENAMES])

SURNAMES = np.array(
    [
        "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
        "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green",
        "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper",
        "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen",
        "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths",
        "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy",
        "Miller", "Cox", "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh",
        "Begum", "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali",
        "Hunt", "Hussain", "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight",
        "O'Brien", "O'Connor", "D'Souza", "Brontë", "Nowak", "Kowalski", "Okafor", "Mensah", "Nguyen",
        "MacKenzie-Smith", "Fernández", "Müller", "Chowdhury", "Ahmed", "Costa", "Rossi",
    ],
    dtype=object,
)

STREETS = np.array(
    [
        "High Street", "Church Road", "Station Road", "London Road", "Banbury Road", "Woodstock Road",
        "Abingdon Road", "Cowley Road", "Iffley Road", "Botley Road", "Mill Lane", "The Green",
        "Manor Road", "Park Road", "Victoria Road", "Oxford Road", "School Lane", "Queen Street",
        "Newland", "Market Place", "Kings Road", "Orchard Close", "Meadow View", "St Clement's Street",
    ],
    dtype=object,
)

# Postcode districts per Oxfordshire district (Cherwell, Oxford, South Oxfordshire, Vale, West).
OX_DISTRICTS = np.array(
    ["OX1", "OX2", "OX3", "OX4", "OX5", "OX7", "OX9", "OX10", "OX11", "OX12", "OX13", "OX14", "OX15",
     "OX16", "OX17", "OX18", "OX20", "OX25", "OX26", "OX27", "OX28", "OX29", "OX33", "OX39", "OX44",
     "OX49", "RG9"],
    dtype=object,
)
LOCAL_TOWNS = np.array(
    ["Oxford", "Banbury", "Bicester", "Abingdon", "Didcot", "Witney", "Henley-on-Thames", "Wallingford",
     "Thame", "Wantage", "Carterton", "Chipping Norton", "Kidlington"],
    dtype=object,
)
OTHER_TOWNS = np.array(
    [("Reading", "RG1"), ("Swindon", "SN1"), ("London", "EC2A"), ("Birmingham", "B3"),
     ("Milton Keynes", "MK9"), ("High Wycombe", "HP11"), ("Northampton", "NN1"), ("Bristol", "BS1"),
     ("Manchester", "M2"), ("Cheltenham", "GL50")],
    dtype=object,
)

SUPPLIER_WORDS = np.array(
    ["Thames", "Cotswold", "Cherwell", "Vale", "Chiltern", "Meadow", "Oak", "Willow", "Beacon", "Summit",
     "Horizon", "Kingfisher", "Evenlode", "Isis", "Windrush", "Radcliffe", "Sheldon", "Bodley", "Harcourt",
     "Ashdown", "Brightwell", "Greenway", "Riverside", "Northgate", "Castle", "Crown", "Phoenix", "Apex",
     "Sterling", "Lark", "Heron", "Falcon", "Pinnacle", "Compass", "Meridian", "Keystone", "Cornerstone"],
    dtype=object,
)
