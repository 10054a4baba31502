"""TLS: the server's SSLContext built from the tls-* parameters, as Redis's
tlsConfigure (tls.c) builds its SSL_CTX.

build_context(cfg) checks the parameters in Redis's order and raises
TlsError with Redis's words; the contexts it returns are complete, so a
failed reconfiguration leaves the old ones serving. The listener hands the
server context to uvloop's create_server(ssl=...), whose SSL protocol drives
the handshake and feeds the client's BufferedProtocol; the client context is
what the replica's link to its master uses with tls-replication.

Three OpenSSL settings have no Python API: the TLSv1.3 ciphersuites and the
server session cache's mode, size and timeout.  They are set on the
context's SSL_CTX through libssl (the library the ssl module is linked
with); the first use checks that the SSL_CTX pointer read from the context
is the one ssl uses, and refuses to go on otherwise.
"""
import ssl
import warnings

# tls-auth-clients -> the verification a new connection gets (Redis sets it
# per SSL object; here the context of the listener carries it)
VERIFY_MODES = {"no": ssl.CERT_NONE, "optional": ssl.CERT_OPTIONAL, "yes": ssl.CERT_REQUIRED}

_PROTOCOLS = {"tlsv1": "TLSv1", "tlsv1.1": "TLSv1_1", "tlsv1.2": "TLSv1_2", "tlsv1.3": "TLSv1_3"}
_NO_OPTION = {"TLSv1": "OP_NO_TLSv1", "TLSv1_1": "OP_NO_TLSv1_1",
              "TLSv1_2": "OP_NO_TLSv1_2", "TLSv1_3": "OP_NO_TLSv1_3"}
_DEFAULT_PROTOCOLS = ("TLSv1_2", "TLSv1_3")

# Seconds a connection the server closes may take to flush its output and
# exchange close_notify before it is cut (uvloop's ssl_shutdown_timeout,
# 30 by default). Redis does not wait for the peer's close_notify at all: a
# peer that goes on sending after a protocol error must see the connection
# end, as on the plain port.
SHUTDOWN_TIMEOUT = 2.0

_SSL_CTRL_SET_SESS_CACHE_SIZE = 42
_SSL_CTRL_SET_SESS_CACHE_MODE = 44
_SSL_SESS_CACHE_OFF = 0
_SSL_SESS_CACHE_SERVER = 2

_libssl = None


def _ssl_lib():
    # ctypes is imported here: a server without TLS never loads it
    import ctypes
    import ctypes.util
    global _libssl
    if _libssl is None:
        lib = ctypes.CDLL(ctypes.util.find_library("ssl") or "libssl.so.3")
        lib.SSL_CTX_ctrl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
        lib.SSL_CTX_ctrl.restype = ctypes.c_long
        lib.SSL_CTX_set_timeout.argtypes = [ctypes.c_void_p, ctypes.c_long]
        lib.SSL_CTX_set_timeout.restype = ctypes.c_long
        lib.SSL_CTX_set_ciphersuites.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.SSL_CTX_set_ciphersuites.restype = ctypes.c_int
        lib.SSL_CTX_set_session_id_context.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint]
        lib.SSL_CTX_set_session_id_context.restype = ctypes.c_int
        lib.SSL_CTX_get_options.argtypes = [ctypes.c_void_p]
        lib.SSL_CTX_get_options.restype = ctypes.c_uint64
        _libssl = lib
    return _libssl


def _ssl_ctx_ptr(ctx):
    """The SSL_CTX* of an ssl.SSLContext: CPython's PySSLContext holds it
    right after the object header.  Checked against the options ssl reports
    (with a marker option toggled), so a layout that differs fails here
    instead of writing through a wrong pointer."""
    import ctypes
    lib = _ssl_lib()
    ptr = ctypes.c_void_p.from_address(id(ctx) + object.__basicsize__).value
    marker = ssl.OP_NO_RENEGOTIATION if hasattr(ssl, "OP_NO_RENEGOTIATION") else ssl.OP_NO_TICKET
    saved = ctx.options
    try:
        for flip in (saved | marker, saved & ~marker):
            ctx.options = flip
            if not ptr or lib.SSL_CTX_get_options(ptr) != int(ctx.options):
                raise RuntimeError("cannot reach the SSL_CTX of an ssl.SSLContext")
    finally:
        ctx.options = saved
    return ptr


class TlsError(Exception):
    """The reason tlsConfigure fails, as Redis logs it."""


def parse_protocols(value):
    """tls-protocols -> the protocol names enabled (Redis's parseProtocolsConfig)."""
    if not value:
        return _DEFAULT_PROTOCOLS
    enabled = set()
    for token in value.split(" "):
        name = _PROTOCOLS.get(token.lower())
        if name is None:
            raise TlsError("Invalid tls-protocols specified. "
                           "Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.")
        enabled.add(name)
    return tuple(enabled)


def _load_chain(ctx, cert_file, key_file, key_pass):
    password = (key_pass or "").encode("utf-8", "surrogateescape")
    try:
        ctx.load_cert_chain(cert_file, key_file, password=lambda: password)
    except (ssl.SSLError, OSError) as exc:
        what = ("certificate", cert_file) if not _has_certificate(cert_file) else (
            "private key", key_file)
        raise TlsError("Failed to load %s: %s: %s" % (what[0], what[1], _ssl_reason(exc))) from None


def _has_certificate(path):
    try:
        with open(path, "rb") as f:
            return b"-----BEGIN CERTIFICATE-----" in f.read()
    except OSError:
        return False


