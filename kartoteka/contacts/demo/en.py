"""English demo data: a UK supplier of office IT equipment and services with clients in
London, Manchester and other large cities. Every word the English demo shows lives here.

Landline numbers come from Ofcom's ranges reserved for drama (020 7946 0xxx and the like),
so the demo never shows a real subscriber's number while there are enough of them."""

from __future__ import annotations

import random

from .pack import City, CompanyName, Entry, Pack, Staff

TEAMS = ("North", "South")

STAFF = (
    Staff("admin", "administrator", "James", "Whitfield"),
    Staff("mitchell", "head_of_sales", "Sarah", "Mitchell"),
    Staff("harrison", "manager", "Tom", "Harrison", team=0),
    Staff("clarke", "manager", "Emma", "Clarke", team=0),
    Staff("hughes", "manager", "Daniel", "Hughes", team=1),
    Staff("patel", "manager", "Priya", "Patel", team=1),
    Staff("murphy", "support_agent", "Liam", "Murphy"),
    Staff("baker", "read_only", "Helen", "Baker"),
)

MALE_FIRST = (
    "James", "John", "David", "Michael", "Paul", "Mark", "Andrew", "Richard", "Peter", "Steven",
    "Christopher", "Daniel", "Matthew", "Thomas", "Simon", "Robert", "Ian", "Gary", "Neil",
    "Oliver", "Harry", "Jack", "George", "Samuel", "Ben", "Adam", "Luke", "Ryan", "Raj",
    "Mohammed", "Arjun", "Callum", "Owen", "Rhys",
)  # fmt: skip

FEMALE_FIRST = (
    "Sarah", "Emma", "Claire", "Laura", "Rachel", "Helen", "Louise", "Jennifer", "Rebecca",
    "Kate", "Emily", "Sophie", "Charlotte", "Lucy", "Hannah", "Amy", "Jessica", "Victoria",
    "Nicola", "Joanne", "Lisa", "Amanda", "Priya", "Aisha", "Olivia", "Grace", "Chloe",
    "Fiona", "Megan", "Zara",
)  # fmt: skip

SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Patel", "Khan", "Lewis", "James", "Phillips", "Mason", "Mitchell",
    "Rose", "Cox", "Campbell", "Harris", "Martin", "Edwards", "Turner", "Hughes", "Cooper",
    "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan",
    "Allen", "Young", "Scott", "Carter", "Bennett", "Shaw", "Murray", "Kelly", "Bailey",
    "Collins", "Parker", "Price", "Graham", "Palmer", "Fletcher", "Singh", "Ali", "Murphy",
    "Reid", "Fraser", "Owen", "Lloyd", "Chapman", "Holmes",
)  # fmt: skip


def surname(rng: random.Random, female: bool) -> str:
    return rng.choice(SURNAMES)


POSITIONS = (
    "Managing Director", "Finance Director", "Operations Manager", "Office Manager",
    "Head of IT", "IT Manager", "Procurement Manager", "Purchasing Assistant",
    "Financial Controller", "Company Secretary", "Sales Director", "Facilities Manager",
    "Director", "Owner", "Technical Lead", "Practice Manager", "Warehouse Manager",
)  # fmt: skip

# Company names -----------------------------------------------------------------------------

PLACES = (
    "Northgate", "Riverside", "Oakwood", "Kingsley", "Bridgewater", "Ashford", "Highfield",
    "Harbour", "Meridian", "Summit", "Beacon", "Redbrick", "Greenway", "Silverline", "Crown",
    "Albion", "Pennine", "Cotswold", "Thames", "Mercia", "Wessex", "Avon", "Severn", "Chiltern",
    "Mendip", "Fenland", "Lakeland", "Brookfield", "Westbury", "Hawthorn", "Kestrel", "Falcon",
    "Orchard", "Millstone", "Blackwater", "Parkside", "Eastfield", "Hillcrest", "Stonebridge",
)  # fmt: skip
INDUSTRY_NOUNS = {
    "it": ("Software", "Digital", "Systems", "Data", "Networks", "Technologies"),
    "manufacturing": ("Engineering", "Manufacturing", "Components", "Plastics",
                      "Fabrications", "Precision"),
    "retail": ("Stores", "Retail", "Home", "Outfitters", "Interiors"),
    "wholesale": ("Supplies", "Distribution", "Trading", "Wholesale", "Imports"),
    "services": ("Consulting", "Services", "Facilities", "Cleaning", "Solutions"),
    "logistics": ("Logistics", "Freight", "Haulage", "Couriers", "Transport"),
    "construction": ("Builders", "Construction", "Roofing", "Developments", "Contractors"),
    "finance": ("Capital", "Finance", "Accountants", "Wealth", "Insurance Brokers"),
    "healthcare": ("Healthcare", "Dental Care", "Pharmacy", "Clinics", "Care"),
    "education": ("Training", "Academy", "Learning", "Tutors", "Language School"),
    "other": ("Group", "Holdings", "Enterprises", "Trading"),
}  # fmt: skip


