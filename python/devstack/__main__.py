"""`python -m devstack ARGS`: the devstack binary of this installation."""

import os
import sys

from devstack import find_devstack_bin


def main() -> None:
    binary = find_devstack_bin()
    if sys.platform == "win32":
        import subprocess

        sys.exit(subprocess.call([binary, *sys.argv[1:]]))
    os.execv(binary, [binary, *sys.argv[1:]])


if __name__ == "__main__":
    main()
