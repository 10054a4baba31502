# Geo commands (Redis's geo.c, geohash.c, geohash_helper.c): a geo set is a
# sorted set whose scores are 52-bit interleaved geohashes. The hash, the
# 3x3 box search, the haversine distance and every formatting step follow
# Redis's arithmetic operation by operation, so coordinates and distances
# come out digit for digit the same.

from libc.math cimport llrint

cdef extern from "<math.h>" nogil:
    double c_sin "sin"(double)
    double c_cos "cos"(double)
    double c_asin "asin"(double)
    double c_sqrt "sqrt"(double)
    double c_fabs "fabs"(double)
    double M_PI

cdef enum:
    GEO_STEP_MAX = 26
    GEO_CIRCULAR = 1
    GEO_RECTANGLE = 2
    GEO_SORT_NONE = 0
    GEO_SORT_ASC = 1
    GEO_SORT_DESC = 2
    GEO_RADIUS_COORDS = 1 << 0
    GEO_RADIUS_MEMBER = 1 << 1
    GEO_RADIUS_NOSTORE = 1 << 2
    GEO_SEARCH = 1 << 3
    GEO_SEARCHSTORE = 1 << 4

cdef double GEO_LAT_MIN = -85.05112878
cdef double GEO_LAT_MAX = 85.05112878
cdef double GEO_LONG_MIN = -180
cdef double GEO_LONG_MAX = 180
cdef double GEO_D_R = M_PI / 180.0
cdef double EARTH_RADIUS_IN_METERS = 6372797.560856
cdef double MERCATOR_MAX = 20037726.37

ctypedef struct GeoHashBits:
    uint64_t bits
    uint8_t step

ctypedef struct GeoHashRange:
    double min
    double max

ctypedef struct GeoHashArea:
    GeoHashBits hash
    GeoHashRange longitude
    GeoHashRange latitude

ctypedef struct GeoHashNeighbors:
    GeoHashBits north
    GeoHashBits east
    GeoHashBits west
    GeoHashBits south
    GeoHashBits north_east
    GeoHashBits south_east
    GeoHashBits north_west
    GeoHashBits south_west

ctypedef struct GeoShape:
    int type
    double xy[2]            # centre: longitude, latitude
    double conversion       # unit -> meters
    double bounds[4]        # min lon, min lat, max lon, max lat
    double radius
    double height
    double width

ctypedef struct GeoHashRadius:
    GeoHashBits hash
    GeoHashArea area
    GeoHashNeighbors neighbors


# ------------------------------------------------------------------ geohash

# Spread the bits of x over the even positions and y over the odd ones.
cdef inline uint64_t _interleave64(uint32_t xlo, uint32_t ylo) noexcept nogil:
    cdef uint64_t x = xlo, y = ylo
    x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL
    y = (y | (y << 16)) & 0x0000FFFF0000FFFFULL
    x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL
    y = (y | (y << 8)) & 0x00FF00FF00FF00FFULL
    x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL
    y = (y | (y << 4)) & 0x0F0F0F0F0F0F0F0FULL
    x = (x | (x << 2)) & 0x3333333333333333ULL
    y = (y | (y << 2)) & 0x3333333333333333ULL
    x = (x | (x << 1)) & 0x5555555555555555ULL
    y = (y | (y << 1)) & 0x5555555555555555ULL
    return x | (y << 1)

# Inverse: even bits to the low word, odd bits to the high word.
cdef inline uint64_t _deinterleave64(uint64_t v) noexcept nogil:
    cdef uint64_t x = v & 0x5555555555555555ULL, y = (v >> 1) & 0x5555555555555555ULL
    x = (x | (x >> 1)) & 0x3333333333333333ULL
    y = (y | (y >> 1)) & 0x3333333333333333ULL
    x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL
    y = (y | (y >> 2)) & 0x0F0F0F0F0F0F0F0FULL
    x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL
    y = (y | (y >> 4)) & 0x00FF00FF00FF00FFULL
    x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL
    y = (y | (y >> 8)) & 0x0000FFFF0000FFFFULL
    x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL
    y = (y | (y >> 16)) & 0x00000000FFFFFFFFULL
    return x | (y << 32)

cdef inline void _geo_ranges(GeoHashRange* lon, GeoHashRange* lat) noexcept nogil:
    lon.max = GEO_LONG_MAX
    lon.min = GEO_LONG_MIN
    lat.max = GEO_LAT_MAX
    lat.min = GEO_LAT_MIN

cdef int geohash_encode(GeoHashRange* lon_r, GeoHashRange* lat_r, double longitude, double latitude,
                        uint8_t step, GeoHashBits* hash) noexcept nogil:
    cdef double lat_offset, long_offset
    if step > 32 or step == 0 or (lat_r.max == 0 and lat_r.min == 0) or \
            (lon_r.max == 0 and lon_r.min == 0):
        return 0
    if longitude > GEO_LONG_MAX or longitude < GEO_LONG_MIN or \
            latitude > GEO_LAT_MAX or latitude < GEO_LAT_MIN:
        return 0
    hash.bits = 0
    hash.step = step
    if latitude < lat_r.min or latitude > lat_r.max or longitude < lon_r.min or longitude > lon_r.max:
        return 0
    lat_offset = (latitude - lat_r.min) / (lat_r.max - lat_r.min)
    long_offset = (longitude - lon_r.min) / (lon_r.max - lon_r.min)
    lat_offset *= <double>(1ULL << step)
    long_offset *= <double>(1ULL << step)
    hash.bits = _interleave64(<uint32_t>lat_offset, <uint32_t>long_offset)
    return 1

