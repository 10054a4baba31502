"""The commands implemented in Python, one module per Redis seam.

Each module has ``handlers(server) -> {name: fn(client, args)}``; the server
loads the modules it lists in ``rkvd.server.HANDLER_MODULES`` and the engine
checks every name against the command table at start-up.

    config         CONFIG (config.c)
    introspection  INFO and COMMAND (server.c)
    memory         MEMORY (object.c)
    debug          DEBUG (debug.c)
    server         TIME, SHUTDOWN
    persistence    SAVE, BGSAVE, LASTSAVE (rdb.c), over rkvd.persistence
    conn           HELLO, AUTH, CLIENT, QUIT, RESET (networking.c, acl.c)
    restore        RESTORE (cluster.c), bound to the RDB loader's C handler
    dump           DUMP (cluster.c), bound to the RDB writer's C handler
    migrate        MIGRATE (cluster.c): the network side, over persist/migrate.pyx

``common`` holds what they share: argument parsing, Redis's help and
subcommand-error replies, and the protected-command access check.
"""
