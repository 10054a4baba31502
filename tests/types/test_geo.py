"""Geo commands, byte for byte against redis-server 7.0.15.

Coordinates, distances (4 decimals) and hashes must come back identical
digit for digit, so besides fixed cases there are seeded random workloads:
points all over the map (poles, the antimeridian, the equator), searches of
every size by radius and by box, sorted, limited (COUNT, ANY), stored, in
RESP2 and RESP3, for both sorted-set encodings.
"""
import random

import pytest

from support import case, ignore

pytestmark = [pytest.mark.timeout(300), pytest.mark.needs_redis]

FIXED = [
    case("geoadd-basic", "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
         "ZRANGE Sicily 0 -1 WITHSCORES", "GEOADD Sicily 13.361389 38.115556 Palermo", "GEOADD Sicily CH 13.4 38.1 Palermo",
         "GEOADD Sicily NX 1 1 Palermo 2 2 New", "GEOADD Sicily XX CH 3 3 New 4 4 Palermo", "GEOPOS Sicily Palermo New",
         "GEOADD Sicily XX NX 1 1 a", "GEOADD Sicily 1 1", "GEOADD Sicily 1", "GEOADD Sicily GT 1 1 a",
         "GEOADD Sicily 181 0 a", "GEOADD Sicily 0 86 a", "GEOADD Sicily -180.5 -85.06 a",
         "GEOADD Sicily abc 0 a", "GEOADD Sicily 1 1 a 200 0 b", "EXISTS Sicily", "ZCARD Sicily",
         "GEOADD edges 180 85.05112878 ne -180 -85.05112878 sw 0 0 origin -0 -0 negzero",
         "ZRANGE edges 0 -1 WITHSCORES", "GEOPOS edges ne sw origin negzero", "GEOHASH edges ne sw origin"),
    case("geodist", "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
         "GEODIST Sicily Palermo Catania", "GEODIST Sicily Palermo Catania km", "GEODIST Sicily Palermo Catania MI",
         "GEODIST Sicily Palermo Catania ft", "GEODIST Sicily Palermo Catania m", "GEODIST Sicily Palermo Palermo",
         "GEODIST Sicily Palermo Nope", "GEODIST Nope a b", "GEODIST Sicily Palermo Catania yards",
         "GEODIST Sicily Palermo Catania km extra", "ZADD Sicily 1e300 weird", "GEODIST Sicily Palermo weird"),
    case("geopos-geohash", "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
         "GEOPOS Sicily Palermo Catania Nope", "GEOHASH Sicily Palermo Catania Nope", "GEOPOS Nope a",
         "GEOHASH Nope a b", "GEOPOS Sicily", "GEOHASH Sicily", "ZADD Sicily -1 neg 4503599627370496 big",
         "GEOPOS Sicily neg big", "GEOHASH Sicily neg big"),
    case("georadius", "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
         "GEORADIUS Sicily 15 37 100 km", "GEORADIUS Sicily 15 37 200 km", "GEORADIUS Sicily 15 37 200 km WITHDIST",
         "GEORADIUS Sicily 15 37 200 km WITHCOORD", "GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD WITHHASH",
         "GEORADIUS Sicily 15 37 200 km DESC", "GEORADIUS Sicily 15 37 200 km ASC COUNT 1",
         "GEORADIUS Sicily 15 37 200 km COUNT 1 ANY", "GEORADIUS Sicily 15 37 200 km ANY",
         "GEORADIUS Sicily 15 37 200 km COUNT 0", "GEORADIUS Sicily 15 37 200 km COUNT -1",
         "GEORADIUS Sicily 15 37 200 km COUNT", "GEORADIUS Sicily 15 37 -1 km", "GEORADIUS Sicily 15 37 x km",
         "GEORADIUS Sicily 15 37 1 parsec", "GEORADIUS Sicily 200 37 1 km", "GEORADIUS Nope 15 37 200 km",
         "GEORADIUS Sicily 15 37 200 km STORE dst", "ZRANGE dst 0 -1 WITHSCORES",
         "GEORADIUS Sicily 15 37 200 km STOREDIST dst", "ZRANGE dst 0 -1 WITHSCORES",
         "GEORADIUS Sicily 15 37 200 km STORE dst WITHDIST", "GEORADIUS Nope 15 37 200 km STORE dst", "EXISTS dst",
         "GEORADIUS_RO Sicily 15 37 200 km WITHDIST", "GEORADIUS_RO Sicily 15 37 200 km STORE dst",
         "GEORADIUS Sicily 15 37 0 km", "GEORADIUS Sicily 13.361389 38.115556 0 m", "GEORADIUS Sicily 15 37 200 km FOO"),
    case("georadiusbymember", "GEOADD Sicily 13.583333 37.316667 Agrigento 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
         "GEORADIUSBYMEMBER Sicily Agrigento 100 km", "GEORADIUSBYMEMBER Sicily Agrigento 300 km WITHDIST DESC",
         "GEORADIUSBYMEMBER Sicily Nope 100 km", "GEORADIUSBYMEMBER Nope Agrigento 100 km",
         "GEORADIUSBYMEMBER Nope Agrigento x y STORE d", "GEORADIUSBYMEMBER Sicily Agrigento 300 km STORE d COUNT 2",
         "ZRANGE d 0 -1 WITHSCORES", "GEORADIUSBYMEMBER_RO Sicily Agrigento 300 km WITHHASH",
         "GEORADIUSBYMEMBER_RO Sicily Agrigento 300 km STOREDIST d", "GEORADIUSBYMEMBER Sicily Agrigento -5 km"),
    case("geosearch", "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 12.758489 38.788135 edge1",
         "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC", "GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 400 400 km DESC",
         "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD WITHDIST WITHHASH",
         "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 1 ANY", "GEOSEARCH Sicily FROMLONLAT 15 37",
         "GEOSEARCH Sicily BYRADIUS 10 km", "GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 1 1 BYRADIUS 1 km",
         "GEOSEARCH Sicily FROMLONLAT 1 1 FROMMEMBER Palermo BYRADIUS 1 km",
         "GEOSEARCH Sicily FROMLONLAT 1 1 BYRADIUS 1 km BYBOX 1 1 km", "geosearch Sicily FROMLONLAT 1 1",
         "GEOSEARCH Sicily FROMMEMBER Nope BYRADIUS 1 km", "GEOSEARCH Nope FROMMEMBER Nope BYRADIUS 1 km",
         "GEOSEARCH Nope FROMMEMBER Nope", "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX -1 1 km",
         "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX x 1 km", "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 y km",
         "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km STORE d", "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST",
         "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ANY", "GEOSEARCH Sicily FROMLONLAT 15 BYRADIUS 200 km",
         "GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km", "ZRANGE d 0 -1 WITHSCORES",
         "GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST COUNT 1", "ZRANGE d 0 -1 WITHSCORES",
         "GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHDIST", "GEOSEARCHSTORE d Nope FROMLONLAT 15 37 BYRADIUS 2 km",
         "EXISTS d", "GEOSEARCHSTORE d Sicily FROMLONLAT 0 0 BYRADIUS 1 km", "EXISTS d", "SET s x",
         "GEOSEARCH s FROMLONLAT 0 0 BYRADIUS 1 km", "GEOSEARCHSTORE s Sicily FROMLONLAT 15 37 BYRADIUS 200 km", "TYPE s"),
    case("resp3", ignore("HELLO 3"), "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
         "GEOPOS Sicily Palermo Nope", "GEODIST Sicily Palermo Catania", "GEODIST Sicily Palermo Nope",
         "GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD WITHHASH", "GEOHASH Sicily Palermo Nope",
         "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD"),
]


