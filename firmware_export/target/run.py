"""Boot target firmware under ``qemu-system-arm -M mps2-an386``.

Two ways to run it:

* :func:`run` -- batch: feed bytes to UART0, collect what the firmware
  writes until it exits through semihosting, return the exit status and the
  UART output. Used by the benchmarks and the kernel tests.
* :class:`Qemu` -- interactive: UART0 on a pseudo-terminal (``-serial pty``),
  for the host tools (``soundstage flash/info/stream``) to talk to.

Every run uses ``-icount shift=0``: one guest instruction is one nanosecond
of virtual time, so SysTick counts instructions and runs are deterministic.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .build import QEMU

MACHINE = "mps2-an386"


def qemu_command(elf: Path, serial: str = "stdio", extra: list[str] | None = None,
                 args: list[str] | None = None, icount: bool = True) -> list[str]:
    """The qemu command line for one boot of ``elf`` with UART0 on ``serial``.

    ``args`` reach the firmware as its semihosting command line (after the
    program name); commas are escaped for qemu's option parser.
    """
    semi = "enable=on,target=native"
    for a in [Path(elf).stem, *(args or [])]:
        semi += ",arg=" + a.replace(",", ",,")
    return [
        QEMU, "-M", MACHINE, "-display", "none", "-monitor", "none",
        "-serial", serial,
        "-semihosting-config", semi,
        *(["-icount", "shift=0,align=off,sleep=off"] if icount else []),
        "-kernel", str(elf),
        *(extra or []),
    ]


@dataclass(frozen=True)
class RunResult:
    returncode: int
    uart: bytes
    stderr: str

    @property
    def text(self) -> str:
        return self.uart.decode("utf-8", errors="replace")

    def check(self) -> RunResult:
        if self.returncode != 0:
            raise RuntimeError(
                f"target exited with status {self.returncode}\n"
                f"--- uart ---\n{self.text[-2000:]}\n--- qemu ---\n{self.stderr[-2000:]}"
            )
        return self


def run(elf: Path, uart_input: bytes = b"", timeout: float = 120.0,
        cwd: Path | None = None, args: list[str] | None = None) -> RunResult:
    """Boot ``elf``, send ``uart_input`` to UART0, wait for the firmware to exit.

    ``cwd`` is where semihosting resolves relative file names.
    """
    proc = subprocess.run(
        qemu_command(Path(elf), args=args), input=uart_input, capture_output=True,
        timeout=timeout, cwd=cwd,
    )
    return RunResult(proc.returncode, proc.stdout, proc.stderr.decode(errors="replace"))


def _die_with_parent() -> None:
    """In the qemu child: get SIGKILL when the Python that started it dies
    (Linux), so a killed test run leaves no qemu behind."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Qemu:
    """qemu running ``elf`` in the background with UART0 on a pseudo-terminal.

    ``with Qemu(elf) as q: serial.Serial(q.pty)``. ``kill()`` stops it at
    once (a power cut, as far as the firmware is concerned).
    """

    _PTY = re.compile(rb"char device redirected to (/dev/pts/\d+)")

    def __init__(self, elf: Path, cwd: Path | None = None, timeout: float = 10.0,
                 args: list[str] | None = None, icount: bool = True):
        self.proc = subprocess.Popen(
            qemu_command(Path(elf), serial="pty", args=args, icount=icount),
            stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd,
        )
        self.pty = self._wait_for_pty(timeout)
        # qemu discards what the guest writes to a pty until it sees the other
        # end open, and looks only once a second; holding the slave open from
        # the start makes the first replies arrive. Raw mode, or the pty would
        # echo every host byte back into the guest.
        import os
        import tty

        self._hold = os.open(self.pty, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self._hold)

    def _wait_for_pty(self, timeout: float) -> str:
        import selectors
        import time

        assert self.proc.stdout is not None
        buf = b""
        deadline = time.monotonic() + timeout
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not sel.select(timeout=0.1):
                if self.proc.poll() is not None:
                    break
                continue
            chunk = self.proc.stdout.read1(4096)
            if not chunk:
                break
            buf += chunk
            match = self._PTY.search(buf)
            if match:
                return match.group(1).decode()
        self.kill()
        raise RuntimeError(f"qemu did not report its pty: {buf.decode(errors='replace')}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        hold = getattr(self, "_hold", None)
        if hold is not None:
            import os

            os.close(hold)
            self._hold = None

    def wait(self, timeout: float | None = None) -> int:
        """Exit status of qemu (the firmware's semihosting exit status)."""
        return self.proc.wait(timeout)

    def __enter__(self) -> Qemu:
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()