cdef inline int geohash_encode_wgs84(double longitude, double latitude, uint8_t step, GeoHashBits* hash) noexcept nogil:
    cdef GeoHashRange lon_r, lat_r
    _geo_ranges(&lon_r, &lat_r)
    return geohash_encode(&lon_r, &lat_r, longitude, latitude, step, hash)

cdef int geohash_decode(GeoHashRange lon_r, GeoHashRange lat_r, GeoHashBits hash, GeoHashArea* area) noexcept nogil:
    cdef uint64_t sep
    cdef double lat_scale, long_scale
    cdef uint32_t ilato, ilono
    cdef uint8_t step = hash.step
    if (hash.bits == 0 and hash.step == 0) or (lat_r.max == 0 and lat_r.min == 0) or \
            (lon_r.max == 0 and lon_r.min == 0):
        return 0
    area.hash = hash
    sep = _deinterleave64(hash.bits)
    lat_scale = lat_r.max - lat_r.min
    long_scale = lon_r.max - lon_r.min
    ilato = <uint32_t>sep
    ilono = <uint32_t>(sep >> 32)
    area.latitude.min = lat_r.min + (ilato * 1.0 / <double>(1ULL << step)) * lat_scale
    area.latitude.max = lat_r.min + ((ilato + 1) * 1.0 / <double>(1ULL << step)) * lat_scale
    area.longitude.min = lon_r.min + (ilono * 1.0 / <double>(1ULL << step)) * long_scale
    area.longitude.max = lon_r.min + ((ilono + 1) * 1.0 / <double>(1ULL << step)) * long_scale
    return 1

cdef int geohash_decode_to_lonlat(GeoHashBits hash, double* xy) noexcept nogil:
    cdef GeoHashRange lon_r, lat_r
    cdef GeoHashArea area
    _geo_ranges(&lon_r, &lat_r)
    if not geohash_decode(lon_r, lat_r, hash, &area):
        return 0
    xy[0] = (area.longitude.min + area.longitude.max) / 2
    if xy[0] > GEO_LONG_MAX:
        xy[0] = GEO_LONG_MAX
    if xy[0] < GEO_LONG_MIN:
        xy[0] = GEO_LONG_MIN
    xy[1] = (area.latitude.min + area.latitude.max) / 2
    if xy[1] > GEO_LAT_MAX:
        xy[1] = GEO_LAT_MAX
    if xy[1] < GEO_LAT_MIN:
        xy[1] = GEO_LAT_MIN
    return 1

# A 52-bit score back to longitude, latitude.
cdef inline int geo_decode_score(double bits, double* xy) noexcept nogil:
    cdef GeoHashBits hash
    hash.bits = <uint64_t>bits
    hash.step = GEO_STEP_MAX
    return geohash_decode_to_lonlat(hash, xy)

cdef inline void _move_x(GeoHashBits* hash, int d) noexcept nogil:
    cdef uint64_t x, y, zz
    if d == 0:
        return
    x = hash.bits & 0xaaaaaaaaaaaaaaaaULL
    y = hash.bits & 0x5555555555555555ULL
    zz = 0x5555555555555555ULL >> (64 - hash.step * 2)
    if d > 0:
        x = x + (zz + 1)
    else:
        x = x | zz
        x = x - (zz + 1)
    x &= (0xaaaaaaaaaaaaaaaaULL >> (64 - hash.step * 2))
    hash.bits = x | y

cdef inline void _move_y(GeoHashBits* hash, int d) noexcept nogil:
    cdef uint64_t x, y, zz
    if d == 0:
        return
    x = hash.bits & 0xaaaaaaaaaaaaaaaaULL
    y = hash.bits & 0x5555555555555555ULL
    zz = 0xaaaaaaaaaaaaaaaaULL >> (64 - hash.step * 2)
    if d > 0:
        y = y + (zz + 1)
    else:
        y = y | zz
        y = y - (zz + 1)
    y &= (0x5555555555555555ULL >> (64 - hash.step * 2))
    hash.bits = x | y

cdef void geohash_neighbors(GeoHashBits* hash, GeoHashNeighbors* n) noexcept nogil:
    n.east = hash[0]
    n.west = hash[0]
    n.north = hash[0]
    n.south = hash[0]
    n.south_east = hash[0]
    n.south_west = hash[0]
    n.north_east = hash[0]
    n.north_west = hash[0]
    _move_x(&n.east, 1)
    _move_x(&n.west, -1)
    _move_y(&n.south, -1)
    _move_y(&n.north, 1)
    _move_x(&n.north_west, -1)
    _move_y(&n.north_west, 1)
    _move_x(&n.north_east, 1)
    _move_y(&n.north_east, 1)
    _move_x(&n.south_east, 1)
    _move_y(&n.south_east, -1)
    _move_x(&n.south_west, -1)
    _move_y(&n.south_west, -1)


# ------------------------------------------------------------------ search areas and distances

cdef inline double _deg_rad(double ang) noexcept nogil:
    return ang * GEO_D_R

cdef inline double _rad_deg(double ang) noexcept nogil:
    return ang / GEO_D_R

# Geohash precision (step) whose boxes are about the size of the radius.
cdef int geohash_estimate_steps(double range_meters, double lat) noexcept nogil:
    cdef int step = 1
    if range_meters == 0:
        return 26
    while range_meters < MERCATOR_MAX:
        range_meters *= 2
        step += 1
    step -= 2
    # boxes narrow towards the poles
    if lat > 66 or lat < -66:
        step -= 1
        if lat > 80 or lat < -80:
            step -= 1
    if step < 1:
        step = 1
    if step > 26:
        step = 26
    return step

