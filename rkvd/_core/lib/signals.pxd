# Redis's signal handling in C (lib/signals.pyx). What other extensions may
# cimport: the fork child's side.

# In a fork child, right after the fork: SIGUSR1 (the parent killing the
# child) logs "Received SIGUSR1 in child, exiting now." from the handler and
# exits with status 255, Redis's SERVER_CHILD_NOERROR_RETVAL, which the
# parent reads as "stopped by SIGUSR1", not as a failed child.
cdef void child_signal_setup() noexcept nogil
