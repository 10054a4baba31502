"""The command table: one declarative row per Redis 7.0.15 command.

The dispatcher copies name, arity, flags and key positions into its C table
at start-up; the COMMAND replies and COMMAND GETKEYS are rendered here.
Rows say nothing about handlers; the commands that have none yet are listed
in unbuilt.py, and check_handlers holds the table, the handlers and that
list to each other.

  dsl.py       the row language: `_c`, KeySpec, Arg, CommandSpec, flag orders
  generic.py, string.py, ...   the rows, one module per command group
  table.py     SPECS (name -> CommandSpec) and look-ups into it
  keys.py      key extraction (COMMAND GETKEYS, getkeys procs)
  replies.py   COMMAND INFO / DOCS / LIST replies
  unbuilt.py   UNBUILT, the rows with no handler yet
  check.py     check_handlers, the start-up consistency check
"""

from .check import CommandTableError, check_handlers
from .dsl import (
    ACL_CATEGORIES,
    ARG_FLAGS,
    ARG_TYPES,
    COMMAND_FLAGS,
    DOC_FLAGS,
    GROUPS,
    KEY_FLAGS,
    Arg,
    CommandSpec,
    KeySpec,
)
from .keys import GETKEYS_PROCS, get_keys, get_keys_and_flags, has_keys
from .replies import acl_categories, command_docs, command_info, command_list
from .table import SPECS, all_specs, lookup, lookup_name
from .unbuilt import UNBUILT

__all__ = [
    "SPECS", "CommandSpec", "KeySpec", "Arg", "all_specs", "lookup", "lookup_name",
    "command_info", "command_docs", "command_list", "get_keys",
    "get_keys_and_flags", "acl_categories", "has_keys",
    "COMMAND_FLAGS", "KEY_FLAGS", "ARG_FLAGS", "DOC_FLAGS", "GROUPS",
    "UNBUILT", "check_handlers", "CommandTableError", "ACL_CATEGORIES", "ARG_TYPES",
    "GETKEYS_PROCS",
]
