"""ACL (Redis 7.0's access control lists): users and selectors, their rules
and descriptions (rules), the keys a command names for key patterns (keys),
and the server's state: users, authentication, the ACL log, the ACL file
(store). The request-path check is the engine's (engine/acl.pyx)."""

from .store import Acl, compile_guard, validate_config_user

__all__ = ["Acl", "compile_guard", "validate_config_user"]