cdef void geohash_bounding_box(GeoShape* shape, double* bounds) noexcept nogil:
    cdef double longitude = shape.xy[0], latitude = shape.xy[1]
    cdef double height = shape.conversion * (shape.radius if shape.type == GEO_CIRCULAR else shape.height / 2)
    cdef double width = shape.conversion * (shape.radius if shape.type == GEO_CIRCULAR else shape.width / 2)
    cdef double lat_delta = _rad_deg(height / EARTH_RADIUS_IN_METERS)
    cdef double long_delta_top = _rad_deg(width / EARTH_RADIUS_IN_METERS / c_cos(_deg_rad(latitude + lat_delta)))
    cdef double long_delta_bottom = _rad_deg(width / EARTH_RADIUS_IN_METERS / c_cos(_deg_rad(latitude - lat_delta)))
    cdef bint southern = latitude < 0
    bounds[0] = longitude - long_delta_bottom if southern else longitude - long_delta_top
    bounds[2] = longitude + long_delta_bottom if southern else longitude + long_delta_top
    bounds[1] = latitude - lat_delta
    bounds[3] = latitude + lat_delta

cdef inline void _gzero(GeoHashBits* h) noexcept nogil:
    h.bits = 0
    h.step = 0

# The centre box and its 8 neighbours that cover the shape; neighbours that
# cannot contain results are zeroed.
cdef GeoHashRadius geohash_areas_by_shape(GeoShape* shape) noexcept nogil:
    cdef GeoHashRange lon_r, lat_r
    cdef GeoHashRadius radius
    cdef GeoHashBits hash
    cdef GeoHashNeighbors nb
    cdef GeoHashArea area, north, south, east, west
    cdef double min_lon, max_lon, min_lat, max_lat, radius_meters
    cdef double longitude = shape.xy[0], latitude = shape.xy[1]
    cdef int steps
    cdef bint decrease_step = False
    geohash_bounding_box(shape, shape.bounds)
    min_lon = shape.bounds[0]
    min_lat = shape.bounds[1]
    max_lon = shape.bounds[2]
    max_lat = shape.bounds[3]
    if shape.type == GEO_CIRCULAR:
        radius_meters = shape.radius
    else:
        radius_meters = c_sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2))
    radius_meters *= shape.conversion
    steps = geohash_estimate_steps(radius_meters, latitude)
    _geo_ranges(&lon_r, &lat_r)
    geohash_encode(&lon_r, &lat_r, longitude, latitude, <uint8_t>steps, &hash)
    geohash_neighbors(&hash, &nb)
    geohash_decode(lon_r, lat_r, hash, &area)
    # near a box edge the estimated step can be one too fine
    geohash_decode(lon_r, lat_r, nb.north, &north)
    geohash_decode(lon_r, lat_r, nb.south, &south)
    geohash_decode(lon_r, lat_r, nb.east, &east)
    geohash_decode(lon_r, lat_r, nb.west, &west)
    if north.latitude.max < max_lat:
        decrease_step = True
    if south.latitude.min > min_lat:
        decrease_step = True
    if east.longitude.max < max_lon:
        decrease_step = True
    if west.longitude.min > min_lon:
        decrease_step = True
    if steps > 1 and decrease_step:
        steps -= 1
        geohash_encode(&lon_r, &lat_r, longitude, latitude, <uint8_t>steps, &hash)
        geohash_neighbors(&hash, &nb)
        geohash_decode(lon_r, lat_r, hash, &area)
    if steps >= 2:
        if area.latitude.min < min_lat:
            _gzero(&nb.south)
            _gzero(&nb.south_west)
            _gzero(&nb.south_east)
        if area.latitude.max > max_lat:
            _gzero(&nb.north)
            _gzero(&nb.north_east)
            _gzero(&nb.north_west)
        if area.longitude.min < min_lon:
            _gzero(&nb.west)
            _gzero(&nb.south_west)
            _gzero(&nb.north_west)
        if area.longitude.max > max_lon:
            _gzero(&nb.east)
            _gzero(&nb.south_east)
            _gzero(&nb.north_east)
    radius.hash = hash
    radius.neighbors = nb
    radius.area = area
    return radius

cdef inline uint64_t geohash_align52(GeoHashBits hash) noexcept nogil:
    return hash.bits << (52 - hash.step * 2)

cdef inline double geohash_lat_distance(double lat1d, double lat2d) noexcept nogil:
    return EARTH_RADIUS_IN_METERS * c_fabs(_deg_rad(lat2d) - _deg_rad(lat1d))

# Haversine great-circle distance in meters.
cdef double geohash_distance(double lon1d, double lat1d, double lon2d, double lat2d) noexcept nogil:
    cdef double lat1r, lon1r, lat2r, lon2r, u, v, a
    lon1r = _deg_rad(lon1d)
    lon2r = _deg_rad(lon2d)
    v = c_sin((lon2r - lon1r) / 2)
    if v == 0.0:
        return geohash_lat_distance(lat1d, lat2d)
    lat1r = _deg_rad(lat1d)
    lat2r = _deg_rad(lat2d)
    u = c_sin((lat2r - lat1r) / 2)
    a = u * u + c_cos(lat1r) * c_cos(lat2r) * v * v
    return 2.0 * EARTH_RADIUS_IN_METERS * c_asin(c_sqrt(a))