@pytest.mark.parametrize("steps, needs", FIXED)
def test_geo(differ, steps, needs):
    differ.run(steps)


def random_point(rnd):
    kind = rnd.random()
    if kind < 0.1:
        return rnd.choice([180, -180, 179.9999, -179.9999]), rnd.uniform(-85.05112878, 85.05112878)
    if kind < 0.2:
        return rnd.uniform(-180, 180), rnd.choice([85.05112878, -85.05112878, 85, -84.9, 0, 66.5, -80.1])
    if kind < 0.5:
        # a dense cluster, so small searches find something
        return 2.35 + rnd.uniform(-0.5, 0.5), 48.85 + rnd.uniform(-0.5, 0.5)
    return rnd.uniform(-180, 180), rnd.uniform(-85.05112878, 85.05112878)




def random_search(rnd, key, members):
    unit = rnd.choice(["m", "km", "ft", "mi"])
    per_unit = {"m": 1, "km": 1000, "ft": 0.3048, "mi": 1609.34}[unit]
    meters = rnd.choice([10, 500, 5000, 50_000, 300_000, 2_000_000, 8_000_000, 20_000_000])
    size = repr(round(meters / per_unit * rnd.uniform(0.5, 1.5), 3))
    opts = []
    for o in ("WITHDIST", "WITHCOORD", "WITHHASH"):
        if rnd.random() < 0.4:
            opts.append(o)
    sort = rnd.choice(["", "", "ASC", "DESC"])
    if sort:
        opts.append(sort)
    if rnd.random() < 0.4:
        opts += ["COUNT", str(rnd.randint(1, 20))]
        if rnd.random() < 0.3:
            opts.append("ANY")
    if rnd.random() < 0.5:
        lon, lat = random_point(rnd)
        origin = ["FROMLONLAT", repr(lon), repr(lat)]
        radius_cmd = ["GEORADIUS", key, repr(lon), repr(lat), size, unit]
    else:
        m = rnd.choice(members)
        origin = ["FROMMEMBER", m]
        radius_cmd = ["GEORADIUSBYMEMBER", key, m, size, unit]
    if rnd.random() < 0.5:
        shape = ["BYRADIUS", size, unit]
    else:
        shape = ["BYBOX", size, repr(round(float(size) * rnd.uniform(0.2, 3), 3)), unit]
    out = [["GEOSEARCH", key] + origin + shape + opts]
    if shape[0] == "BYRADIUS":
        out.append(radius_cmd + opts)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_geo_random_workload(differ, seed):
    rnd = random.Random(seed)
    key = "g"
    members = [f"p{i}" for i in range(300 if seed % 2 else 60)]
    steps = []
    if seed >= 4:
        steps.append("CONFIG SET zset-max-listpack-entries 0")
    args = ["GEOADD", key]
    for m in members:
        lon, lat = random_point(rnd)
        args += [repr(lon), repr(lat), m]
    steps.append(args)
    if seed == 3:
        # duplicated positions: ties in distance
        steps.append(["GEOADD", key, "2.35", "48.85", "dupA", "2.35", "48.85", "dupB", "2.35", "48.85", "dupC"])
        members += ["dupA", "dupB", "dupC"]
    steps.append("OBJECT ENCODING g")
    steps.append(["GEOPOS", key] + members[:40])
    steps.append(["GEOHASH", key] + members[:40])
    for _ in range(30):
        a, b = rnd.sample(members, 2)
        steps.append(["GEODIST", key, a, b, rnd.choice(["m", "km", "mi", "ft"])])
    for _ in range(60):
        steps += random_search(rnd, key, members)
    steps += [ignore("HELLO 3")]
    for _ in range(15):
        steps += random_search(rnd, key, members)
    steps += [ignore("HELLO 2"), "GEOSEARCHSTORE dst g FROMLONLAT 2.35 48.85 BYRADIUS 100 km STOREDIST",
              "ZRANGE dst 0 -1 WITHSCORES", "GEOSEARCHSTORE dst g FROMLONLAT 2.35 48.85 BYBOX 200 100 km ASC COUNT 5",
              "ZRANGE dst 0 -1 WITHSCORES", "OBJECT ENCODING dst", "CONFIG SET zset-max-listpack-entries 128"]
    differ.run(steps)


def test_ties_with_count(differ):
    """Equal distances with COUNT: the partial sort leaves ties where Redis's does."""
    steps = []
    args = ["GEOADD", "t"]
    for i in range(200):
        args += ["10", "20", f"same{i}"] if i % 2 else [repr(10 + (i % 7) * 0.001), "20", f"ring{i}"]
    steps.append(args)
    for count in (1, 2, 5, 17, 50, 99, 150, 199, 200, 250):
        steps.append(f"GEOSEARCH t FROMLONLAT 10 20 BYRADIUS 10 km ASC COUNT {count}")
        steps.append(f"GEOSEARCH t FROMLONLAT 10 20 BYRADIUS 10 km DESC COUNT {count} WITHDIST")
    steps += ["GEOSEARCH t FROMLONLAT 10 20 BYRADIUS 10 km ASC", "GEOSEARCH t FROMLONLAT 10 20 BYRADIUS 10 km DESC",
              "GEOSEARCH t FROMLONLAT 10 20 BYRADIUS 10 km", "GEORADIUS t 10 20 10 km COUNT 30 DESC"]
    differ.run(steps)
