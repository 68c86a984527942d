"""The demo's vocabulary: an industry tree, company name parts per exchange, and how symbols are made from names."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Industry:
    """One industry of the tree with the words its companies are named with, and how its stocks behave."""

    macro: str
    sector: str
    industry: str
    basic_industries: tuple[str, ...]
    name_cores: tuple[str, ...]
    beta: float
    volatility: float  # annual idiosyncratic
    dividend_yield: float  # annual, for payers
    weights: tuple[float, float, float]  # share of NSE, LSE, NASDAQ listings


# Two lines per industry: macro | sector | industry | beta, idiosyncratic volatility, dividend yield, NSE/LSE/NASDAQ
# weights; then its basic industries | the words its companies are named with. Short macro names stand for MACROS.
MACROS = {
    "FIN": "Financial Services",
    "IT": "Information Technology",
    "HC": "Healthcare",
    "FMCG": "Fast Moving Consumer Goods",
    "CD": "Consumer Discretionary",
    "EN": "Energy",
    "UT": "Utilities",
    "COM": "Commodities",
    "IND": "Industrials",
    "SRV": "Services",
    "TEL": "Telecommunication",
}
_TABLE = """
FIN | FIN | Banks | 1.1 0.22 0.025 14 6 3
    Private Sector Bank; Public Sector Bank | Bank; Banking Corporation
FIN | FIN | Finance | 1.2 0.30 0.015 10 3 3
    Non Banking Financial Company (NBFC); Housing Finance Company | Finance; Capital; Housing Finance
FIN | FIN | Insurance | 0.9 0.22 0.02 4 6 3
    Life Insurance; General Insurance | Life Insurance; Insurance; Assurance
FIN | FIN | Capital Markets | 1.3 0.30 0.02 5 7 5
    Asset Management Company; Stockbroking & Allied | Asset Management; Securities; Investments
FIN | Realty | Realty | 1.3 0.35 0.01 6 5 1
    Residential, Commercial Projects | Realty; Estates; Properties
IT | IT | IT - Software | 1.0 0.28 0.015 12 4 22
    Computers - Software & Consulting; Software Products | Infotech; Technologies; Software; Systems
IT | IT | IT - Services | 1.1 0.32 0.01 6 3 10
    IT Enabled Services | Digital; Data Services; Networks
IT | IT | IT - Hardware | 1.4 0.38 0.005 2 2 14
    Semiconductors; Computers Hardware & Equipments | Semiconductor; Devices; Micro
HC | HC | Pharmaceuticals & Biotechnology | 0.7 0.30 0.01 14 5 20
    Pharmaceuticals; Biotechnology | Pharma; Lifesciences; Laboratories; Therapeutics
HC | HC | Healthcare Services | 0.8 0.28 0.008 5 3 6
    Hospital; Healthcare Service Provider | Hospitals; Healthcare; Diagnostics
HC | HC | Healthcare Equipment & Supplies | 0.9 0.30 0.008 2 3 8
    Medical Equipment & Supplies | Medical; Surgical; Medtech
FMCG | FMCG | Food Products | 0.6 0.20 0.02 8 5 3
    Packaged Foods; Dairy Products | Foods; Dairy; Agro Foods
FMCG | FMCG | Personal Products | 0.6 0.20 0.022 5 4 2
    Personal Care; Household Products | Consumer; Home Care; Personal Care
FMCG | FMCG | Beverages | 0.7 0.22 0.025 3 4 2
    Breweries & Distilleries; Other Beverages | Beverages; Breweries; Distillers
CD | Automobile and Auto Components | Automobiles | 1.2 0.30 0.015 7 1 3
    Passenger Cars & Utility Vehicles; 2/3 Wheelers | Motors; Automobiles; Motor Works
CD | Automobile and Auto Components | Auto Components | 1.1 0.30 0.012 10 2 2
    Auto Components & Equipments; Tyres & Rubber Products | Auto Components; Tyres; Forgings
CD | Consumer Services | Retailing | 1.2 0.34 0.01 6 8 10
    Diversified Retail; E-Retail/ E-Commerce | Retail; Stores; Online
