"""Places in an article: the Pakistani cities, ports and provinces, and the Chinese and Gulf
cities the EV news mentions."""

from __future__ import annotations

from dataclasses import dataclass

from entrants.newsdesk.extraction.matching import Hit, Matcher, tally


@dataclass(frozen=True)
class KnownPlace:
    """A place the extractor knows: its canonical name, city, country and spellings."""

    name: str
    city: str
    country: str
    spellings: tuple[str, ...] = ()


def _places(country, *names):
    return tuple(KnownPlace(name, name, country) for name in names)


#: Places looked for in articles: Pakistani cities, ports and provinces, and the Chinese and
#: Gulf cities the EV news mentions. A port is preferred over its city ("Karachi port").
KNOWN_PLACES = (
    KnownPlace("Karachi port", "Karachi", "PK", ("Karachi port", "Port of Karachi")),
    KnownPlace("Port Qasim", "Karachi", "PK", ("Port Qasim", "Port Bin Qasim", "Bin Qasim")),
    KnownPlace("Gwadar port", "Gwadar", "PK", ("Gwadar port", "Port of Gwadar")),
    KnownPlace("Lahore Expo Centre", "Lahore", "PK", ("Lahore Expo Centre", "Expo Centre Lahore")),
    KnownPlace(
        "Karachi Expo Centre", "Karachi", "PK", ("Karachi Expo Centre", "Expo Centre Karachi")
    ),
    KnownPlace("Korangi", "Karachi", "PK"),
    KnownPlace("Landhi", "Karachi", "PK"),
    *_places(
        "PK",
        "Karachi",
        "Lahore",
        "Islamabad",
        "Rawalpindi",
        "Faisalabad",
        "Multan",
        "Peshawar",
        "Quetta",
        "Hyderabad",
        "Sialkot",
        "Gujranwala",
        "Gwadar",
        "Sukkur",
        "Larkana",
        "Bahawalpur",
        "Sargodha",
        "Sahiwal",
        "Sheikhupura",
        "Abbottabad",
        "Mardan",
        "Gujrat",
        "Jhelum",
        "Kasur",
        "Okara",
        "Rahim Yar Khan",
        "Dera Ghazi Khan",
        "Dera Ismail Khan",
        "Mirpur",
        "Muzaffarabad",
        "Gilgit",
        "Skardu",
        "Nowshera",
    ),
    KnownPlace("Punjab", "", "PK"),
    KnownPlace("Sindh", "", "PK"),
    KnownPlace("Khyber Pakhtunkhwa", "", "PK"),
    KnownPlace("Balochistan", "", "PK", ("Balochistan", "Baluchistan")),
    KnownPlace("Gilgit-Baltistan", "", "PK"),
    KnownPlace("Azad Kashmir", "", "PK"),
    *_places(
        "CN",
        "Beijing",
        "Shanghai",
        "Shenzhen",
        "Guangzhou",
        "Chongqing",
        "Hefei",
        "Wuhan",
        "Hangzhou",
        "Tianjin",
        "Changsha",
        "Ningbo",
        "Xiamen",
        "Urumqi",
        "Kashgar",
    ),
    KnownPlace("Xi'an", "Xi'an", "CN", ("Xi'an", "Xi’an", "Xian")),
    KnownPlace("Jebel Ali", "Dubai", "AE"),
    *_places("AE", "Dubai", "Abu Dhabi"),
    *_places("SA", "Riyadh", "Jeddah"),
)


@dataclass(frozen=True)
class PlaceMention:
    """A known place the article names ("Karachi port", in the city of Karachi)."""

    name: str
    city: str
    country: str
    matched: tuple[str, ...]
    count: int
    position: int
    spans: tuple[tuple[int, int], ...]


_PLACE_MATCHER = Matcher(
    (spelling, place) for place in KNOWN_PLACES for spelling in (place.spellings or (place.name,))
)


def find_places(text):
    """Return the known places ``text`` names, a port before its city ("Karachi port")."""
    hits = [
        Hit(
            start,
            end,
            matched,
            ("place", place.name),
            {"name": place.name, "city": place.city, "country": place.country},
        )
        for start, end, matched, place in _PLACE_MATCHER.finditer(text)
    ]
    return tally(hits, PlaceMention)


def lookup_place(spelling):
    """Return the known place spelled ``spelling`` (any case or spacing), or None."""
    return _PLACE_MATCHER.lookup(spelling)