def company_name(rng: random.Random, industry: str) -> CompanyName:
    noun = rng.choice(INDUSTRY_NOUNS[industry])
    roll = rng.random()
    if roll < 0.55:
        core = f"{rng.choice(PLACES)} {noun}"
    elif roll < 0.75:
        core = f"{rng.choice(SURNAMES)} {noun}"
    elif roll < 0.88:
        first, second = rng.sample(SURNAMES, 2)
        if industry in ("finance", "services"):
            core = f"{first} & {second}"
            return CompanyName(full=f"{core} LLP", core=core)
        core = f"{first} & {second} {noun}"
    else:
        core = f"{rng.choice(SURNAMES)} & Sons {noun}"
    form = rng.random()
    if form < 0.03 and roll < 0.55:
        full = f"{core} PLC"
    elif form < 0.12:
        full = f"{core} Limited"
    else:
        full = f"{core} Ltd"
    return CompanyName(full=full, core=core)


# Addresses and phones ----------------------------------------------------------------------

_INCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def _postcode(*districts: str):
    def make(rng: random.Random) -> str:
        letters = "".join(rng.choice(_INCODE_LETTERS) for _ in range(2))
        return f"{rng.choice(districts)} {rng.randint(1, 9)}{letters}"

    return make


CITIES = (
    City("London", 45, ("+44 20 7946 0###", "+44 20 3N## ####"),
         _postcode("EC1A", "EC2M", "EC3V", "EC4A", "WC1X", "WC2N", "W1T", "W1U", "SE1",
                   "SW1H", "N1", "E1", "E14", "NW1")),
    City("Manchester", 12, ("+44 161 496 0###", "+44 161 8N# ####"),
         _postcode("M1", "M2", "M3", "M4", "M15", "M50")),
    City("Birmingham", 10, ("+44 121 496 0###", "+44 121 2N# ####"),
         _postcode("B1", "B2", "B3", "B4", "B5")),
    City("Leeds", 7, ("+44 113 496 0###", "+44 113 2N# ####"),
         _postcode("LS1", "LS2", "LS10", "LS11")),
    City("Bristol", 7, ("+44 117 496 0###", "+44 117 9N# ####"), _postcode("BS1", "BS2")),
    City("Edinburgh", 6, ("+44 131 496 0###", "+44 131 2N# ####"),
         _postcode("EH1", "EH2", "EH3", "EH6")),
    City("Glasgow", 6, ("+44 141 496 0###", "+44 141 2N# ####"), _postcode("G1", "G2", "G3")),
    City("Cardiff", 4, ("+44 29 2018 0###", "+44 29 20N# ####"),
         _postcode("CF10", "CF11", "CF24")),
    City("Newcastle upon Tyne", 3, ("+44 191 498 0###", "+44 191 2N# ####"),
         _postcode("NE1", "NE4")),
)  # fmt: skip
STREETS = (
    "High Street", "Station Road", "Church Street", "Victoria Road", "Mill Lane", "King Street",
    "Queen Street", "Market Street", "Bridge Street", "Albert Road", "York Road", "London Road",
    "Castle Street", "Chapel Street", "Commercial Road", "Canal Street", "Wellington Road",
    "Princes Street", "George Street", "Green Lane",
)  # fmt: skip
PARKS = (
    "Riverside Business Park", "Kingsway Business Park", "Enterprise Park",
    "Waterside Industrial Estate", "Meadow Trading Estate",
)  # fmt: skip