CD | Consumer Services | Leisure Services | 1.2 0.32 0.01 4 5 5
    Hotels & Resorts; Restaurants | Hotels; Leisure; Hospitality
CD | Consumer Durables | Consumer Durables | 1.0 0.30 0.01 6 3 3
    Household Appliances; Gems, Jewellery And Watches | Appliances; Jewellers; Home Products
CD | Media Entertainment & Publication | Entertainment | 1.1 0.34 0.012 3 4 6
    Media & Entertainment; Publishing | Media; Entertainment; Studios
EN | Oil Gas & Consumable Fuels | Petroleum Products | 1.0 0.26 0.035 4 3 1
    Refineries & Marketing | Petroleum; Refineries
EN | Oil Gas & Consumable Fuels | Gas | 0.8 0.24 0.03 4 3 1
    Gas Transmission/Marketing; LPG/CNG/PNG/LNG Supplier | Gas; Gas Distribution
EN | Oil Gas & Consumable Fuels | Oil | 1.1 0.32 0.04 3 6 2
    Oil Exploration & Production | Oil & Gas; Energy Resources
UT | Power | Power | 0.6 0.22 0.035 8 5 2
    Power Generation; Power - Transmission | Power; Energy; Transmission
COM | Metals & Mining | Ferrous Metals | 1.4 0.36 0.025 6 2 1
    Iron & Steel | Steel; Ispat; Steelworks
COM | Metals & Mining | Non - Ferrous Metals | 1.4 0.36 0.025 4 4 1
    Aluminium; Copper | Metals; Alloys; Aluminium
COM | Metals & Mining | Minerals & Mining | 1.3 0.38 0.04 3 8 1
    Industrial Minerals; Precious Metals Mining | Minerals; Mining; Resources
COM | Chemicals | Chemicals & Petrochemicals | 1.0 0.30 0.012 12 3 2
    Specialty Chemicals; Commodity Chemicals | Chemicals; Fine Chem; Specialty Chemicals
COM | Chemicals | Fertilizers & Agrochemicals | 0.9 0.30 0.02 5 1 1
    Fertilizers; Pesticides & Agrochemicals | Fertilisers; Crop Science
COM | Construction Materials | Cement & Cement Products | 1.0 0.28 0.012 6 2 1
    Cement & Cement Products | Cement; Cements
IND | Capital Goods | Electrical Equipment | 1.2 0.32 0.01 8 3 3
    Heavy Electrical Equipment; Cables - Electricals | Electricals; Switchgear; Cables
IND | Capital Goods | Industrial Products | 1.1 0.30 0.012 10 6 4
    Industrial Products; Castings & Forgings | Engineering; Industries; Precision
IND | Capital Goods | Aerospace & Defense | 1.0 0.30 0.015 3 4 2
    Aerospace & Defense | Aerospace; Defence Systems; Aeronautics
IND | Construction | Construction | 1.3 0.34 0.01 7 3 1
    Civil Construction | Infra; Constructions; Projects
SRV | SRV | Transport Services | 1.1 0.32 0.012 5 4 4
    Logistics Solution Provider; Airline | Logistics; Airways; Shipping
TEL | TEL | Telecom - Services | 0.8 0.26 0.03 3 3 4
    Telecom - Cellular & Fixed line services | Telecom; Communications; Telecoms