cdef int geo_in_rectangle(double width_m, double height_m, double x1, double y1, double x2, double y2,
                          double* distance) noexcept nogil:
    cdef double lat_distance = geohash_lat_distance(y2, y1), lon_distance
    if lat_distance > height_m / 2:
        return 0
    lon_distance = geohash_distance(x2, y2, x1, y2)
    if lon_distance > width_m / 2:
        return 0
    distance[0] = geohash_distance(x1, y1, x2, y2)
    return 1

# Decode a score and test it against the shape; 1 with *xy and *distance.
cdef int geo_within_shape(GeoShape* shape, double score, double* xy, double* distance) noexcept nogil:
    if not geo_decode_score(score, xy):
        return 0
    if shape.type == GEO_CIRCULAR:
        distance[0] = geohash_distance(shape.xy[0], shape.xy[1], xy[0], xy[1])
        if distance[0] > shape.radius * shape.conversion:
            return 0
        return 1
    return geo_in_rectangle(shape.width * shape.conversion, shape.height * shape.conversion,
                            shape.xy[0], shape.xy[1], xy[0], xy[1], distance)


# ------------------------------------------------------------------ collecting points

# One result: (distance, score, longitude, latitude, member).
cdef int geo_points_in_range(ZsetValue z, double mn, double mx, GeoShape* shape, list ga,
                             unsigned long limit) except -1:
    cdef zrangespec r
    cdef unsigned char* eptr
    cdef unsigned char* sptr
    cdef zslNode* ln
    cdef double xy[2]
    cdef double distance, score
    cdef char buf[24]
    cdef size_t n
    cdef const char* p
    r.min = mn
    r.max = mx
    r.minex = 0
    r.maxex = 1
    if z.lp != NULL:
        eptr = zzl_first_in_range(z.lp, &r)
        if eptr == NULL:
            return 0
        sptr = lp_next(z.lp, eptr)
        while eptr != NULL:
            distance = 0
            score = zzl_get_score(sptr)
            if not zsl_value_lte_max(score, &r):
                break
            if geo_within_shape(shape, score, xy, &distance):
                p = zzl_ele(eptr, buf, &n)
                ga.append((distance, score, xy[0], xy[1], PyBytes_FromStringAndSize(p, n)))
            if len(ga) and limit and <unsigned long>len(ga) >= limit:
                break
            zzl_next(z.lp, &eptr, &sptr)
        return 0
    ln = zsl_first_in_range(z.zsl, &r)
    while ln != NULL:
        distance = 0
        if not zsl_value_lte_max(ln.score, &r):
            break
        if geo_within_shape(shape, ln.score, xy, &distance):
            ga.append((distance, ln.score, xy[0], xy[1],
                       PyBytes_FromStringAndSize(zsl_node_ele(ln), zsl_node_len(ln))))
        if len(ga) and limit and <unsigned long>len(ga) >= limit:
            break
        ln = zsl_next(ln)
    return 0

cdef int geo_members_of_box(ZsetValue z, GeoHashBits hash, list ga, GeoShape* shape,
                            unsigned long limit) except -1:
    cdef uint64_t mn = geohash_align52(hash), mx
    hash.bits += 1
    mx = geohash_align52(hash)
    return geo_points_in_range(z, <double>mn, <double>mx, shape, ga, limit)

cdef int geo_members_of_all_neighbors(ZsetValue z, GeoHashRadius* n, GeoShape* shape, list ga,
                                      unsigned long limit) except -1:
    cdef GeoHashBits nb[9]
    cdef unsigned int i, last = 0
    nb[0] = n.hash
    nb[1] = n.neighbors.north
    nb[2] = n.neighbors.south
    nb[3] = n.neighbors.east
    nb[4] = n.neighbors.west
    nb[5] = n.neighbors.north_east
    nb[6] = n.neighbors.north_west
    nb[7] = n.neighbors.south_east
    nb[8] = n.neighbors.south_west
    for i in range(9):
        if nb[i].bits == 0 and nb[i].step == 0:
            continue
        # huge radii: adjacent boxes can be the same one (Redis compares
        # with the last box searched, never with box 0)
        if last and nb[i].bits == nb[last].bits and nb[i].step == nb[last].step:
            continue
        if len(ga) and limit and <unsigned long>len(ga) >= limit:
            break
        geo_members_of_box(z, nb[i], ga, shape, limit)
        last = i
    return 0


# ------------------------------------------------------------------ sorting

# Redis sorts with glibc's qsort (a stable merge sort), and with pqsort, a
# partial Bentley-McIlroy quicksort, when COUNT keeps fewer points than
# were found. Ties keep the order each of those leaves them in.

cdef inline int _gp_cmp(double* d, Py_ssize_t a, Py_ssize_t b, int sign) noexcept nogil:
    if d[a] > d[b]:
        return sign
    if d[a] == d[b]:
        return 0
    return -sign

cdef inline void _swap(Py_ssize_t* v, Py_ssize_t i, Py_ssize_t j) noexcept nogil:
    cdef Py_ssize_t t = v[i]
    v[i] = v[j]
    v[j] = t

cdef inline void _vecswap(Py_ssize_t* v, Py_ssize_t i, Py_ssize_t j, Py_ssize_t n) noexcept nogil:
    while n > 0:
        _swap(v, i, j)
        i += 1
        j += 1
        n -= 1

cdef inline Py_ssize_t _med3(double* d, Py_ssize_t* v, Py_ssize_t a, Py_ssize_t b, Py_ssize_t c,
                             int sign) noexcept nogil:
    if _gp_cmp(d, v[a], v[b], sign) < 0:
        if _gp_cmp(d, v[b], v[c], sign) < 0:
            return b
        return c if _gp_cmp(d, v[a], v[c], sign) < 0 else a
    if _gp_cmp(d, v[b], v[c], sign) > 0:
        return b
    return a if _gp_cmp(d, v[a], v[c], sign) < 0 else c