def _ssl_reason(exc):
    if isinstance(exc, ssl.SSLError):
        return exc.reason or str(exc)
    return exc.strerror or str(exc)


def _base_context(cfg, protocols, client, prefix=None):
    """What the server and the client context share (Redis's
    createSSLContext): protocols, the certificate and key (the tls-client-*
    ones for a client context unless `prefix` says otherwise), the CAs,
    ciphers and ciphersuites."""
    if prefix is None:
        prefix = "tls-client-" if client else "tls-"
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT if client else ssl.PROTOCOL_TLS_SERVER)
    # OpenSSL's defaults, as Redis has them: Python's context starts
    # stricter (its own cipher list, TLSv1.2 at least, server preference on)
    ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    ctx.maximum_version = ssl.TLSVersion.MAXIMUM_SUPPORTED
    ctx.set_ciphers("DEFAULT")
    options = ctx.options & ~ssl.OP_CIPHER_SERVER_PREFERENCE
    options |= ssl.OP_NO_COMPRESSION
    for name, opt in _NO_OPTION.items():
        if name not in protocols:
            options |= getattr(ssl, opt)
    with warnings.catch_warnings():         # the OP_NO_TLS* options are deprecated in Python
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.options = options

    _load_chain(ctx, cfg[prefix + "cert-file"], cfg[prefix + "key-file"],
                cfg[prefix + "key-file-pass"])
    ca_file, ca_dir = cfg["tls-ca-cert-file"], cfg["tls-ca-cert-dir"]
    if ca_file or ca_dir:
        try:
            ctx.load_verify_locations(ca_file or None, ca_dir or None)
        except (ssl.SSLError, OSError) as exc:
            raise TlsError("Failed to configure CA certificate(s) file/directory: %s"
                           % _ssl_reason(exc)) from None
    if cfg["tls-ciphers"]:
        try:
            ctx.set_ciphers(cfg["tls-ciphers"])
        except ssl.SSLError:
            raise TlsError("Failed to configure ciphers: %s" % cfg["tls-ciphers"]) from None
    if cfg["tls-ciphersuites"]:
        if not _ssl_lib().SSL_CTX_set_ciphersuites(_ssl_ctx_ptr(ctx), cfg["tls-ciphersuites"].encode()):
            raise TlsError("Failed to configure ciphersuites: %s" % cfg["tls-ciphersuites"])
    return ctx


def build_context(cfg):
    """(server, client) SSLContexts for the tls-* values of `cfg`; raises
    TlsError with the line Redis logs when they do not make them.

    The client context (a replica's link to its master) presents
    tls-client-cert-file / tls-client-key-file, or the server's own
    certificate when those are not both set, as Redis uses its server
    SSL_CTX then; it verifies the master's certificate against the CAs but
    not its name, as Redis does."""
    if not cfg["tls-cert-file"]:
        raise TlsError("No tls-cert-file configured!")
    if not cfg["tls-key-file"]:
        raise TlsError("No tls-key-file configured!")
    if (cfg["tls-auth-clients"] != "no" or cfg["tls-cluster"] or cfg["tls-replication"]) and \
            not cfg["tls-ca-cert-file"] and not cfg["tls-ca-cert-dir"]:
        raise TlsError("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when "
                       "tls-cluster, tls-replication or tls-auth-clients are enabled!")
    protocols = parse_protocols(cfg["tls-protocols"])

    ctx = _base_context(cfg, protocols, client=False)
    ctx.verify_mode = VERIFY_MODES[cfg["tls-auth-clients"]]
    options = ctx.options | ssl.OP_SINGLE_DH_USE
    if hasattr(ssl, "OP_NO_RENEGOTIATION"):
        options |= ssl.OP_NO_RENEGOTIATION
    if cfg["tls-prefer-server-ciphers"]:
        options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.options = options
    ptr = _ssl_ctx_ptr(ctx)
    lib = _ssl_lib()
    if cfg["tls-session-caching"]:
        lib.SSL_CTX_ctrl(ptr, _SSL_CTRL_SET_SESS_CACHE_MODE, _SSL_SESS_CACHE_SERVER, None)
        lib.SSL_CTX_ctrl(ptr, _SSL_CTRL_SET_SESS_CACHE_SIZE, cfg["tls-session-cache-size"], None)
        lib.SSL_CTX_set_timeout(ptr, cfg["tls-session-cache-timeout"])
        lib.SSL_CTX_set_session_id_context(ptr, b"redis", 5)
    else:
        lib.SSL_CTX_ctrl(ptr, _SSL_CTRL_SET_SESS_CACHE_MODE, _SSL_SESS_CACHE_OFF, None)
        ctx.options |= ssl.OP_NO_TICKET
        ctx.num_tickets = 0

    dh_file = cfg["tls-dh-params-file"]
    if dh_file:
        try:
            open(dh_file, "rb").close()
        except OSError as exc:
            raise TlsError("Failed to load %s: %s" % (dh_file, exc.strerror)) from None
        try:
            ctx.load_dh_params(dh_file)
        except (ssl.SSLError, OSError):
            raise TlsError("%s: failed to read DH params." % dh_file) from None
    if cfg["tls-client-cert-file"] and cfg["tls-client-key-file"]:
        client = _base_context(cfg, protocols, client=True)
    else:
        client = _base_context(cfg, protocols, client=True, prefix="tls-")
    client.check_hostname = False
    client.verify_mode = ssl.CERT_REQUIRED
    return ctx, client
