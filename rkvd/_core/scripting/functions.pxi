# Redis 7.0 functions (functions.c, function_lua.c): placeholder until the
# function engine lands; FUNCTION and FCALL stay unbuilt.
