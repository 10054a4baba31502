cdef int struct_pack(lua_State* L) noexcept:
    push_where_error(L, b"struct.pack is not available yet")
    return RK_LUA_RAISE


cdef int struct_unpack(lua_State* L) noexcept:
    push_where_error(L, b"struct.unpack is not available yet")
    return RK_LUA_RAISE


cdef int struct_size(lua_State* L) noexcept:
    push_where_error(L, b"struct.size is not available yet")
    return RK_LUA_RAISE
