"""Companies, vehicle models and people in an article: the known ones (with their ids) and
new ones that the text clearly names.

* A known company name followed by a word that makes another company's name ("Tesla
  Industries") is that other company, reported as new, not the known one.
* New names are flagged only on strong cues ("… Motors", "… Technologies", a brand followed by a
  model code like "S07", a capitalised name that a price follows): a missed name costs an editor
  less than a wrong one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from django.db.models import prefetch_related_objects

from entrants.models import Company, Person, VehicleModel
from entrants.newsdesk.extraction.amounts import CURRENCY_PREFIX
from entrants.newsdesk.extraction.dates import MONTH_WORDS, WEEKDAY_NAMES
from entrants.newsdesk.extraction.matching import Hit, Matcher, overlaps, tally
from entrants.newsdesk.extraction.places import lookup_place

# --- Vocabulary ------------------------------------------------------------------------------

#: Words that make a capitalised name a company's: "Tesla Industries", "Regal Automobiles".
COMPANY_TYPE_WORDS = frozenset(
    {
        "Auto",
        "Automobile",
        "Automobiles",
        "Automotive",
        "Communication",
        "Communications",
        "Company",
        "Corporation",
        "Enterprises",
        "Engineering",
        "Group",
        "Holdings",
        "Industries",
        "Mobility",
        "Motor",
        "Motors",
        "Technologies",
        "Technology",
    }
)

#: Legal forms: "Master Motors Limited" is still Master Motors.
LEGAL_FORM_WORDS = frozenset(
    {"Limited", "Ltd", "Inc", "Incorporated", "PLC", "Plc", "LLC", "Pvt", "Co"}
)

#: Job titles: a name after them is a person's, and they are never a name on their own.
TITLES = frozenset(
    """Mr Mrs Ms Dr Prof Sir CEO CFO COO CTO Chairman Chairperson Chief Executive President Vice
    Minister Secretary Director Managing Senator Governor Adviser Advisor Spokesperson Spokesman
    Founder Head General Manager Officer Premier Prime Commissioner Ambassador Envoy""".split()
)

# Capitalised words that start a sentence or qualify a name without being part of it.
_LEADING_NOISE = frozenset(
    """A An The This That These Those Its It Their His Her Our Your My We They He She I In On At
    By For From With Of To And But Or Nor As After Before While When Where However Meanwhile
    Recently Similarly Also Both Several Many Some Other Another Each Every Local Leading New
    Back Earlier Later Last Next Moreover Furthermore Additionally According Under Over Since
    Until Besides Unlike Like Including Such Than Then Now Today Yesterday Chinese Pakistani
    Japanese Korean South North East West German American British Indian European Emirati
    Saudi Turkish French US UK UAE Global International National Federal Provincial State
    Government""".split()
)

#: Words that look like a brand before a code but are not one ("Phase 2", "Rs 500").
_NOT_BRANDS = (
    _LEADING_NOISE
    | TITLES
    | MONTH_WORDS
    | frozenset(WEEKDAY_NAMES)
    | frozenset(
        """Rs PKR USD CNY RMB EUR GBP AED SAR INR Phase Euro Level Tier Section Article Vision
        Grade Class Category Chapter Page Room Gate Block Sector Terminal Berth Route Covid
        COVID No Number Version Generation Series Form Figure Table Item""".split()
    )
)

#: Trim names that, after a known base model, make a variant ("SU7 Ultra").
TRIM_WORDS = frozenset(
    """Pro Max Ultra Plus Lite Standard Performance Premium Luxury Sport Elite""".split()
)


@dataclass(frozen=True)
class CompanyMention:
    """A company the article names: a known one (with its id) or a new one (``id`` None)."""

    id: int | None
    slug: str | None
    name: str
    new: bool
    matched: tuple[str, ...]
    count: int
    position: int
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class ModelMention:
    """A vehicle model or variant the article names, known (with its id) or new."""

    id: int | None
    slug: str | None
    name: str
    maker: str
    maker_id: int | None
    model: str
    variant: str
    new: bool
    matched: tuple[str, ...]
    count: int
    position: int
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class PersonMention:
    """A known person the article names."""

    id: int
    slug: str
    name: str
    matched: tuple[str, ...]
    count: int
    position: int
    spans: tuple[tuple[int, int], ...]
    new: bool = False


# --- Companies -------------------------------------------------------------------------------

_LEGAL_SUFFIX_RE = re.compile(
    r"(?:(?<=Co)\.)?,?[^\S\n]+(?:Co\.,?[^\S\n]+)?"
    r"(?:\((?:Pvt|Private)\.?\)[^\S\n]+|(?:Pvt|Private)\.?[^\S\n]+)?"
    r"(?:Limited|Ltd\.?|Inc\.?|Incorporated|PLC|Plc|LLC)(?!\w)"
)
_NEXT_WORD_RE = re.compile(r"[^\S\n]+([A-Z][A-Za-z]*)(?![\w-])")
_NAME_WORD = r"[A-Z][A-Za-z0-9&]*(?:-[A-Za-z0-9]+)*"
_NAME_RUN_RE = re.compile(
    rf"(?<![\w&-]){_NAME_WORD}(?:[^\S\n]+(?:(?:of|&)[^\S\n]+)?{_NAME_WORD})*(?![\w-])"
)
_TOKEN_RE = re.compile(r"\S+")


def _is_company_word(word):
    return word in COMPANY_TYPE_WORDS or word.rstrip(".") in LEGAL_FORM_WORDS


def _is_type_word(word):
    """Return whether ``word`` (as written after a known name) names a kind of company."""
    return word[:1].isupper() and (word in COMPANY_TYPE_WORDS or word.title() in COMPANY_TYPE_WORDS)


def _is_leading_noise(word):
    return (
        word in _LEADING_NOISE
        or word in TITLES
        or word in MONTH_WORDS
        or word in WEEKDAY_NAMES
        or word in {"of", "&"}
        # "Karachi-based", "state-owned": a description, not a name.
        or bool(re.search(r"-[a-z]", word))
    )


def _new_company_spans(text):
    """Yield (start, end) of capitalised names that end in a company word ("Tesla Industries",
    "Indus Motor Company Limited") and are followed by nothing or by a job title."""
    for run in _NAME_RUN_RE.finditer(text):
        tokens = [
            (token.group(), run.start() + token.start(), run.start() + token.end())
            for token in _TOKEN_RE.finditer(run.group())
        ]
        first = 0
        while first < len(tokens) and _is_leading_noise(tokens[first][0]):
            first += 1
        cue = first
        while cue < len(tokens) and not _is_company_word(tokens[cue][0]):
            cue += 1
        if cue == first or cue == len(tokens):
            continue  # no name before the company word, or no company word at all
        last = cue
        while last + 1 < len(tokens) and _is_company_word(tokens[last + 1][0]):
            last += 1
        # "Pakistan Auto Show" is an event; "Indus Motor Company CEO Ali" a company and a person.
        if last + 1 < len(tokens) and tokens[last + 1][0] not in TITLES:
            continue
        end = tokens[last][2]
        legal = _LEGAL_SUFFIX_RE.match(text, end)
        yield tokens[first][1], legal.end() if legal else end


# --- Vehicle models --------------------------------------------------------------------------

_BRAND_CODE_RE = re.compile(
    r"(?<![\w-])(?=(?P<brand>[A-Z][A-Za-z0-9-]*[A-Za-z0-9])[^\S\n]+"
    r"(?P<code>[A-Z0-9](?:[A-Za-z0-9-]|\.(?=\d))*)(?!\w)(?![.,]\d))"
)
_MEASURE_AFTER_RE = re.compile(
    r"[^\S\n]*(?:%|(?i:per\s?cent|percent|km|kwh|kw|hp|mph|units?|vehicles?|cars?|EVs?|"
    r"thousand|million|billion|lakhs?|crores?|seconds?)(?!\w))"
)
_VEHICLE_AFTER_RE = re.compile(
    r"[^\S\n]+(?i:deliver\w*|SUVs?|sedans?|hatchbacks?|crossovers?|pickups?|EVs?|electric|"
    r"cars?|coupes?|MPVs?|vans?)(?!\w)"
)
_CONTINUATION_RE = re.compile(
    r"(?:[^\S\n]*[,/&][^\S\n]*|[^\S\n]+(?:and|or)[^\S\n]+)"
    r"(?P<code>[A-Z0-9](?:[A-Za-z0-9-]|\.(?=\d))*)(?!\w)(?![.,]\d)"
)
_TRIM_AFTER_RE = re.compile(r"[^\S\n]+(?P<trim>[A-Z][a-z]+)(?!\w)")


def _code_kind(code):
    """Return how ``code`` looks as a model code ("mixed" S07, "version" 2.0, "number" 3,
    "letter" U), or None if it does not look like one."""
    if re.fullmatch(r"[QH][1-4]", code):
        return None  # a quarter or half year
    if re.fullmatch(r"[A-Z]{1,3}-?\d{1,4}[A-Za-z]{0,2}", code):
        return "mixed"
    if re.fullmatch(r"\d{1,2}\.\d{1,2}", code):
        return "version"
    if re.fullmatch(r"\d{1,3}", code):
        return "number"
    if re.fullmatch(r"[B-HJ-Z]", code):
        return "letter"
    return None


def _shape(token):
    """Return the outline of a token ("L07" → "A9", "2.0" → "9.9"), to tell whether "and S07"
    continues "Deepal L07" in kind."""
    if token in TRIM_WORDS:
        return "trim"
    return re.sub(r"[A-Za-z]+", "A", re.sub(r"\d+", "9", token))


@dataclass
class _ModelHit:
    start: int
    end: int
    text: str
    model: VehicleModel | None = None  # a known model
    brand_end: int = 0  # for a new model: where the brand ends and its code begins
    maker: Company | None = None
    maker_name: str = ""
    name: str = ""
    variant: str = ""

    def key(self):
        if self.model is not None:
            return ("known", self.model.pk)
        maker = self.maker.pk if self.maker else self.maker_name.lower()
        return ("new", maker, self.name.lower(), self.variant.lower())

    def fields(self):
        if self.model is not None:
            maker = self.model.maker
            return {
                "id": self.model.pk,
                "slug": self.model.slug,
                "name": str(self.model),
                "maker": maker.name,
                "maker_id": maker.pk,
                "model": self.model.name,
                "variant": self.model.variant,
                "new": False,
            }
        maker_name = self.maker.name if self.maker else self.maker_name
        return {
            "id": None,
            "slug": None,
            "name": " ".join(f"{maker_name} {self.name} {self.variant}".split()),
            "maker": maker_name,
            "maker_id": self.maker.pk if self.maker else None,
            "model": self.name,
            "variant": self.variant,
            "new": True,
        }


# A name that a price follows: "its GuGo GiGi at PKR 4.66 million", "BYD's Seagull costs Rs 5m".
_PRICED_NAME_RE = re.compile(
    r"(?<![\w-])(?:(?i:its|the|new|their)|(?P<owner>[A-Z][A-Za-z]*)['’]s)[^\S\n]+"
    r"(?P<name>[A-Z][A-Za-z0-9-]*(?:[^\S\n]+[A-Z0-9][A-Za-z0-9-]*){0,2})[^\S\n]+"
    r"(?=(?:(?:is|was|will|now)[^\S\n]+)*(?:priced[^\S\n]+(?:at|from)|sells?[^\S\n]+for|"
    r"sold[^\S\n]+for|retails?[^\S\n]+(?:at|for)|costs?|starts?[^\S\n]+(?:at|from)|at|for)"
    r"[^\S\n]+(?:(?:around|about|roughly|approximately|nearly|just|under|over)[^\S\n]+)?"
    rf"(?:{CURRENCY_PREFIX})?[^\S\n]?\d)"
)
# Capitalised words that a price may follow without naming a model ("the EV at PKR 9m").
_NOT_MODEL_WORDS = frozenset(
    {"EV", "EVs", "SUV", "SUVs", "BEV", "PHEV", "HEV", "NEV", "CKD", "CBU", "SKD", "Rs", "PKR"}
)


# --- The known names, compiled for matching ---------------------------------------------------


class KnownNames:
    """The known companies, vehicle models and people, compiled once for matching many texts."""

    def __init__(self, companies, models, people):
        companies, models, people = list(companies), list(models), list(people)
        prefetch_related_objects(companies, "aliases")
        prefetch_related_objects(models, "maker__aliases", "aliases")

        self._companies = Matcher(
            (spelling, company)
            for company in companies
            for spelling in (company.name, *(alias.name for alias in company.aliases.all()))
        )
        self._people = Matcher((person.name, person) for person in people)

        model_spellings = []
        for model in models:
            # A maker-less name of two letters ("VE", "HS") is too short to trust alone.
            if len(model.model_name) > 2:
                model_spellings.append((model.model_name, model))
            makers = (model.maker.name, *(alias.name for alias in model.maker.aliases.all()))
            model_spellings += [(f"{maker} {model.model_name}", model) for maker in makers]
            model_spellings += [(alias.name, model) for alias in model.aliases.all()]
        self._models = Matcher(model_spellings)

        # Single words that, before a model code, say whose model it is.
        self._brand_companies = {}
        for company in companies:
            for spelling in (company.name, *(alias.name for alias in company.aliases.all())):
                if len(spelling.split()) == 1:
                    self._brand_companies.setdefault(spelling.lower(), company)
        self._model_names = {}  # "seal" → the BYD Seal: "Seal U" is a variant of it
        self._model_first_words = {}  # "model" → Tesla: "Model Y" is another Tesla model
        for model in sorted(models, key=lambda model: model.variant != ""):
            words = model.name.split()
            if len(words) == 1:
                self._model_names.setdefault(model.name.lower(), model)
            else:
                makers = self._model_first_words.setdefault(words[0].lower(), set())
                makers.add(model.maker)
        self._model_first_words = {
            word: makers.pop()
            for word, makers in self._model_first_words.items()
            if len(makers) == 1
        }

    @classmethod
    def load(cls, companies=None, models=None, people=None):
        """Return the names of the given records, loading from the database those not given."""
        if companies is None:
            companies = Company.objects.prefetch_related("aliases")
        if models is None:
            models = VehicleModel.objects.select_related("maker").prefetch_related(
                "aliases", "maker__aliases"
            )
        if people is None:
            people = Person.objects.all()
        return cls(companies, models, people)

    def find_companies(self, text):
        """Return the known companies ``text`` names, and the new ones it clearly names."""
        hits, claimed = [], []
        for start, end, matched, company in self._companies.finditer(text):
            legal = _LEGAL_SUFFIX_RE.match(text, end)
            following = _NEXT_WORD_RE.match(text, end)
            if legal:
                end, matched = legal.end(), text[start : legal.end()]
            elif following and _is_type_word(following.group(1)):
                continue  # "Tesla Industries" is another company than Tesla
            claimed.append((start, end))
            fields = {"id": company.pk, "slug": company.slug, "name": company.name, "new": False}
            hits.append(Hit(start, end, matched, ("known", company.pk), fields))
        for start, end in _new_company_spans(text):
            if overlaps(start, end, claimed):
                continue
            matched = text[start:end]
            name = " ".join(matched.split())
            fields = {"id": None, "slug": None, "name": name, "new": True}
            hits.append(Hit(start, end, matched, ("new", name.lower()), fields))
        return tally(hits, CompanyMention)

    def find_people(self, text):
        """Return the known people ``text`` names."""
        hits = [
            Hit(
                start,
                end,
                matched,
                ("known", person.pk),
                {"id": person.pk, "slug": person.slug, "name": person.name},
            )
            for start, end, matched, person in self._people.finditer(text)
        ]
        return tally(hits, PersonMention)

    def find_models(self, text):
        """Return the vehicle models ``text`` names: known ones by name and variant, with or
        without their maker, and new ones (a brand followed by a model code)."""
        known = [
            _ModelHit(start, end, matched, model=model)
            for start, end, matched, model in self._models.finditer(text)
        ]
        candidates = self._trim_candidates(text, known) + self._code_candidates(text)
        candidates += self._priced_candidates(text)
        kept_new = []
        for candidate in sorted(candidates, key=lambda hit: (hit.start, -hit.end)):
            overlapping = [
                hit for hit in known if hit.start < candidate.end and candidate.start < hit.end
            ]
            if any(hit.end > candidate.brand_end for hit in overlapping):
                continue  # the code itself is part of a known name ("Honri 2.0", "Deepal S07")
            if overlaps(candidate.start, candidate.end, [(h.start, h.end) for h in kept_new]):
                continue
            # "Seal U" is not the Seal, nor "BYD Seal U" the BYD Seal: the new model wins.
            for hit in overlapping:
                known.remove(hit)
                if hit.start < candidate.start:
                    candidate.start, candidate.text = hit.start, text[hit.start : candidate.end]
            kept_new.append(candidate)
        hits = known + kept_new
        spans = [(hit.start, hit.end) for hit in hits]
        hits += [
            extra
            for hit in list(hits)
            for extra in self._continuations(text, hit)
            if not overlaps(extra.start, extra.end, spans)
        ]
        return tally(
            [Hit(hit.start, hit.end, hit.text, hit.key(), hit.fields()) for hit in hits],
            ModelMention,
        )

    def _trim_candidates(self, text, known):
        """Return new variants named by a trim after a known base model ("SU7 Ultra")."""
        candidates = []
        for hit in known:
            trim = _TRIM_AFTER_RE.match(text, hit.end)
            if hit.model.variant or not trim or trim["trim"] not in TRIM_WORDS:
                continue
            if self._models.lookup(f"{hit.text} {trim['trim']}") is not None:
                continue
            candidates.append(
                _ModelHit(
                    hit.start,
                    trim.end(),
                    text[hit.start : trim.end()],
                    brand_end=hit.end,
                    maker=hit.model.maker,
                    name=hit.model.name,
                    variant=trim["trim"],
                )
            )
        return candidates

    def _code_candidates(self, text):
        """Return new models named as a brand followed by a model code ("Deepal S05",
        "Leapmotor C10")."""
        candidates = []
        for match in _BRAND_CODE_RE.finditer(text):
            brand, code = match["brand"], match["code"]
            kind = _code_kind(code)
            if kind is None or brand in _NOT_BRANDS:
                continue
            if kind in {"number", "version"} and _MEASURE_AFTER_RE.match(text, match.end(2)):
                continue  # "BYD 300 units" counts cars; it names no model
            start, brand_end, end = match.start(1), match.end(1), match.end(2)
            found = {"start": start, "end": end, "text": text[start:end], "brand_end": brand_end}
            if model := self._model_names.get(brand.lower()):
                found |= {"maker": model.maker, "name": model.name, "variant": code}
            elif maker := self._model_first_words.get(brand.lower()):
                found |= {"maker": maker, "name": f"{brand} {code}"}
            elif maker := self._brand_companies.get(brand.lower()):
                found |= {"maker": maker, "name": code}
            elif (
                brand.isalpha()
                and len(brand) > 2
                and (kind == "mixed" or _VEHICLE_AFTER_RE.match(text, match.end(2)))
            ):  # "Leapmotor C10"; "Zeekr X deliveries", not "Plan B"
                found |= {"maker_name": brand, "name": code}
            else:
                continue
            candidates.append(_ModelHit(**found))
        return candidates

    def _priced_candidates(self, text):
        """Return new models named as a capitalised name that a price follows ("its GuGo GiGi
        at PKR 4.66 million", "the Seagull costs Rs 5m"): the first word is the maker when it is
        a known brand or when the name has more than one word."""
        candidates = []
        for match in _PRICED_NAME_RE.finditer(text):
            words = match["name"].split()
            if any(word in _NOT_MODEL_WORDS or word in MONTH_WORDS for word in words):
                continue
            if lookup_place(match["name"]) or words[0] in _NOT_BRANDS:
                continue
            start, end = match.span("name")
            found = {"start": start, "end": end, "text": match["name"], "brand_end": start}
            brand = self._brand_companies.get(words[0].lower())
            if brand and len(words) == 1:
                continue  # "the BYD at PKR 9 million" names a maker, not a model
            if brand:
                found |= {"maker": brand, "name": " ".join(words[1:])}
            elif owner := self._brand_companies.get((match["owner"] or "").lower()):
                found |= {"maker": owner, "name": match["name"]}
            elif len(words) > 1:
                found |= {"maker_name": words[0], "name": " ".join(words[1:])}
            else:
                found |= {"name": match["name"]}
            candidates.append(_ModelHit(**found))
        return candidates

    def _continuations(self, text, hit):
        """Return the models named by "and 3.0" after "Honri 2.0": the same model name with
        another variant (known, or new when it looks like one)."""
        prefix, _space, last = hit.text.rpartition(" ")
        if not prefix or not (last in TRIM_WORDS or _code_kind(last)):
            return []
        found, end = [], hit.end
        while match := _CONTINUATION_RE.match(text, end):
            code = match["code"]
            if not (code in TRIM_WORDS or _code_kind(code)) or _shape(code) != _shape(last):
                break  # "Seal U and BYD Atto 2": BYD is not another Seal
            start, end = match.start("code"), match.end("code")
            model = self._models.lookup(f"{prefix} {code}")
            if model is not None:
                found.append(_ModelHit(start, end, code, model=model))
            elif hit.model is not None:
                if not hit.model.variant:
                    break  # "Model 3 and 5": too little to name a new model by
                maker = hit.model.maker
                found.append(
                    _ModelHit(start, end, code, maker=maker, name=hit.model.name, variant=code)
                )
            elif hit.variant:  # "Deepal S05 and S09": two new variants
                found.append(replace(hit, start=start, end=end, text=code, variant=code))
            else:  # "Xiaomi YU7 and YU9", "Model Y and X": the last word of the name changes
                name = " ".join([*hit.name.split()[:-1], code])
                found.append(replace(hit, start=start, end=end, text=code, name=name))
        return found