def street_address(rng: random.Random, city: City) -> str:
    roll = rng.random()
    if roll < 0.25:
        line = f"Unit {rng.randint(1, 40)}, {rng.choice(PARKS)}"
    elif roll < 0.45:
        line = f"Suite {rng.randint(1, 12)}, {rng.randint(1, 200)} {rng.choice(STREETS)}"
    else:
        line = f"{rng.randint(1, 200)} {rng.choice(STREETS)}"
    return f"{line}, {city.name} {city.postcode(rng)}"


# Texts -------------------------------------------------------------------------------------

PRODUCTS = (
    "laptops for the office", "server hardware", "network equipment", "software licences",
    "a support contract", "VoIP phones", "CCTV", "printers and consumables", "a CRM roll-out",
    "cloud backup", "monitors and accessories",
)  # fmt: skip
WEEKDAYS = ("on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday")


def money(rng: random.Random) -> str:
    return f"£{rng.randint(5, 2500) * 100:,}"


ENTRIES = (
    Entry("call", 0, "Inbound call, asking about {product}. Promised to send a quote."),
    Entry("call", 0, "Cold call. Reception put us through to the decision maker: {person}."),
    Entry("call", 0, "{person}: not a good time, asked us to call again in a month."),
    Entry("email", 0, "Website enquiry\nRe: {product}, about {count} units."),
    Entry("email", 0, "Sent our company presentation and price list."),
    Entry("note", 0, "Met at the trade show, have a business card. Interested in {product}."),
    Entry("note", 0, "Referred by an existing customer."),
    Entry("meeting", 0, "First meeting at the client's office\nWent through needs and budget."),
    Entry("email", 1, "Quote sent\n{product} — {amount}. Valid for 14 days."),
    Entry("call", 1, "Went through the quote. They want {percent}% off for paying up front."),
    Entry("call", 1, "{person}: call back {weekday}, in a meeting now."),
    Entry("call", 1, "Delivery dates: they need everything before the end of the month."),
    Entry("meeting", 1, "Meeting with their technical team\nSpecification agreed: {count} lines."),
    Entry("meeting", 1, "Demo for the client's team. Lots of questions, good mood in the room."),
    Entry("note", 1, "A competitor came in {percent}% cheaper. Preparing our answer."),
    Entry("note", 1, "Budget approved, waiting for the directors to sign off."),
    Entry("email", 1, "Draft contract sent to their legal team."),
    Entry("email", 1, "Pro forma invoice\n{product}, {amount}."),
    Entry("note", 1, "Contract signed, invoice for {amount} raised."),
    Entry("call", 2, "Payment received. Delivery planned {weekday}."),
    Entry("call", 2, "Check-in call: all working, one question about the warranty."),
    Entry("call", 2, "Complaint about a late delivery. Apologised, passed to logistics."),
    Entry("email", 2, "Quarterly statement sent to their accounts team."),
    Entry("email", 2, "Payment reminder sent. They promised to pay {weekday}."),
    Entry("email", 2, "Sent Christmas wishes and our calendar."),
    Entry("note", 2, "Happy customer, willing to act as a reference."),
    Entry("note", 2, "Repeat order: {product}, {amount}."),
    Entry("note", 2, "New purchasing contact: {person}.", company_only=True),
    Entry("meeting", 2, "Quarterly review\nPlans for next year: {product}."),
    Entry("meeting", 2, "Trained the client's staff, {count} people."),
)  # fmt: skip

PACK = Pack(
    code="en",
    timezone="Europe/London",
    teams=TEAMS,
    staff=STAFF,
    male_first=MALE_FIRST,
    female_first=FEMALE_FIRST,
    surname=surname,
    positions=POSITIONS,
    company_name=company_name,
    cities=CITIES,
    street_address=street_address,
    mobiles=(),
    tlds=((".co.uk", 75), (".com", 20), (".uk", 5)),
    mailboxes=("info", "hello", "office", "enquiries", "accounts", "sales"),
    company_tags=(
        "VIP",
        "key account",
        "tender",
        "wholesale",
        "reseller",
        "new",
        "repeat customer",
        "credit terms",
        "public sector",
    ),
    contact_tags=("decision maker", "accounts", "technical", "purchasing"),
    products=PRODUCTS,
    weekdays=WEEKDAYS,
    money=money,
    someone="Client",
    entries=ENTRIES,
)