"""


def _parse(table: str) -> tuple[Industry, ...]:
    lines = [line.strip() for line in table.strip().splitlines()]
    found = []
    for head, tail in zip(lines[::2], lines[1::2], strict=True):
        macro, sector, industry, numbers = (part.strip() for part in head.split("|"))
        basics, cores = (tuple(word.strip() for word in part.split(";")) for part in tail.split("|"))
        beta, volatility, dividend_yield, nse, lse, nasdaq = (float(number) for number in numbers.split())
        found.append(Industry(MACROS[macro], MACROS.get(sector, sector), industry, basics, cores,
                              beta, volatility, dividend_yield, (nse, lse, nasdaq)))  # fmt: skip
    return tuple(found)


INDUSTRIES = _parse(_TABLE)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


PREFIXES: dict[str, tuple[str, ...]] = {
    "NSE": _words(
        "Aravali Kaveri Sahyadri Narmada Godavari Vindhya Nilgiri Malabar Konkan Deccan Satpura Tapti Chambal "
        "Koyna Tunga Shivalik Kanchan Suvarna Rajat Pragati Unnati Samriddhi Prabhat Trishul Garuda Chola "
        "Pallava Vijaya Kalinga Magadh Avanti Kosala Saurashtra Kutch Jyoti Amrit Mangal Shubham Sindhu "
        "Panchsheel Navratna Ambika Rajhans Saraswati Vasundhara Lakshya Akshay Dhruv Indraprastha Kamakhya "
        "Meghdoot Nalanda Omkar Parijat Ratnagiri Sarovar Tejas Uttam Varuna Yamuna Zenith Anand Bhavani "
        "Charu Darpan"
    ),
    "LSE": _words(
        "Ashford Thames Pennine Cotswold Severn Harrow Kingsbridge Aldgate Bramley Calder Dunmore Exmoor "
        "Fenwick Grantham Hadley Ilkley Kestrel Langdale Mersey Northbrook Oakham Pembroke Quayside Ribble "
        "Salisbury Tamar Ullswater Wensley Yarrow Brecon Carrick Derwent Eden Fowey Hartley Kennet Lomond "
        "Medway Norbury Orwell Purbeck Rydal Stour Tweed Wharfe Windrush Alnwick Blythe Cheviot Dovedale"
    ),
    "NASDAQ": _words(
        "Redwood Cascade Sierra Tahoe Mesa Sequoia Juniper Cobalt Granite Helix Nimbus Polaris Aurora Lumina "
        "Zephyr Beacon Pioneer Frontier Summit Harbor Keystone Liberty Meridian Northstar Pinnacle Silverline "
        "Brightpath Clearwater Evergreen Ironwood Bluebird Copperleaf Driftwood Falcon Goldcrest Horizon "
        "Lakeshore Maplewood Oakridge Prairie Riverbend Stonebridge Tidewater Westfield Arbor Bayview Canyon "
        "Delta Elmstead Foxglove"
    ),
}
SUFFIXES = {"NSE": ("Ltd", "Limited", "Ltd"), "LSE": ("plc", "Group plc", "Holdings plc"),
            "NASDAQ": ("Inc.", "Corp.", "Holdings, Inc.")}  # fmt: skip
_SUFFIX_WEIGHTS = (0.5, 0.35, 0.15)


def company_names(exchange: str, industry: Industry) -> Iterator[tuple[str, str]]:
    """(prefix, core) pairs for an industry in a fixed order; the caller shuffles and removes used ones."""
    for prefix in PREFIXES[exchange]:
        for core in industry.name_cores:
            yield prefix, core


def suffix_for(exchange: str, draw: float) -> str:
    cumulative = 0.0
    for suffix, weight in zip(SUFFIXES[exchange], _SUFFIX_WEIGHTS, strict=True):
        cumulative += weight
        if draw < cumulative:
            return suffix
    return SUFFIXES[exchange][0]


def _letters(text: str) -> str:
    return re.sub(r"[^A-Z]", "", text.upper())


def symbol_candidates(exchange: str, prefix: str, core: str) -> Iterator[str]:
    """Ticker-like symbols for a name, most natural first: NSE runs words together, LSE and NASDAQ abbreviate."""
    first, second = _letters(prefix), _letters(core)
    consonants = first[0] + re.sub(r"[AEIOU]", "", first[1:])
    if exchange == "NSE":
        for cut in (len(first), 6, 5, 4):
            yield (first[:cut] + second)[:10]
        for extra in range(2, 10):
            yield f"{first[:7]}{second[:2]}{extra}"[:10]
        return
    lengths = (3, 4) if exchange == "LSE" else (4, 3, 5)
    for length in lengths:
        yield (first[: length - 1] + second[0])[:length]
        yield (consonants[: length - 1] + second[0])[:length]
        yield consonants[:length]
        yield (first[0] + second[: length - 1])[:length]
    for position in range(1, len(first)):
        yield first[0] + first[position] + second[:2]