# Sort v[lo:lo+n] (positions of points, compared by d) enough that the
# positions [lrange, rrange] hold what a full sort would put there.
cdef void _partial_qsort(double* d, Py_ssize_t* v, Py_ssize_t lo, Py_ssize_t n, int sign,
                         Py_ssize_t lrange, Py_ssize_t rrange) noexcept nogil:
    cdef Py_ssize_t pa, pb, pc, pd, pl, pm, pn, s, r
    cdef int cr
    while True:
        if n < 7:
            pm = lo + 1
            while pm < lo + n:
                pl = pm
                while pl > lo and _gp_cmp(d, v[pl - 1], v[pl], sign) > 0:
                    _swap(v, pl, pl - 1)
                    pl -= 1
                pm += 1
            return
        pm = lo + n // 2
        if n > 7:
            pl = lo
            pn = lo + n - 1
            if n > 40:
                s = n // 8
                pl = _med3(d, v, pl, pl + s, pl + 2 * s, sign)
                pm = _med3(d, v, pm - s, pm, pm + s, sign)
                pn = _med3(d, v, pn - 2 * s, pn - s, pn, sign)
            pm = _med3(d, v, pl, pm, pn, sign)
        _swap(v, lo, pm)
        pa = pb = lo + 1
        pc = pd = lo + n - 1
        while True:
            while pb <= pc:
                cr = _gp_cmp(d, v[pb], v[lo], sign)
                if cr > 0:
                    break
                if cr == 0:
                    _swap(v, pa, pb)
                    pa += 1
                pb += 1
            while pb <= pc:
                cr = _gp_cmp(d, v[pc], v[lo], sign)
                if cr < 0:
                    break
                if cr == 0:
                    _swap(v, pc, pd)
                    pd -= 1
                pc -= 1
            if pb > pc:
                break
            _swap(v, pb, pc)
            pb += 1
            pc -= 1
        pn = lo + n
        r = pa - lo if pa - lo < pb - pa else pb - pa
        _vecswap(v, lo, pb - r, r)
        r = pd - pc if pd - pc < pn - pd - 1 else pn - pd - 1
        _vecswap(v, pb, pn - r, r)
        r = pb - pa
        if r > 1:
            # recurse only into parts that overlap the wanted positions
            if not ((lrange < lo and rrange < lo) or (lrange > lo + r - 1 and rrange > lo + r - 1)):
                _partial_qsort(d, v, lo, r, sign, lrange, rrange)
        r = pd - pc
        if r > 1:
            lo = pn - r
            n = r
            if not ((lrange < lo and rrange < lo) or (lrange > lo + r - 1 and rrange > lo + r - 1)):
                continue
        return

cdef list geo_sort(list ga, int sort, Py_ssize_t returned):
    cdef Py_ssize_t n = len(ga), i
    cdef double* d
    cdef Py_ssize_t* v
    if returned == n:
        return sorted(ga, key=_gp_dist, reverse=sort == GEO_SORT_DESC)
    d = <double*>malloc(n * sizeof(double))
    v = <Py_ssize_t*>malloc(n * sizeof(Py_ssize_t))
    if d == NULL or v == NULL:
        free(d)
        free(v)
        raise MemoryError()
    try:
        for i in range(n):
            d[i] = <double>ga[i][0]
            v[i] = i
        _partial_qsort(d, v, 0, n, -1 if sort == GEO_SORT_DESC else 1, 0, returned - 1)
        return [ga[v[i]] for i in range(n)]
    finally:
        free(d)
        free(v)


def _gp_dist(t):
    return t[0]


# ------------------------------------------------------------------ argument helpers

# Longitude and latitude at argv[i], argv[i+1]; replies the error and
# returns 0 when invalid.
cdef int geo_extract_lonlat(Client c, int i, double* xy) except -1:
    cdef int k
    cdef char buf[128]
    cdef int n
    for k in range(2):
        if not arg_double(c, i + k, &xy[k], NULL):
            return 0
    if xy[0] < GEO_LONG_MIN or xy[0] > GEO_LONG_MAX or xy[1] < GEO_LAT_MIN or xy[1] > GEO_LAT_MAX:
        n = snprintf(buf, 128, "-ERR invalid longitude,latitude pair %f,%f", xy[0], xy[1])
        c.add_error(buf, n)
        return 0
    return 1

# Meters per unit, or -1 after replying the error.
cdef double geo_extract_unit(Client c, int i) except? -2:
    if c.arg_is(i, b"m"):
        return 1
    if c.arg_is(i, b"km"):
        return 1000
    if c.arg_is(i, b"ft"):
        return 0.3048
    if c.arg_is(i, b"mi"):
        return 1609.34
    c.add_error_bytes(b"unsupported unit provided. please use M, KM, FT, MI")
    return -1

cdef int geo_extract_distance(Client c, int i, double* conversion, double* radius) except -1:
    cdef double distance, to_meters
    if not arg_double(c, i, &distance, b"need numeric radius"):
        return 0
    if distance < 0:
        c.add_error_bytes(b"radius cannot be negative")
        return 0
    radius[0] = distance
    to_meters = geo_extract_unit(c, i + 1)
    if to_meters < 0:
        return 0
    conversion[0] = to_meters
    return 1

