"""devstack from Python: the binary this package installs, and a stack of
your project's manifest for a test session.

    from devstack import Stack

    with Stack.start(engine="embedded") as stack:
        ...  # boto3 clients made here reach the stack's endpoint

The pytest plugin (`devstack.pytest_plugin`, registered on install) gives the
same as fixtures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Mapping, Optional, Union

__all__ = ["DevstackError", "Stack", "find_devstack_bin"]

PathLike = Union[str, "os.PathLike[str]"]

# The variables a stack sets; every other `AWS_*` and `DEVSTACK_*` variable
# is withheld while it is in use, so a test that forgets its endpoint fails
# instead of reaching a real account.
_OWN_PREFIXES = ("AWS_", "DEVSTACK_")


class DevstackError(RuntimeError):
    """devstack could not do what was asked; the message says why and what to try."""


def find_devstack_bin() -> str:
    """The devstack binary installed with this package (in the environment's
    scripts folder, or the user's), else the first `devstack` on PATH."""
    name = "devstack" + (sysconfig.get_config_var("EXE") or "")
    candidates = [Path(sysconfig.get_path("scripts")) / name]
    if sys.version_info >= (3, 10):
        user = sysconfig.get_preferred_scheme("user")
        candidates.append(Path(sysconfig.get_path("scripts", scheme=user)) / name)
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    import shutil

    found = shutil.which("devstack")
    if found:
        return found
    raise DevstackError(
        "the devstack binary is not installed: looked in "
        + ", ".join(str(c.parent) for c in candidates)
        + " and on PATH\n  hint: `pip install devstack` installs it with this package"
    )


class Stack:
    """A throwaway stack of a manifest: a project name of its own, free ports,
    in memory. Made by :meth:`start`, removed by :meth:`down`. If the process
    that started it dies first, `devstack gc` removes it."""

    def __init__(self, variables: Mapping[str, str], binary: str, cwd: Optional[Path]):
        self.variables: Dict[str, str] = dict(variables)
        self._binary = binary
        self._cwd = cwd
        self._removed = False

    @classmethod
    def start(
        cls,
        file: Optional[PathLike] = None,
        engine: Optional[str] = None,
        cwd: Optional[PathLike] = None,
        timeout: Optional[int] = None,
    ) -> "Stack":
        """Brings up a fresh stack of the manifest `file` (else the
        `devstack.toml` found from `cwd` upwards) on `engine` (else the
        manifest's), and waits until its tables are made and seeded."""
        binary = find_devstack_bin()
        args = [binary]
        if file is not None:
            args += ["-f", os.fspath(file)]
        if engine:
            args += ["--engine", engine]
        args += ["up", "--throwaway", "--format", "json"]
        if timeout is not None:
            args += ["--timeout", str(timeout)]
        where = Path(cwd) if cwd is not None else None
        # devstack's own process: the stack belongs to this one, its parent.
        done = subprocess.run(
            args,
            cwd=where,
            env=_env_for_devstack(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        if done.returncode != 0:
            manifest = os.fspath(file) if file is not None else f"the devstack.toml found from {where or Path.cwd()}"
            on = f"the {engine} engine" if engine else "the manifest's engine"
            raise DevstackError(
                f"devstack could not bring up a stack of {manifest} on {on} "
                f"(exit {done.returncode}):\n{done.stderr.rstrip()}\n"
                "  hint: `devstack doctor` checks what `up` needs"
            )
        try:
            variables = json.loads(done.stdout)
        except ValueError as err:
            raise DevstackError(f"devstack printed no variables ({err}): {done.stdout!r}") from err
        return cls(variables, binary, where)

    @property
    def project(self) -> str:
        """The stack's project name (`devstack -p NAME ...` reaches it)."""
        return self.variables["DEVSTACK_PROJECT"]

    @property
    def engine(self) -> str:
        return self.variables["DEVSTACK_ENGINE"]

    @property
    def endpoint(self) -> str:
        """The URL the AWS SDKs reach the engine at."""
        return self.variables["AWS_ENDPOINT_URL"]

    @property
    def region(self) -> str:
        return self.variables["AWS_REGION"]

    def table(self, name: str) -> str:
        """The physical name of the manifest's table `name` (with the prefix)."""
        return self.variables.get("DEVSTACK_TABLE_PREFIX", "") + name

    def devstack(self, *args: str) -> subprocess.CompletedProcess:
        """Runs `devstack ARGS` on this stack; raises DevstackError when it fails."""
        done = subprocess.run(
            [self._binary, "-p", self.project, *args],
            cwd=self._cwd,
            env=_env_for_devstack(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        if done.returncode != 0:
            raise DevstackError(
                f"`devstack -p {self.project} {' '.join(args)}` failed (exit {done.returncode}):\n"
                + done.stderr.rstrip()
            )
        return done

    def reset(self, *tables: str) -> None:
        """Brings the named manifest tables (all by default) back to their seed data."""
        self.devstack("reset", *tables)

    def down(self) -> None:
        """Removes the stack; calling it again does nothing."""
        if self._removed:
            return
        self.devstack("down", "--volumes")
        self._removed = True

    @contextmanager
    def environment(self) -> Iterator["Stack"]:
        """Sets the stack's variables in `os.environ` (withholding every other
        `AWS_*` and `DEVSTACK_*` one), and puts the environment back after."""
        saved = dict(os.environ)
        for name in [n for n in os.environ if n.startswith(_OWN_PREFIXES)]:
            del os.environ[name]
        os.environ.update(self.variables)
        try:
            yield self
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def __enter__(self) -> "Stack":
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()

    def __repr__(self) -> str:
        return f"Stack(project={self.project!r}, engine={self.engine!r}, endpoint={self.endpoint!r})"


def _env_for_devstack() -> Dict[str, str]:
    """devstack's own environment: this process's, without the variables a
    stack sets for the tests (devstack acts on `-p NAME` alone)."""
    skip = ("DEVSTACK_PROJECT", "DEVSTACK_ENGINE", "DEVSTACK_FILE", "DEVSTACK_ENDPOINT")
    return {k: v for k, v in os.environ.items() if k not in skip}
