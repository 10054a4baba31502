# Connection commands on the hot path (PING, ECHO); the rest of the
# connection and server commands are Python handlers (rkvd/commands/).

cdef int cmd_ping(Client c) except -1:
    if c.argc > 2:
        return c.add_error_str(f"wrong number of arguments for '{(<Command>c.cur_cmd).name}' command")
    if c.flags & CF_PUBSUB and c.resp == 2:
        # a RESP2 subscriber gets PING's answer in the shape of a message
        if c.argc == 1:
            return c.add_canned(b"*2\r\n$4\r\npong\r\n$0\r\n\r\n")
        c.add_canned(b"*2\r\n$4\r\npong\r\n")
        return c.add_bulk(c.argv[1].ptr, c.argv[1].len)
    if c.argc == 1:
        return c.add_canned(b"+PONG\r\n")
    return c.add_bulk(c.argv[1].ptr, c.argv[1].len)

cdef int cmd_echo(Client c) except -1:
    return c.add_bulk(c.argv[1].ptr, c.argv[1].len)

register_c("ping", cmd_ping)
register_c("echo", cmd_echo)
