cdef int mp_pack(lua_State* L) noexcept:
    push_where_error(L, b"cmsgpack.pack is not available yet")
    return RK_LUA_RAISE


cdef int mp_unpack(lua_State* L) noexcept:
    push_where_error(L, b"cmsgpack.unpack is not available yet")
    return RK_LUA_RAISE


cdef int mp_unpack_one(lua_State* L) noexcept:
    return mp_unpack(L)


cdef int mp_unpack_limit(lua_State* L) noexcept:
    return mp_unpack(L)
