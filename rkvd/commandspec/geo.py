"""Geospatial commands (Redis group "geo").

Rows are written in the `_c` format described in rkvd.commandspec.dsl.
"""

from .dsl import _c

GROUP = "geo"

ROWS = [
    _c("geoadd", -5, "write denyoom", "@geo", "3.2.0",
       "Add one or more geospatial items in the geospatial index represented using a sorted set",
       "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
       keys=["RW update|index 1|range 0 1 0"],
       hist=[
           ("6.2.0", "Added the `CH`, `NX` and `XX` options."),
       ],
       args="key:key#0 ?condition:oneof@6.2.0(NX XX) ?CH=change:pure-token@6.2.0 "
            "*longitude_latitude_member:block(longitude:double latitude:double member:string)"),
    _c("geodist", -4, "readonly", "@geo", "3.2.0",
       "Returns the distance between two members of a geospatial index", "O(log(N))",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 member1:string member2:string ?unit:oneof(M KM FT MI)"),
    _c("geohash", -2, "readonly", "@geo", "3.2.0",
       "Returns members of a geospatial index as standard geohash strings",
       "O(log(N)) for each member requested, where N is the number of elements in the sorted "
       "set.",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 *member:string"),
    _c("geopos", -2, "readonly", "@geo", "3.2.0",
       "Returns longitude and latitude of members of a geospatial index",
       "O(N) where N is the number of members requested.",
       keys=["RO access|index 1|range 0 1 0"],
       args="key:key#0 *member:string"),
    _c("georadius", -6, "write denyoom", "@geo", "3.2.0",
       "Query a sorted set representing a geospatial index to fetch members matching a given "
       "maximum distance from a point",
       "O(N+log(M)) where N is the number of elements inside the bounding box of the circular "
       "area delimited by center and radius and M is the number of items inside the index.",
       keys=[
           "RO access|index 1|range 0 1 0",
           "OW update|keyword STORE 6|range 0 1 0",
           "OW update|keyword STOREDIST 6|range 0 1 0",
       ],
       doc="deprecated",
       dep="6.2.0", by="`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` argument",
       hist=[
           ("6.2.0", "Added the `ANY` option for `COUNT`."),
           ("7.0.0", "Added support for uppercase unit names."),
       ],
       args="key:key#0 longitude:double latitude:double radius:double unit:oneof(M KM FT MI) "
            "?WITHCOORD ?WITHDIST ?WITHHASH ?count:block(COUNT=count:integer ?ANY@6.2.0) "
            "?order:oneof(ASC DESC) ?STORE=key:key#1 ?STOREDIST=key:key#2"),
    _c("georadius_ro", -6, "readonly", "@geo", "3.2.10",
       "A read-only variant for GEORADIUS",
       "O(N+log(M)) where N is the number of elements inside the bounding box of the circular "
       "area delimited by center and radius and M is the number of items inside the index.",
       keys=["RO access|index 1|range 0 1 0"],
       doc="deprecated",
       dep="6.2.0", by="`GEOSEARCH` with the `BYRADIUS` argument",
       hist=[
           ("6.2.0", "Added the `ANY` option for `COUNT`."),
       ],
       args="key:key#0 longitude:double latitude:double radius:double unit:oneof(M KM FT MI) "
            "?WITHCOORD ?WITHDIST ?WITHHASH ?count:block(COUNT=count:integer ?ANY@6.2.0) "
            "?order:oneof(ASC DESC)"),
    _c("georadiusbymember", -5, "write denyoom", "@geo", "3.2.0",
       "Query a sorted set representing a geospatial index to fetch members matching a given "
       "maximum distance from a member",
       "O(N+log(M)) where N is the number of elements inside the bounding box of the circular "
       "area delimited by center and radius and M is the number of items inside the index.",
       keys=[
           "RO access|index 1|range 0 1 0",
           "OW update|keyword STORE 5|range 0 1 0",
           "OW update|keyword STOREDIST 5|range 0 1 0",
       ],
       doc="deprecated",
       dep="6.2.0",
       by="`GEOSEARCH` and `GEOSEARCHSTORE` with the `BYRADIUS` and `FROMMEMBER` arguments",
       hist=[
           ("7.0.0", "Added support for uppercase unit names."),
       ],
       args="key:key#0 member:string radius:double unit:oneof(M KM FT MI) ?WITHCOORD ?WITHDIST "
            "?WITHHASH ?count:block(COUNT=count:integer ?ANY) ?order:oneof(ASC DESC) "
            "?STORE=key:key#1 ?STOREDIST=key:key#2"),
    _c("georadiusbymember_ro", -5, "readonly", "@geo", "3.2.10",
       "A read-only variant for GEORADIUSBYMEMBER",
       "O(N+log(M)) where N is the number of elements inside the bounding box of the circular "
       "area delimited by center and radius and M is the number of items inside the index.",
       keys=["RO access|index 1|range 0 1 0"],
       doc="deprecated",
       dep="6.2.0", by="`GEOSEARCH` with the `BYRADIUS` and `FROMMEMBER` arguments",
       args="key:key#0 member:string radius:double unit:oneof(M KM FT MI) ?WITHCOORD ?WITHDIST "
            "?WITHHASH ?count:block(COUNT=count:integer ?ANY) ?order:oneof(ASC DESC)"),
    _c("geosearch", -7, "readonly", "@geo", "6.2.0",
       "Query a sorted set representing a geospatial index to fetch members inside an area of a "
       "box or a circle.",
       "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area "
       "around the shape provided as the filter and M is the number of items inside the shape",
       keys=["RO access|index 1|range 0 1 0"],
       hist=[
           ("7.0.0", "Added support for uppercase unit names."),
       ],
       args="key:key#0 from:oneof(FROMMEMBER=member:string "
            "FROMLONLAT=longitude_latitude:block(longitude:double latitude:double)) "
            "by:oneof(circle:block(BYRADIUS=radius:double unit:oneof(M KM FT MI)) "
            "box:block(BYBOX=width:double height:double unit:oneof(M KM FT MI))) "
            "?order:oneof(ASC DESC) ?count:block(COUNT=count:integer ?ANY) ?WITHCOORD ?WITHDIST "
            "?WITHHASH"),
    _c("geosearchstore", -8, "write denyoom", "@geo", "6.2.0",
       "Query a sorted set representing a geospatial index to fetch members inside an area of a "
       "box or a circle, and store the result in another key.",
       "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area "
       "around the shape provided as the filter and M is the number of items inside the shape",
       keys=["OW update|index 1|range 0 1 0", "RO access|index 2|range 0 1 0"],
       hist=[
           ("7.0.0", "Added support for uppercase unit names."),
       ],
       args="destination:key#0 source:key#1 from:oneof(FROMMEMBER=member:string "
            "FROMLONLAT=longitude_latitude:block(longitude:double latitude:double)) "
            "by:oneof(circle:block(BYRADIUS=radius:double unit:oneof(M KM FT MI)) "
            "box:block(BYBOX=width:double height:double unit:oneof(M KM FT MI))) "
            "?order:oneof(ASC DESC) ?count:block(COUNT=count:integer ?ANY) ?STOREDIST"),
]
