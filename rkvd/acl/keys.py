"""The keys a command names, with the access ACL key patterns check: read
for a key spec with the access flag, write for insert, delete or update
(Redis's ACLSelectorCheckKey). The engine's check asks key_plan once per
command and command_keys for the commands whose keys need a search."""

from rkvd.commandspec.keys import _keys_from_specs, has_keys

READ, WRITE = 1, 2


def perm_of(flags):
    """ACL permission bits a key spec's flags require."""
    perm = 0
    if "access" in flags:
        perm |= READ
    if "insert" in flags or "delete" in flags or "update" in flags:
        perm |= WRITE
    return perm


def key_plan(spec):
    """() for a command with no keys, a tuple of (first, lastkey, step,
    perm) when every key spec is a plain index range the engine can walk
    itself, else None (command_keys then finds them)."""
    if not has_keys(spec):
        return ()
    if spec.getkeys_proc is not None:
        return None
    plan = []
    for ks in spec.key_specs:
        if "not_key" in ks.flags:
            continue
        if (ks.bs_type != "index" or ks.fk_type != "range" or ks.fk_limit
                or "incomplete" in ks.flags or "variable_flags" in ks.flags):
            return None
        plan.append((ks.bs_index, ks.fk_lastkey, ks.fk_keystep, perm_of(ks.flags)))
    return tuple(plan)


def command_keys(spec, argv):
    """[(argument index, perm)] of the keys in argv (argv[0] the command
    name), as Redis's getKeysFromCommandWithSpecs: the key specs unless
    they fail or have variable flags, then the command's own procedure."""
    keys = None
    varflags = any("variable_flags" in k.flags for k in spec.key_specs)
    if any("not_key" not in k.flags for k in spec.key_specs) and not varflags:
        keys = _keys_from_specs(spec, argv)
    if keys is None:
        keys = spec.getkeys_proc(argv) if spec.getkeys_proc else []
    return [(pos, perm_of(flags)) for pos, flags in keys]
