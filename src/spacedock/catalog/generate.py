"""Synthetic spacecraft for benchmarks (`spacedock generate --spacecraft N [--seed S]`).

Why: the real LL2 data at hand is a few dozen spacecraft, too few to measure how the API behaves with
LL2's volume or far beyond it. This adds N made-up spacecraft, with their flights, launches and
docking events, shaped like the real rows in the database: names from the real configurations' names
plus serials, configurations, statuses, images and description lengths with the real spread,
flights with a long tail, launch nets from 1961 to today, and a few spacecraft still in space or
waiting for launch, so the live figures have every case to compute.

The generated rows stay apart from LL2's: spacecraft, flights and docking events have ids from
1,000,000 (LL2's are far below), launch ids start with `5eedda7a-`. A run first deletes the rows a
previous run generated, then writes, all in one transaction. The rows depend only on the seed, the
reference data and the day: dates are laid out around today's midnight UTC by the catalogue clock,
which `SPACEDOCK_NOW` pins.
"""
from __future__ import annotations

import bisect
import datetime as dt
import random
import re
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import connection, transaction

from . import clock, figures
from .models import (
    DockingEvent,
    DockingLocation,
    Launch,
    Spacecraft,
    SpacecraftConfiguration,
    SpacecraftFlight,
    SpacecraftStatus,
)

FIRST_ID = 1_000_000  # generated spacecraft, flights and docking events; LL2's ids are far below
MAX_SPACECRAFT = 5_000_000
LAUNCH_MARK = 0x5EEDDA7A  # the first 8 hex digits of every generated launch id
LAUNCH_PREFIX = f"{LAUNCH_MARK:08x}-"
BATCH_SIZE = 2000  # rows per INSERT (the backend may cap it: SQLite allows 999 parameters per query)
CHUNK = 5000  # spacecraft generated and written at a time, so memory stays flat for millions

UTC = dt.UTC
UNIX = dt.datetime(1970, 1, 1, tzinfo=UTC)
MINUTE, HOUR, DAY = 60, 3600, 86400
YEAR = 365 * DAY
FIRST_NET = int((dt.datetime(1961, 4, 12, 6, 7, tzinfo=UTC) - UNIX).total_seconds())  # Vostok 1

# Shapes of the made-up history (the real data has too few ended flights to measure them from).
NO_FLIGHT = 0.05  # spacecraft never launched
REFLOWN = 0.5  # of reusable spacecraft, those flown more than once; each further flight then has
MORE_FLIGHTS = 0.8  # this chance of yet another, up to
MAX_FLIGHTS = 30
IN_SPACE = 0.0003  # spacecraft whose last flight is still on (at least one per run)
FUTURE = 0.0001  # spacecraft whose last flight is still to come (at least one per run)
MISSION = (10 * MINUTE, 400 * DAY)  # log-uniform mission duration
TURNAROUND = (7 * DAY, 3 * YEAR)  # log-uniform time between a mission end and the next launch
DOCKABLE = 12 * HOUR  # the shortest mission that docks
DOCKS = 0.82  # chance that a mission long enough, with a station up at the time, docks: about half of all flights

PAST_STATUS = {"id": 3, "name": "Launch Successful", "abbrev": "Success",
               "description": "The launch vehicle successfully inserted its payload(s) into the target orbit(s)."}
FUTURE_STATUS = {"id": 2, "name": "To Be Determined", "abbrev": "TBD",
                 "description": "Current T-0 estimate is not yet confirmed."}
NET_PRECISION = {"id": 0, "name": "Second", "abbrev": "SEC", "description": "The T-0 is accurate to the second."}

SENTENCES = (
    "It was built by {agency} and flew as part of the {config} programme.",
    "Serial {serial} was assembled, tested and shipped to the launch site for integration with its rocket.",
    "After separation from the upper stage it deployed its solar arrays and began a series of orbit-raising burns.",
    "Its pressurised compartment carried crew supplies, scientific experiments and spare parts.",
    "Mission control tracked every phase of the flight, from launch through rendezvous to the end of the mission.",
    "The spacecraft performed an automated rendezvous before docking, with the crew ready to take over manually.",
    "During its mission it supported a programme of Earth observation, biology and materials science experiments.",
    "At the end of its mission it undocked, performed a deorbit burn and re-entered over the Pacific Ocean.",
    "Engineers inspected the vehicle after its return and reused several of its systems on later flights.",
    "The flight tested upgraded avionics, a new docking system and improved thermal protection.",
)

