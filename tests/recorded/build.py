"""Rebuild tests/recorded/ from the real LL2 captures bundled in data/ (run from the project root:
`python tests/recorded/build.py`).

Each file is the one LL2 2.3.0 page (`limit=100`, so `next` and `previous` are null) of one endpoint
that `spacedock sync` walks, records ordered by id, every record as LL2 sent it somewhere in data/:

- agencies: every agency embedded in the configurations, spacecraft and stations (the copy with most
  keys);
- spacecraft_configuration_families: every family of the detailed configurations;
- spacecraft_configurations: the 46 detailed configurations;
- spacecraft: the 20 spacecraft of the two spacecraft pages and the 8 docked to the stations;
- spacecraft_flights: the flights of those 8 (LL2's short flight form inside a docking event);
- docking_events: their 8 docking events, re-nested as `/docking_events/` shows them: the enclosing
  docking location (`id`, `name`, `spacestation`) and station (`space_station_target`) that the station
  capture gives by position are written into the event; keys the capture does not show are left out;
- space_stations: the 15 detailed stations as captured;
- expeditions: the stations' active expeditions (`ExpeditionMini`) with their station (`spacestation`,
  its normal fields); keys the capture does not show are left out.

tests/ll2_server.py serves these pages, re-paginated for any `limit`/`offset` as LL2 does.
"""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "src" / "spacedock" / "data"
OUT = Path(__file__).resolve().parent
STATION_KEYS = ("id", "url", "name", "image", "status", "founded", "deorbited", "description", "orbit", "type")


def keep(store, obj):
    """The copy of a record with the most keys wins (a normal agency over a list-mode one)."""
    if obj and (obj["id"] not in store or len(obj) > len(store[obj["id"]])):
        store[obj["id"]] = obj


def main():
    configs = json.loads((DATA / "3-ll-spacecraft_configurations-detailed-all.json").read_text())
    pages = [json.loads(p.read_text())["results"] for p in sorted(DATA.glob("[12]-*spacecraft-page-*.json"))]
    stations = json.loads((DATA / "4-ll-space_stations-detailed-all.json").read_text())

    agencies, families, spacecraft, flights, dockings, expeditions = {}, {}, {}, {}, {}, {}
    for config in configs:
        keep(agencies, config["agency"])
        for family in config["family"] or []:
            keep(families, family)
            keep(agencies, family.get("manufacturer"))
    for page in pages:
        for craft in page:
            spacecraft[craft["id"]] = craft
            keep(agencies, craft["spacecraft_config"]["agency"])
    for station in stations:
        mini = {key: station[key] for key in STATION_KEYS if key in station}
        for owner in station.get("owners") or []:
            keep(agencies, owner)
        for expedition in station.get("active_expeditions") or []:
            expeditions[expedition["id"]] = {**expedition, "spacestation": mini}
        for location in station.get("docking_location") or []:
            event = location.get("currently_docked")
            if not event:
                continue
            flight = event["flight_vehicle_chaser"]
            spacecraft[flight["spacecraft"]["id"]] = flight["spacecraft"]
            keep(agencies, flight["spacecraft"]["spacecraft_config"]["agency"])
            flights[flight["id"]] = flight
            dockings[event["id"]] = {
                "id": event["id"], "url": event["url"], "docking": event["docking"], "departure": event["departure"],
                "docking_location": {"id": location["id"], "name": location["name"], "spacestation": mini},
                "space_station_target": mini,
                **{key: event[key]
                   for key in ("flight_vehicle_chaser", "space_station_chaser", "payload_flight_chaser")},
            }

    for name, records in (("agencies", agencies), ("spacecraft_configuration_families", families),
                          ("spacecraft_configurations", {c["id"]: c for c in configs}), ("spacecraft", spacecraft),
                          ("spacecraft_flights", flights), ("docking_events", dockings),
                          ("space_stations", {s["id"]: s for s in stations}), ("expeditions", expeditions)):
        results = [records[pk] for pk in sorted(records)]
        page = {"count": len(results), "next": None, "previous": None, "results": results}
        (OUT / f"{name}.json").write_text(json.dumps(page, ensure_ascii=False) + "\n")
        print(f"{name}: {len(results)}")


if __name__ == "__main__":
    main()
