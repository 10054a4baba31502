"""The COMMAND replies: INFO entries, DOCS maps and LIST names, rendered once
per spec and cached on it. Reply values follow rkvd.replytypes."""

from ..replytypes import RespMap, RespSet
from ..strutil import stringmatch
from .dsl import ACL_CATEGORIES
from .table import SPECS, _lower


def command_info(spec):
    """The COMMAND INFO entry of one command (None for an unknown name)."""
    if spec is None:
        return None
    if spec._info is None:
        subs = ([command_info(s) for s in spec.subcommands.values()]
                if spec.subcommands else RespSet())
        spec._info = [
            spec.fullname.encode(), spec.arity, RespSet(spec.flags),
            spec.first_key, spec.last_key, spec.step, RespSet(spec.acl_categories),
            RespSet([t.encode() for t in spec.tips]),
            RespSet([k.reply() for k in spec.key_specs]), subs,
        ]
    return spec._info


def command_docs(spec):
    """The COMMAND DOCS map of one command: the value paired with its fullname."""
    if spec._docs is None:
        out = RespMap()
        if spec.summary is not None:
            out.append((b"summary", spec.summary.encode()))
        if spec.since is not None:
            out.append((b"since", spec.since.encode()))
        out.append((b"group", spec.group.encode()))
        if spec.complexity is not None:
            out.append((b"complexity", spec.complexity.encode()))
        if spec.doc_flags:
            out.append((b"doc_flags", RespSet(spec.doc_flags)))
        if spec.deprecated_since is not None:
            out.append((b"deprecated_since", spec.deprecated_since.encode()))
        if spec.replaced_by is not None:
            out.append((b"replaced_by", spec.replaced_by.encode()))
        if spec.history:
            out.append((b"history", RespSet([[v.encode(), t.encode()]
                                             for v, t in spec.history])))
        if spec.arguments:
            out.append((b"arguments", [a.reply() for a in spec.arguments]))
        if spec.subcommands:
            out.append((b"subcommands", RespMap([(s.fullname.encode(), command_docs(s))
                                                 for s in spec.subcommands.values()])))
        spec._docs = out
    return spec._docs


def acl_categories():
    """All ACL category names, without '@', in Redis's order (ACL CAT)."""
    return list(ACL_CATEGORIES)


def command_list(filter_type=None, arg=None):
    """Fullnames for COMMAND LIST [FILTERBY MODULE|ACLCAT|PATTERN arg], as bytes.

    filter_type is "module", "aclcat" or "pattern" (any case); arg is str or bytes."""
    ftype = _lower(filter_type) if filter_type else None
    out = []
    for spec in SPECS.values():
        for s in [spec, *spec.subcommands.values()]:
            if ftype is None:
                ok = True
            elif ftype == "module":
                ok = False
            elif ftype == "aclcat":
                ok = ("@" + _lower(arg)) in s.acl_categories
            elif ftype == "pattern":
                ok = stringmatch(arg, s.fullname, nocase=True)
            else:
                raise ValueError("syntax error")
            if ok:
                out.append(s.fullname.encode())
    return out