_SLUG_DROP = re.compile(r"[^\w\s-]")
_SLUG_DASH = re.compile(r"[-\s]+")
_LAST_NUMBER = re.compile(r"\d+(?=\D*$)")  # the last run of digits


class NoReferenceData(Exception):
    """The database lacks the real LL2 data the synthetic rows are shaped after and point to."""


@dataclass
class Summary:
    spacecraft: int
    flights: int
    launches: int
    dockings: int
    removed: int
    seconds: float
    seed: int

    def __str__(self):
        return (f"generated {self.spacecraft} spacecraft, {self.flights} spacecraft flights, {self.launches} launches "
                f"and {self.dockings} docking events (seed {self.seed}; {self.removed} previously generated spacecraft "
                f"replaced) in {self.seconds:.1f} s")


# --- small helpers --------------------------------------------------------------------------------------
def _at(seconds: int) -> dt.datetime:
    return UNIX + dt.timedelta(seconds=seconds)


def _text(seconds: int) -> str:
    return _at(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


def _slug(text: str) -> str:
    """As Django's slugify (which LL2's slugs are), for ASCII names."""
    return _SLUG_DASH.sub("-", _SLUG_DROP.sub("", text.lower())).strip("-_")


def _template(text: str) -> str:
    """`text` with its last number as the `{}` of a format string."""
    escaped = text.replace("{", "{{").replace("}", "}}")
    return _LAST_NUMBER.sub("{}", escaped, count=1)


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return low * (high / low) ** rng.random()


def _weighted(items):
    """(values, cumulative weights) for `rng.choices`, from a Counter or a list of (value, weight)."""
    pairs = list(items.items()) if isinstance(items, Counter) else list(items)
    values, cumulative, total = [], [], 0.0
    for value, weight in pairs:
        total += weight
        values.append(value)
        cumulative.append(total)
    return values, cumulative


def _pick(rng, weighted):
    values, cumulative = weighted
    return rng.choices(values, cum_weights=cumulative)[0] if len(values) > 1 else values[0]


def _date_seconds(value) -> int | None:
    """A station's `founded`/`deorbited` ("1998-11-20") as seconds since 1970, or None."""
    if not isinstance(value, str):
        return None
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
    return int((dt.datetime(day.year, day.month, day.day, tzinfo=UTC) - UNIX).total_seconds())


# --- what the real data says ----------------------------------------------------------------------------
@dataclass
class ConfigShape:
    id: int
    name: str
    agency: str
    earliest: int  # its maiden flight (or 1961), in seconds since 1970: its spacecraft fly no earlier
    base: str  # its name without a version number ("Crew Dragon")
    names: tuple  # weighted (name template, serial template) pairs of its real spacecraft: ("Progress MS-{}",
    # "MS-21 (No.{})"); None for a name without a number ("Crew Dragon Freedom") or for no serial
    statuses: tuple  # weighted (status id, single use)
    images: tuple  # weighted image ids (None: no image)
    rockets: tuple  # weighted rocket names for launch names


class Reference:
    """Distributions taken from the real (non-generated) rows in the database."""

    def __init__(self, reference_moment: int):
        self.now = reference_moment
        configs = list(SpacecraftConfiguration.objects.order_by("id")
                       .values("id", "name", "maiden_flight", "image_id", "agency_id", "agency__name", "in_use"))
        if not configs:
            raise NoReferenceData("no spacecraft configurations in the database: import the LL2 data first "
                                  "(spacedock serve loads the bundled data into an empty database)")
        statuses = dict(SpacecraftStatus.objects.order_by("id").values_list("id", "name"))
        if not statuses:
            raise NoReferenceData("no spacecraft statuses in the database: import the LL2 data first "
                                  "(spacedock serve loads the bundled data into an empty database)")
        single_use = {pk for pk, name in statuses.items() if "single" in name.lower()}
        real = list(Spacecraft.objects.filter(id__lt=FIRST_ID).order_by("id").values_list(
            "spacecraft_config_id", "name", "serial_number", "status_id", "image_id", "description", "is_placeholder"))

        by_config = defaultdict(list)
        for row in real:
            by_config[row[0]].append(row)
        all_statuses = Counter(row[3] for row in real) or Counter(dict.fromkeys(statuses, 1))
        self.placeholder = sum(1 for row in real if row[6]) / len(real) if real else 0.0
        lengths = [len(row[5]) for row in real]
        self.lengths = lengths or [150]

        rockets_by_config, rockets_by_agency = self._rockets()
        agency_of = {c["id"]: c["agency_id"] for c in configs}
        self.configs = []
        weights = []
        for c in configs:
            rows = by_config.get(c["id"], [])
            earliest = FIRST_NET
            if c["maiden_flight"] is not None:
                maiden = c["maiden_flight"]
                earliest = max(FIRST_NET, int((dt.datetime(maiden.year, maiden.month, maiden.day, tzinfo=UTC)
                                               - UNIX).total_seconds()))
            # Real names and serials with their last number replaced: "Progress MS-21" -> "Progress MS-{}".
            names = Counter(
                (_template(name) if _LAST_NUMBER.search(name) else None,
                 (_template(serial) if _LAST_NUMBER.search(serial) else _template(serial + " 0")) if serial else None)
                for _, name, serial, *_ in rows
            ) or Counter({(None, None): 1})
            config_statuses = Counter(r[3] for r in rows) or all_statuses
            images = Counter(r[4] for r in rows) or Counter({c["image_id"]: 1})
            rockets = rockets_by_config.get(c["id"]) or rockets_by_agency.get(agency_of[c["id"]]) \
                or Counter({"Unknown": 1})
            self.configs.append(ConfigShape(
                id=c["id"], name=c["name"], agency=c["agency__name"], earliest=earliest,
                base=re.sub(r"\s+\d+$", "", c["name"]).strip() or c["name"],
                names=_weighted(sorted(names.items(), key=repr)),
                statuses=_weighted(sorted(((pk, pk in single_use), n) for pk, n in config_statuses.items())),
                images=_weighted(sorted(images.items(), key=lambda item: (item[0] is None, item[0] or 0))),
                rockets=_weighted(sorted(rockets.items())),
            ))
            # The real spread, plus a little for configurations with no real spacecraft so that each appears.
            weights.append(len(rows) + 0.2)
        self.config_choice = _weighted(zip(self.configs, weights))
        # A spacecraft in space now, or about to launch, is of a configuration still in use.
        in_use = [(shape, w) for shape, w, c in zip(self.configs, weights, configs) if c["in_use"]]
        self.in_use_choice = _weighted(in_use) if in_use else self.config_choice
        self._launch_constants()
        self._stations()

    @staticmethod
    def _rockets():
        """Rocket names ("Soyuz 2.1a") of the real launches, per configuration and per agency."""
        by_config, by_agency = defaultdict(Counter), defaultdict(Counter)
        rows = SpacecraftFlight.objects.filter(id__lt=FIRST_ID).exclude(launch__id__startswith=LAUNCH_PREFIX) \
            .order_by("id").values_list("spacecraft__spacecraft_config_id",
                                        "spacecraft__spacecraft_config__agency_id", "launch__document")
        for config_id, agency_id, document in rows:
            name = (document or {}).get("name") or ""
            if " | " in name:
                rocket = name.split(" | ", 1)[0]
                by_config[config_id][rocket] += 1
                by_agency[agency_id][rocket] += 1
        return by_config, by_agency

    def _launch_constants(self):
        """A launch's status and net precision as the real launches show them (LL2's values otherwise)."""
        statuses, precisions = Counter(), Counter()
        seen = {}
        for document, net in Launch.objects.exclude(id__startswith=LAUNCH_PREFIX).order_by("id") \
                .values_list("document", "net"):
            if not isinstance(document, dict):
                continue
            status, precision = document.get("status"), document.get("net_precision")
            if isinstance(status, dict) and net.timestamp() <= self.now:
                statuses[repr(status)] += 1
                seen[repr(status)] = status
            if isinstance(precision, dict):
                precisions[repr(precision)] += 1
                seen[repr(precision)] = precision
        self.past_status = seen[statuses.most_common(1)[0][0]] if statuses else PAST_STATUS
        self.net_precision = seen[precisions.most_common(1)[0][0]] if precisions else NET_PRECISION
        self.future_status = FUTURE_STATUS

    def _stations(self):
        """Docking locations by era: those at a station that was up at a given moment."""
        locations = []
        for pk, station_id, station_name, document in DockingLocation.objects.filter(spacestation__isnull=False) \
                .order_by("id").values_list("id", "spacestation_id", "spacestation__name", "spacestation__document"):
            document = document if isinstance(document, dict) else {}
            founded = _date_seconds(document.get("founded"))
            deorbited = _date_seconds(document.get("deorbited"))
            locations.append((pk, station_id, station_name, founded, deorbited))
        self.any_location = bool(locations)
        self.era_bounds = sorted({t for loc in locations for t in loc[3:5] if t is not None})
        self.eras = []
        for i in range(len(self.era_bounds) + 1):
            t = self.era_bounds[i - 1] if i else None
            self.eras.append([loc[:3] for loc in locations
                              if (loc[3] is None or (t is not None and loc[3] <= t))
                              and (loc[4] is None or (t is not None and loc[4] > t))])

    def locations_at(self, moment: int):
        return self.eras[bisect.bisect_right(self.era_bounds, moment)]


# --- the generator --------------------------------------------------------------------------------------
def remove_generated() -> int:
    """Delete what earlier runs generated; returns how many spacecraft that was."""
    quote = connection.ops.quote_name
    flights, spacecraft, launches = (quote(model._meta.db_table) for model in (SpacecraftFlight, Spacecraft, Launch))
    DockingEvent.objects.filter(flight_vehicle_target_id__gte=FIRST_ID).exclude(id__gte=FIRST_ID) \
        .update(flight_vehicle_target=None)
    DockingEvent.objects.filter(id__gte=FIRST_ID).delete()
    DockingEvent.objects.filter(flight_vehicle_chaser_id__gte=FIRST_ID).delete()
    with connection.cursor() as cursor:
        # Plain DELETEs: Django's cascade would first load every row it deletes.
        cursor.execute(f"DELETE FROM {flights} WHERE id >= %s OR spacecraft_id >= %s", [FIRST_ID, FIRST_ID])
        cursor.execute(f"DELETE FROM {spacecraft} WHERE id >= %s", [FIRST_ID])
        removed = cursor.rowcount
        cursor.execute(f"DELETE FROM {launches} WHERE id LIKE %s AND NOT EXISTS "
                       f"(SELECT 1 FROM {flights} WHERE {flights}.launch_id = {launches}.id)", [LAUNCH_PREFIX + "%"])
    return max(removed, 0)


def reference_moment() -> int:
    """Today's midnight UTC by the catalogue clock, in seconds since 1970: generated dates are laid
    out around it, so a run is the same all day (and wherever SPACEDOCK_NOW pins the clock)."""
    now = clock.now()
    return int((dt.datetime(now.year, now.month, now.day, tzinfo=UTC) - UNIX).total_seconds())


def generate(count: int, seed: int = 1) -> Summary:
    """Replace previously generated rows with `count` new spacecraft and their history, in one transaction."""
    if not 1 <= count <= MAX_SPACECRAFT:
        raise ValueError(f"count must be from 1 to {MAX_SPACECRAFT}")
    started = time.monotonic()
    with transaction.atomic():
        reference = Reference(reference_moment())
        removed = remove_generated()
        builder = _Builder(reference, seed, count)
        totals = Counter()
        for start in range(0, count, CHUNK):
            rows = builder.build(start, min(count, start + CHUNK))
            for model in (Spacecraft, Launch, SpacecraftFlight, DockingEvent):
                model.objects.bulk_create(rows[model], batch_size=BATCH_SIZE)
                totals[model] += len(rows[model])
        figures.analyze_tables()  # the planner's row counts, else it plans for the empty tables it last saw
    return Summary(spacecraft=totals[Spacecraft], flights=totals[SpacecraftFlight], launches=totals[Launch],
                   dockings=totals[DockingEvent], removed=removed, seconds=time.monotonic() - started, seed=seed)


ENDED, ON, TO_COME = "ended", "on", "to come"


class _Builder:
    """Rows of the generated spacecraft, chunk by chunk, from one seeded random stream.

    Each spacecraft's stored figures and its flights' turnarounds are settled as it is built, by the
    very functions `figures.refresh()` runs on the rows it reads back: calling `refresh()` on 100,000
    fresh spacecraft took 150 s (its bulk_update) of a 200 s run, for the same values.
    """

    def __init__(self, reference: Reference, seed: int, count: int):
        self.ref = reference
        self.now = clock.now()  # what refresh() would settle the figures at
        self.rng = random.Random(f"spacedock generate {seed}")  # a string: an int seed would ignore its sign
        self.launch_stem = (LAUNCH_MARK << 96) | (random.Random(f"launch {seed}").getrandbits(32) << 64)
        self.numbers = Counter()  # per name template, the last number given
        self.flight_id = self.docking_id = FIRST_ID
        self.launch_no = 0
        in_space = max(1, round(count * IN_SPACE))
        special = self.rng.sample(range(count), min(count, in_space + max(1, round(count * FUTURE))))
        self.last_flight = {i: ON for i in special[:in_space]} | {i: TO_COME for i in special[in_space:]}

    def build(self, start: int, stop: int) -> dict:
        rows = {Spacecraft: [], Launch: [], SpacecraftFlight: [], DockingEvent: []}
        for index in range(start, stop):
            self._spacecraft(index, rows)
        return rows

    def _spacecraft(self, index: int, rows: dict) -> None:
        rng, ref = self.rng, self.ref
        last = self.last_flight.get(index, ENDED)
        config = _pick(rng, ref.config_choice if last == ENDED else ref.in_use_choice)
        status_id, single_use = _pick(rng, config.statuses)
        name_template, serial_template = _pick(rng, config.names)
        numbered = name_template or config.base
        self.numbers[numbered] += 1
        number = 1000 + self.numbers[numbered]
        serial = serial_template.format(number) if serial_template else None
        if name_template:  # "Soyuz MS-1234"
            name = name_template.format(number)
        else:  # "Crew Dragon C1234", or with no serial "Orion 1234"
            name = f"{config.base} {serial or number}"
        name = name[:255]
        pk = FIRST_ID + index
        spacecraft = Spacecraft(
            id=pk, name=name, serial_number=serial, is_placeholder=rng.random() < ref.placeholder,
            image_id=_pick(rng, config.images), status_id=status_id,
            description=self._description(name, config, serial or str(number)), spacecraft_config_id=config.id,
        )
        rows[Spacecraft].append(spacecraft)

        flights = 0 if last == ENDED and rng.random() < NO_FLIGHT else 1
        if flights and not single_use and rng.random() < REFLOWN:
            flights = 2
            while flights < MAX_FLIGHTS and rng.random() < MORE_FLIGHTS:
                flights += 1
        own, dockings = [], []
        if flights:
            rocket = _pick(rng, config.rockets)
            previous_end = None
            for k, (net, end) in enumerate(self._timeline(flights, last, config.earliest), start=1):
                own.append(self._flight(pk, name, rocket, k, net, end, previous_end, rows, dockings))
                previous_end = end
        else:  # never flown: LL2 shows zeros, not nulls; with no flight stored these are the figures
            spacecraft.reported_in_space = False
            spacecraft.reported_time_in_space = spacecraft.reported_time_docked = dt.timedelta(0)
            spacecraft.reported_flights_count = spacecraft.reported_mission_ends_count = 0
        figures.settle(spacecraft, own, dockings, figures.flight_turnarounds(own), self.now)

    def _description(self, name: str, config: ConfigShape, serial: str) -> str:
        """As long as a real spacecraft's description, chosen at random."""
        rng = self.rng
        length = rng.choice(self.ref.lengths)
        if length == 0:
            return ""
        parts = [f"{name} is a {config.name} spacecraft."]
        size, k = len(parts[0]), rng.randrange(len(SENTENCES))
        while size < length:
            sentence = SENTENCES[k % len(SENTENCES)].format(agency=config.agency, config=config.name, serial=serial)
            parts.append(sentence)
            size += len(sentence) + 1
            k += 1
        return " ".join(parts)

    def _timeline(self, flights: int, last: str, earliest: int):
        """(net, mission end) of each flight, oldest first, in whole seconds since 1970. The last flight's
        end is None when it is still on or still to come; every other flight has ended by today."""
        rng, now = self.rng, self.ref.now
        ended = flights if last == ENDED else flights - 1
        durations = [round(_log_uniform(rng, *MISSION)) for _ in range(ended)]
        gaps = [round(_log_uniform(rng, *TURNAROUND)) for _ in range(max(0, ended - 1))]
        span = sum(durations) + sum(gaps)
        last_net = None
        if last == ENDED:  # the history ends at a random moment between the first possible and today
            latest = now - HOUR
            low = earliest if earliest + span <= latest else FIRST_NET
            end_of_ended = round(rng.uniform(low + span, latest)) if low + span <= latest else latest
        elif last == ON:
            last_net = now - round(_log_uniform(rng, HOUR, 300 * DAY))
            end_of_ended = last_net - round(_log_uniform(rng, *TURNAROUND))
        else:
            last_net = now + round(rng.uniform(2 * DAY, 700 * DAY))
            end_of_ended = now - round(_log_uniform(rng, DAY, YEAR))
        if span and end_of_ended - span < FIRST_NET:  # a long history squeezed into the space age
            scale = (end_of_ended - FIRST_NET) / span * 0.99
            durations = [max(MINUTE, round(d * scale)) for d in durations]
            gaps = [max(DAY, round(g * scale)) for g in gaps]
        out = []
        t = end_of_ended
        for i in range(ended - 1, -1, -1):
            out.append((t - durations[i], t))
            if i:
                t -= durations[i] + gaps[i - 1]
        out.reverse()
        if last_net is not None:
            out.append((last_net, None))
        return out

    def _flight(self, spacecraft_id, name, rocket, k, net, end, previous_end, rows, dockings):
        """The flight's launch, the flight, and maybe a docking; returns the flight as `figures` reads it."""
        rng, ref = self.rng, self.ref
        self.launch_no += 1
        launch_id = str(uuid.UUID(int=self.launch_stem | self.launch_no, version=4))
        launch_name = f"{rocket} | {name}" if k == 1 else f"{rocket} | {name} flight {k}"
        net_text = _text(net)
        past = net <= ref.now
        net_at = _at(net)
        rows[Launch].append(Launch(id=launch_id, net=net_at, document={
            "id": launch_id,
            "url": f"https://ll.thespacedevs.com/2.3.0/launches/{launch_id}/",
            "name": launch_name,
            "response_mode": "normal",
            "slug": _slug(launch_name),
            "launch_designator": None,
            "status": ref.past_status if past else ref.future_status,
            "last_updated": _text(min(ref.now, net + 30 * DAY)),
            "net": net_text,
            "net_precision": ref.net_precision,
            "window_end": net_text,
            "window_start": net_text,
            "image": None,
            "infographic": None,
            "probability": None,
            "weather_concerns": None,
            "failreason": "",
            "hashtag": None,
            "webcast_live": False,
        }))

        # Docking: a few hours to days after launch, at a station up at the time; departure a little
        # before the mission ends, or none while the flight is on.
        docking = None
        duration = (end - net) if end is not None else max(0, ref.now - net)
        if duration >= DOCKABLE and rng.random() < DOCKS:
            docked = net + round(_log_uniform(rng, 2 * HOUR, min(3 * DAY, duration / 3)))
            locations = ref.locations_at(docked) if ref.any_location else [(None, None, None)]
            if locations:
                docking = (docked, locations[rng.randrange(len(locations))])
        flight_id = self.flight_id
        self.flight_id += 1
        end_at = _at(end) if end is not None else None
        turnaround = dt.timedelta(seconds=net - previous_end) if previous_end is not None else None
        rows[SpacecraftFlight].append(SpacecraftFlight(
            id=flight_id, spacecraft_id=spacecraft_id, launch_id=launch_id, mission_end=end_at,
            destination=docking[1][2] if docking else None, landing=None, launch_crew=[], onboard_crew=[],
            landing_crew=[], turn_around_time=turnaround,
        ))
        if docking is not None:
            docked, (location_id, station_id, _) = docking
            departure = None
            if end is not None:
                departure = end - round(_log_uniform(rng, HOUR, max(1.01 * HOUR, (end - docked) / 3)))
            docked_at, departure_at = _at(docked), _at(departure) if departure is not None else None
            rows[DockingEvent].append(DockingEvent(
                id=self.docking_id, docking=docked_at, departure=departure_at, docking_location_id=location_id,
                flight_vehicle_chaser_id=flight_id, space_station_target_id=station_id,
            ))
            self.docking_id += 1
            dockings.append((docked_at, departure_at))
        return flight_id, net_at, end_at, turnaround
