"""``rkvd-systemd``: install rkvd as a systemd service.

    rkvd-systemd install [--root DIR] [--user NAME] [--force] [--rkvd PATH]
    rkvd-systemd unit    print the unit this installation would install
    rkvd-systemd conf    print the default configuration file

``install`` creates the service user and ``/var/lib/rkvd``, puts the default
configuration in ``/etc/rkvd/rkvd.conf`` (an existing one is kept unless
``--force``) and writes ``/etc/systemd/system/rkvd.service`` with an
``ExecStart`` naming the rkvd script of this installation, then reloads
systemd. ``--root DIR`` stages the same files under DIR instead (no user,
no ownership changes, no reload), for packaging and for tests.
"""
import argparse
import grp
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
from importlib import resources

CONF_PATH = "/etc/rkvd/rkvd.conf"
UNIT_PATH = "/etc/systemd/system/rkvd.service"
STATE_DIR = "/var/lib/rkvd"
DEFAULT_USER = "rkvd"


def packaged(name):
    """The text of a file shipped in this package (rkvd.conf, rkvd.service)."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def rkvd_script():
    """Absolute path of the `rkvd` console script installed beside this one."""
    candidates = [os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "rkvd"),
                  os.path.join(sysconfig.get_path("scripts"), "rkvd"),
                  shutil.which("rkvd")]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return os.path.abspath(path)
    return None


def unit_text(rkvd, conf=CONF_PATH, user=DEFAULT_USER):
    text = packaged("rkvd.service")
    return text.replace("@RKVD@", rkvd).replace("@CONF@", conf).replace("@USER@", user)


def _staged(root, path):
    return os.path.join(root, path.lstrip("/")) if root else path


def _ensure_user(name):
    try:
        pwd.getpwnam(name)
        return False
    except KeyError:
        pass
    subprocess.run(["useradd", "--system", "--user-group", "--home-dir", STATE_DIR,
                    "--no-create-home", "--shell", "/usr/sbin/nologin",
                    "--comment", "rkvd server", name], check=True)
    return True


def install(root=None, user=DEFAULT_USER, force=False, rkvd=None, out=sys.stdout):
    """Install (or, with `root`, stage) the service; returns an exit status."""
    rkvd = rkvd or rkvd_script()
    if not rkvd:
        print("rkvd-systemd: cannot find the installed `rkvd` script; pass --rkvd PATH",
              file=sys.stderr)
        return 1
    if not root and os.geteuid() != 0:
        print("rkvd-systemd: installing a system service needs root (or use --root DIR)",
              file=sys.stderr)
        return 1
    if rkvd.startswith(("/home/", "/root/", "/run/user/")):
        print(f"warning: {rkvd} is under a home directory, which the unit's "
              "ProtectHome=true hides from the service; install rkvd elsewhere "
              "(a venv under /opt, say)", file=out)
    owner = None
    if not root:
        if _ensure_user(user):
            print(f"created system user {user}", file=out)
        owner = (pwd.getpwnam(user).pw_uid, grp.getgrnam(user).gr_gid)

    state = _staged(root, STATE_DIR)
    os.makedirs(state, mode=0o750, exist_ok=True)
    if owner:
        os.chown(state, *owner)
    conf = _staged(root, CONF_PATH)
    os.makedirs(os.path.dirname(conf), mode=0o755, exist_ok=True)
    if os.path.exists(conf) and not force:
        print(f"kept the existing {conf} (--force replaces it)", file=out)
    else:
        with open(conf, "w", encoding="utf-8") as f:
            f.write(packaged("rkvd.conf"))
        # Readable by the service, not by everyone: it may hold requirepass.
        os.chmod(conf, 0o640)
        if owner:
            os.chown(conf, 0, owner[1])
        print(f"wrote {conf}", file=out)
    unit = _staged(root, UNIT_PATH)
    os.makedirs(os.path.dirname(unit), mode=0o755, exist_ok=True)
    with open(unit, "w", encoding="utf-8") as f:
        f.write(unit_text(rkvd, CONF_PATH, user))
    os.chmod(unit, 0o644)
    print(f"wrote {unit} (ExecStart={rkvd})", file=out)
    if not root:
        if os.path.isdir("/run/systemd/system") and shutil.which("systemctl"):
            subprocess.run(["systemctl", "daemon-reload"], check=False)
            print("start it with: systemctl enable --now rkvd", file=out)
        else:
            print("systemd is not running here; the unit is in place for when it is", file=out)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="rkvd-systemd", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    p = sub.add_parser("install", help="install the unit, configuration, user and directory")
    p.add_argument("--root", help="stage the files under this directory instead")
    p.add_argument("--user", default=DEFAULT_USER, help="service user (default: rkvd)")
    p.add_argument("--force", action="store_true", help="replace an existing rkvd.conf")
    p.add_argument("--rkvd", help="path of the rkvd script (default: the one installed "
                                  "beside rkvd-systemd)")
    p = sub.add_parser("unit", help="print the unit file")
    p.add_argument("--user", default=DEFAULT_USER)
    p.add_argument("--rkvd")
    sub.add_parser("conf", help="print the default configuration")
    args = parser.parse_args(argv)
    if args.action == "install":
        return install(args.root, args.user, args.force, args.rkvd)
    if args.action == "unit":
        rkvd = args.rkvd or rkvd_script()
        if not rkvd:
            print("rkvd-systemd: cannot find the installed `rkvd` script", file=sys.stderr)
            return 1
        sys.stdout.write(unit_text(rkvd, CONF_PATH, args.user))
        return 0
    sys.stdout.write(packaged("rkvd.conf"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
