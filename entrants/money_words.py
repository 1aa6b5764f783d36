"""The words articles print for currencies and for "times so much", shared by the news desk's
extraction (``entrants.newsdesk.extraction.amounts``) and the admin's amount fields
(``entrants.amounts``), so that both read "Rs 8.4m" and "85 lakh" alike."""

from decimal import Decimal

#: What articles print for a currency, keyed upper case without spaces or full stops ("Rs."
#: is "RS"): the extraction and the admin's amount fields (``entrants.amounts``) read them alike.
#: "$" is the US dollar and "¥" the yuan: in Pakistan's and China's EV news they always are.
CURRENCY_WORDS = {
    "US$": "USD",
    "$": "USD",
    "HK$": "HKD",
    "A$": "AUD",
    "C$": "CAD",
    "S$": "SGD",
    "CN¥": "CNY",
    "¥": "CNY",
    "€": "EUR",
    "£": "GBP",
    "₹": "INR",
    "RS": "PKR",
    "DH": "AED",
    "DHS": "AED",
    "RMB": "CNY",
    "YUAN": "CNY",
    "RENMINBI": "CNY",
    "RUPEE": "PKR",
    "RUPEES": "PKR",
    "DOLLAR": "USD",
    "DOLLARS": "USD",
    "USDOLLAR": "USD",
    "USDOLLARS": "USD",
    "EURO": "EUR",
    "EUROS": "EUR",
    "DIRHAM": "AED",
    "DIRHAMS": "AED",
    "RIYAL": "SAR",
    "RIYALS": "SAR",
    "PKRS": "PKR",
}

#: The words for "times so much" after a number: "8.4m", "85 lakh", "1.3 crore".
SCALES = {
    "millions": Decimal(1_000_000),
    "billions": Decimal(1_000_000_000),
    "k": Decimal(1000),
    "thousand": Decimal(1000),
    "lakh": Decimal(100_000),
    "lakhs": Decimal(100_000),
    "lac": Decimal(100_000),
    "lacs": Decimal(100_000),
    "m": Decimal(1_000_000),
    "mn": Decimal(1_000_000),
    "mln": Decimal(1_000_000),
    "million": Decimal(1_000_000),
    "crore": Decimal(10_000_000),
    "crores": Decimal(10_000_000),
    "cr": Decimal(10_000_000),
    "b": Decimal(1_000_000_000),
    "bn": Decimal(1_000_000_000),
    "billion": Decimal(1_000_000_000),
    "tn": Decimal(10**12),
    "trillion": Decimal(10**12),
}