cdef int geo_extract_box(Client c, int i, double* conversion, double* width, double* height) except -1:
    cdef double h, w, to_meters
    if not arg_double(c, i, &w, b"need numeric width") or not arg_double(c, i + 1, &h, b"need numeric height"):
        return 0
    if h < 0 or w < 0:
        c.add_error_bytes(b"height or width cannot be negative")
        return 0
    height[0] = h
    width[0] = w
    to_meters = geo_extract_unit(c, i + 2)
    if to_meters < 0:
        return 0
    conversion[0] = to_meters
    return 1

# The position of a member; 0 when it is not there.
cdef int geo_member_lonlat(ZsetValue z, const char* ele, size_t n, double* xy) noexcept:
    cdef double score = 0
    if not zs_get_score(z, ele, n, &score):
        return 0
    return geo_decode_score(score, xy)

# Distances are replied with 4 decimals (fixedpoint_d2string), rounding
# with llrint like Redis.
cdef int geo_add_distance(Client c, double d) except -1:
    cdef char buf[64]
    cdef long long sv
    cdef unsigned long long v
    cdef int n
    if d == 0:
        return c.add_bulk_obj(b"0.0000")
    sv = llrint(d * 10000.0)
    if sv < 0:
        v = <unsigned long long>(-(sv + 1)) + 1
        n = snprintf(buf, 64, "-%llu.%04llu", v // 10000, v % 10000)
    else:
        v = <unsigned long long>sv
        n = snprintf(buf, 64, "%llu.%04llu", v // 10000, v % 10000)
    return c.add_bulk(buf, n)

# addReplyHumanLongDouble: %.17Lf without trailing zeroes; RESP3 as a double.
cdef int geo_add_coord(Client c, double v) except -1:
    cdef char buf[MAX_LONG_DOUBLE_CHARS]
    cdef int n = ld2string(buf, MAX_LONG_DOUBLE_CHARS, <long double>v, LD_STR_HUMAN)
    cdef char* w
    if c.resp == 3:
        w = c._reserve(n + 3)
        w[0] = b','
        memcpy(w + 1, buf, n)
        w[n + 1] = b'\r'
        w[n + 2] = b'\n'
        c.reply.len += n + 3
        return 0
    return c.add_bulk(buf, n)


# ------------------------------------------------------------------ GEOADD

cdef int cmd_geoadd(Client c) except -1:
    cdef int longidx = 2, i, elements, argc
    cdef bint xx = False, nx = False
    cdef double xy[2]
    cdef GeoHashBits hash
    cdef Arg* saved
    cdef int saved_argc
    cdef list keep = []
    cdef bytes sc
    while longidx < c.argc:
        if c.arg_is(longidx, b"nx"):
            nx = True
        elif c.arg_is(longidx, b"xx"):
            xx = True
        elif c.arg_is(longidx, b"ch"):
            pass
        else:
            break
        longidx += 1
    if (c.argc - longidx) % 3 or (xx and nx):
        return c.add_syntax_error()
    elements = (c.argc - longidx) // 3
    argc = longidx + elements * 2
    # validate everything before touching argv
    for i in range(elements):
        if not geo_extract_lonlat(c, longidx + i * 3, xy):
            return 0
        geohash_encode_wgs84(xy[0], xy[1], GEO_STEP_MAX, &hash)
        keep.append(str(geohash_align52(hash)).encode())
    # run ZADD over [zadd key options... score member ...], then restore argv
    saved_argc = c.argc
    saved = <Arg*>malloc(sizeof(Arg) * c.argc)
    if saved == NULL:
        raise MemoryError()
    memcpy(saved, c.argv, sizeof(Arg) * c.argc)
    try:
        c.argv[0].ptr = b"zadd"
        c.argv[0].len = 4
        for i in range(elements):
            sc = keep[i]
            c.argv[longidx + i * 2].ptr = sc
            c.argv[longidx + i * 2].len = len(sc)
            c.argv[longidx + 1 + i * 2] = saved[longidx + i * 3 + 2]
        c.argc = argc
        return zadd_generic(c, ZADD_IN_NONE)
    finally:
        memcpy(c.argv, saved, sizeof(Arg) * saved_argc)
        c.argc = saved_argc
        free(saved)


# ------------------------------------------------------------------ GEORADIUS / GEOSEARCH

cdef int georadius_generic(Client c, int srckey, int flags) except -1:
    cdef int storekey = -1, base_args = 0, i, remaining, found
    cdef bint storedist = False
    cdef bint withdist = False, withhash = False, withcoords = False
    cdef bint frommember = False, fromloc = False, byradius = False, bybox = False, anyflag = False
    cdef int sort = GEO_SORT_NONE
    cdef long long count = 0
    cdef GeoShape shape
    cdef GeoHashRadius georadius
    cdef ZsetValue z, dst
    cdef list ga
    cdef Py_ssize_t result_length, returned, k
    cdef int option_length = 0
    cdef size_t maxelelen = 0, totelelen = 0
    cdef double dist, score
    cdef bytes member, name
    memset(&shape, 0, sizeof(GeoShape))
    z = zset_lookup(c, srckey, False, &found)
    if found < 0:
        return 0
    if flags & GEO_RADIUS_COORDS:
        base_args = 6
        shape.type = GEO_CIRCULAR
        if not geo_extract_lonlat(c, 2, shape.xy):
            return 0
        if not geo_extract_distance(c, base_args - 2, &shape.conversion, &shape.radius):
            return 0
    elif (flags & GEO_RADIUS_MEMBER) and z is None:
        base_args = 5
    elif flags & GEO_RADIUS_MEMBER:
        base_args = 5
        shape.type = GEO_CIRCULAR
        if not geo_member_lonlat(z, c.argv[2].ptr, c.argv[2].len, shape.xy):
            return c.add_error_bytes(b"could not decode requested zset member")
        if not geo_extract_distance(c, base_args - 2, &shape.conversion, &shape.radius):
            return 0
    elif flags & GEO_SEARCH:
        base_args = 2
        if flags & GEO_SEARCHSTORE:
            base_args = 3
            storekey = 1
    if c.argc > base_args:
        remaining = c.argc - base_args
        i = 0
        while i < remaining:
            k = base_args + i
            if c.arg_is(k, b"withdist"):
                withdist = True
            elif c.arg_is(k, b"withhash"):
                withhash = True
            elif c.arg_is(k, b"withcoord"):
                withcoords = True
            elif c.arg_is(k, b"any"):
                anyflag = True
            elif c.arg_is(k, b"asc"):
                sort = GEO_SORT_ASC
            elif c.arg_is(k, b"desc"):
                sort = GEO_SORT_DESC
            elif c.arg_is(k, b"count") and i + 1 < remaining:
                if not c.arg_ll(k + 1, &count):
                    return 0
                if count <= 0:
                    return c.add_error_bytes(b"COUNT must be > 0")
                i += 1
            elif c.arg_is(k, b"store") and i + 1 < remaining and not (flags & GEO_RADIUS_NOSTORE) \
                    and not (flags & GEO_SEARCH):
                storekey = k + 1
                storedist = False
                i += 1
            elif c.arg_is(k, b"storedist") and i + 1 < remaining and not (flags & GEO_RADIUS_NOSTORE) \
                    and not (flags & GEO_SEARCH):
                storekey = k + 1
                storedist = True
                i += 1
            elif c.arg_is(k, b"storedist") and (flags & GEO_SEARCH) and (flags & GEO_SEARCHSTORE):
                storedist = True
            elif c.arg_is(k, b"frommember") and i + 1 < remaining and (flags & GEO_SEARCH) and not fromloc:
                if z is None:
                    frommember = True
                    i += 2
                    continue
                if not geo_member_lonlat(z, c.argv[k + 1].ptr, c.argv[k + 1].len, shape.xy):
                    return c.add_error_bytes(b"could not decode requested zset member")
                frommember = True
                i += 1
            elif c.arg_is(k, b"fromlonlat") and i + 2 < remaining and (flags & GEO_SEARCH) and not frommember:
                if not geo_extract_lonlat(c, k + 1, shape.xy):
                    return 0
                fromloc = True
                i += 2
            elif c.arg_is(k, b"byradius") and i + 2 < remaining and (flags & GEO_SEARCH) and not bybox:
                if not geo_extract_distance(c, k + 1, &shape.conversion, &shape.radius):
                    return 0
                shape.type = GEO_CIRCULAR
                byradius = True
                i += 2
            elif c.arg_is(k, b"bybox") and i + 3 < remaining and (flags & GEO_SEARCH) and not byradius:
                if not geo_extract_box(c, k + 1, &shape.conversion, &shape.width, &shape.height):
                    return 0
                shape.type = GEO_RECTANGLE
                bybox = True
                i += 3
            else:
                return c.add_syntax_error()
            i += 1
    if storekey >= 0 and (withdist or withhash or withcoords):
        if flags & GEO_SEARCHSTORE:
            return c.add_error_bytes(b"GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options")
        return c.add_error_bytes(b"STORE option in GEORADIUS is not compatible with "
                                 b"WITHDIST, WITHHASH and WITHCOORD options")
    if (flags & GEO_SEARCH) and not (frommember or fromloc):
        name = c.arg_bytes(0)
        return c.add_error_bytes(b"exactly one of FROMMEMBER or FROMLONLAT can be specified for " + name)
    if (flags & GEO_SEARCH) and not (byradius or bybox):
        name = c.arg_bytes(0)
        return c.add_error_bytes(b"exactly one of BYRADIUS and BYBOX can be specified for " + name)
    if anyflag and not count:
        return c.add_error_bytes(b"the ANY argument requires COUNT argument")
    if z is None:
        if storekey >= 0:
            if c.db.lookup_write(c.argv[storekey].ptr, c.argv[storekey].len) != NULL:
                zset_delete_key(c, storekey)
                notify(c, NOTIFY_GENERIC, b"del", storekey)
                c.engine.dirty += 1
            return c.add_int(0)
        return c.add_canned(b"*0\r\n")
    if count != 0 and sort == GEO_SORT_NONE and not anyflag:
        sort = GEO_SORT_ASC
    georadius = geohash_areas_by_shape(&shape)
    ga = []
    geo_members_of_all_neighbors(z, &georadius, &shape, ga, <unsigned long>count if anyflag else 0)
    if len(ga) == 0 and storekey < 0:
        return c.add_canned(b"*0\r\n")
    result_length = len(ga)
    returned = result_length if (count == 0 or result_length < count) else <Py_ssize_t>count
    if sort != GEO_SORT_NONE:
        ga = geo_sort(ga, sort, returned)
    if storekey < 0:
        if withdist:
            option_length += 1
        if withcoords:
            option_length += 1
        if withhash:
            option_length += 1
        c.add_array_len(returned)
        for k in range(returned):
            dist, score, lon, lat, member = ga[k]
            dist /= shape.conversion
            if option_length:
                c.add_array_len(option_length + 1)
            c.add_bulk(member, len(member))
            if withdist:
                geo_add_distance(c, dist)
            if withhash:
                c.add_int(<long long>score)
            if withcoords:
                c.add_array_len(2)
                geo_add_coord(c, lon)
                geo_add_coord(c, lat)
        return 0
    if returned:
        dst = zset_new_skiplist()
        for k in range(returned):
            dist, score, lon, lat, member = ga[k]
            dist /= shape.conversion
            if dict_find(dst.dict, member, len(member)) != NULL:
                continue
            if <size_t>len(member) > maxelelen:
                maxelelen = len(member)
            totelelen += len(member)
            zs_sl_insert(dst, member, len(member), dist if storedist else score)
        zs_maybe_to_listpack(dst, c.engine, maxelelen, totelelen)
        zset_store(c, storekey, dst)
        notify(c, NOTIFY_ZSET, b"geosearchstore" if flags & GEO_SEARCH else b"georadiusstore", storekey)
        c.engine.dirty += returned
    elif c.db.lookup_write(c.argv[storekey].ptr, c.argv[storekey].len) != NULL:
        zset_delete_key(c, storekey)
        notify(c, NOTIFY_GENERIC, b"del", storekey)
        c.engine.dirty += 1
    return c.add_int(returned)

cdef int cmd_georadius(Client c) except -1:
    return georadius_generic(c, 1, GEO_RADIUS_COORDS)

cdef int cmd_georadiusbymember(Client c) except -1:
    return georadius_generic(c, 1, GEO_RADIUS_MEMBER)

cdef int cmd_georadius_ro(Client c) except -1:
    return georadius_generic(c, 1, GEO_RADIUS_COORDS | GEO_RADIUS_NOSTORE)

cdef int cmd_georadiusbymember_ro(Client c) except -1:
    return georadius_generic(c, 1, GEO_RADIUS_MEMBER | GEO_RADIUS_NOSTORE)

cdef int cmd_geosearch(Client c) except -1:
    return georadius_generic(c, 1, GEO_SEARCH)

cdef int cmd_geosearchstore(Client c) except -1:
    return georadius_generic(c, 2, GEO_SEARCH | GEO_SEARCHSTORE)


# ------------------------------------------------------------------ GEOHASH / GEOPOS / GEODIST

cdef const char* GEO_ALPHABET = b"0123456789bcdefghjkmnpqrstuvwxyz"

cdef int cmd_geohash(Client c) except -1:
    cdef ZsetValue z
    cdef int found, j, i, idx
    cdef double score
    cdef double xy[2]
    cdef GeoHashRange r[2]
    cdef GeoHashBits hash
    cdef char buf[12]
    z = zset_lookup(c, 1, False, &found)
    if found < 0:
        return 0
    c.add_array_len(c.argc - 2)
    for j in range(2, c.argc):
        if z is None or not zs_get_score(z, c.argv[j].ptr, c.argv[j].len, &score):
            c.add_null()
            continue
        if not geo_decode_score(score, xy):
            c.add_null()
            continue
        # standard geohash: re-encode with latitude -90..90
        r[0].min = -180
        r[0].max = 180
        r[1].min = -90
        r[1].max = 90
        geohash_encode(&r[0], &r[1], xy[0], xy[1], 26, &hash)
        for i in range(11):
            if i == 10:
                idx = 0
            else:
                idx = (hash.bits >> (52 - ((i + 1) * 5))) & 0x1f
            buf[i] = GEO_ALPHABET[idx]
        c.add_bulk(buf, 11)
    return 0

cdef int cmd_geopos(Client c) except -1:
    cdef ZsetValue z
    cdef int found, j
    cdef double score
    cdef double xy[2]
    z = zset_lookup(c, 1, False, &found)
    if found < 0:
        return 0
    c.add_array_len(c.argc - 2)
    for j in range(2, c.argc):
        if z is None or not zs_get_score(z, c.argv[j].ptr, c.argv[j].len, &score) or \
                not geo_decode_score(score, xy):
            c.add_null_array()
            continue
        c.add_array_len(2)
        geo_add_coord(c, xy[0])
        geo_add_coord(c, xy[1])
    return 0

cdef int cmd_geodist(Client c) except -1:
    cdef double to_meter = 1, s1, s2
    cdef double xyxy[4]
    cdef ZsetValue z
    cdef int found
    if c.argc == 5:
        to_meter = geo_extract_unit(c, 4)
        if to_meter < 0:
            return 0
    elif c.argc > 5:
        return c.add_syntax_error()
    z = zset_lookup(c, 1, False, &found)
    if found <= 0:
        return 0 if found < 0 else c.add_null()
    if not zs_get_score(z, c.argv[2].ptr, c.argv[2].len, &s1) or \
            not zs_get_score(z, c.argv[3].ptr, c.argv[3].len, &s2):
        return c.add_null()
    if not geo_decode_score(s1, xyxy) or not geo_decode_score(s2, xyxy + 2):
        return c.add_null()
    return geo_add_distance(c, geohash_distance(xyxy[0], xyxy[1], xyxy[2], xyxy[3]) / to_meter)


register_c("geoadd", cmd_geoadd)
register_c("georadius", cmd_georadius)
register_c("georadiusbymember", cmd_georadiusbymember)
register_c("georadius_ro", cmd_georadius_ro)
register_c("georadiusbymember_ro", cmd_georadiusbymember_ro)
register_c("geosearch", cmd_geosearch)
register_c("geosearchstore", cmd_geosearchstore)
register_c("geohash", cmd_geohash)
register_c("geopos", cmd_geopos)
register_c("geodist", cmd_geodist)
