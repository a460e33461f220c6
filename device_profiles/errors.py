"""One error hierarchy for the whole toolkit.

UserError and its children are problems with what the user gave us (a profile,
a file, a port); the CLI prints them as one line and exits 2. CheckFailed is a
check that ran and did not pass (a design over budget, a bit mismatch); exit 1.
DeviceError is the device or the link misbehaving. Anything else is a bug.
"""

from __future__ import annotations


class SoundstageError(Exception):
    """Base of every error soundstage raises on purpose."""

    exit_code = 1


class UserError(SoundstageError):
    """Bad input: a malformed profile, a missing file, an unknown name."""

    exit_code = 2


class ProfileError(UserError):
    """A device profile that does not validate; `problems` lists every one."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s)\n{lines}")


class CheckFailed(SoundstageError):
    """A check ran to the end and failed (over budget, mismatch, tolerance)."""

    exit_code = 1


class DeviceError(SoundstageError):
    """The device or the link: no answer, NAK, wrong port, protocol error."""

    exit_code = 1
