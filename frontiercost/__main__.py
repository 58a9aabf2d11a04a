"""``python -m frontiercost`` and the ``frontiercost`` console script."""

import atexit
import logging
import os
import signal
import sys

_STOPPED = {
    signal.SIGINT: b"frontiercost: interrupted\n",
    signal.SIGTERM: b"frontiercost: terminated\n",
}


def _while_loading(signum: int, frame: object) -> None:
    # A signal while the command line still imports: nothing is written yet, and a
    # KeyboardInterrupt there would leave half-imported modules printing tracebacks.
    os.write(2, _STOPPED[signal.Signals(signum)])
    os._exit(128 + signum)


def run() -> None:
    """Start the command line: a signal ends it in one line from the first instant."""
    previous = {s: signal.signal(s, _while_loading) for s in _STOPPED}
    from .cli import main

    for signum, handler in previous.items():
        signal.signal(signum, handler)  # main installs its own
    code = main()
    if code in (128 + signal.SIGINT, 128 + signal.SIGTERM):
        # Interrupted: main has cleaned up; the exit hooks close what dask still runs.
        # The rest of interpreter shutdown is skipped: with threads of an interrupted
        # dask cluster still about, it could hang or end the process by the signal.
        sys.stdout.flush()
        sys.stderr.flush()
        if not {"-v", "--verbose"} & set(sys.argv):
            # its closing noise, CRITICAL "Closed comm" included
            logging.getLogger("distributed").setLevel(logging.CRITICAL + 1)
        atexit._run_exitfuncs()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
