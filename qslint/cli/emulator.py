"""``qslint emulator``: serve the local QuickSight endpoint until Ctrl-C."""

from __future__ import annotations

import errno
import signal
import threading
from pathlib import Path

import click

from qslint.cli.options import FiniteFloatRange, UsageError, debug_option
from qslint.emulator.routes import OPERATIONS
from qslint.emulator.service import Faults, Settings
from qslint.findings import plural

_FRACTION = FiniteFloatRange(0.0, 1.0)
_SECONDS = FiniteFloatRange(min=0.0)


@click.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=5050,
    show_default=True,
    help="The port on 127.0.0.1 (0: any free one).",
)
@click.option(
    "--region",
    default="us-east-1",
    show_default=True,
    help="The region of calls whose signature names none.",
)
@click.option(
    "--queued-seconds",
    type=_SECONDS,
    default=1.0,
    show_default=True,
    help="How long a job stays QUEUED.",
)
@click.option(
    "--running-seconds",
    type=_SECONDS,
    default=3.0,
    show_default=True,
    help="How long a job stays RUNNING.",
)
@click.option(
    "--job-failure-rate", type=_FRACTION, default=0.0, show_default=True, help="Jobs that FAIL."
)
@click.option(
    "--error-rate", type=_FRACTION, default=0.0, show_default=True, help="Calls answered 500."
)
@click.option(
    "--throttle-rate",
    type=_FRACTION,
    default=0.0,
    show_default=True,
    help="Calls answered 429 whatever the rate.",
)
@click.option(
    "--drop-rate",
    type=_FRACTION,
    default=0.0,
    show_default=True,
    help="Calls whose connection closes, unanswered, after they took effect.",
)
@click.option(
    "--unavailable-rate",
    type=_FRACTION,
    default=0.0,
    show_default=True,
    help="Calls answered 503 with an HTML page, as a proxy answers, after they took effect.",
)
@click.option(
    "--garbage-rate",
    type=_FRACTION,
    default=0.0,
    show_default=True,
    help="Calls answered 200 with an HTML page instead of JSON, after they took effect.",
)
@click.option(
    "--slow-rate", type=_FRACTION, default=0.0, show_default=True, help="Calls answered late."
)
@click.option(
    "--slow-seconds",
    type=_SECONDS,
    default=2.0,
    show_default=True,
    help="How late a slow call is answered.",
)
@click.option("--seed", type=int, help="Seed the fault and failure draws.")
@click.option(
    "--faults-on",
    "fault_operations",
    multiple=True,
    type=click.Choice(OPERATIONS),
    help="Inject the faults into this operation's calls only (repeatable; default: all).",
)
@click.option(
    "--dashboards",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Serve dashboards/ID.json and data-sets/ID.json from this folder "
    "(as `aws quicksight describe-…` prints them); start then needs a known dashboard.",
)
@debug_option
def emulator(
    port: int,
    region: str,
    queued_seconds: float,
    running_seconds: float,
    job_failure_rate: float,
    error_rate: float,
    throttle_rate: float,
    drop_rate: float,
    unavailable_rate: float,
    garbage_rate: float,
    slow_rate: float,
    slow_seconds: float,
    seed: int | None,
    fault_operations: tuple[str, ...],
    dashboards: Path | None,
) -> None:
    """Serve a local QuickSight endpoint for snapshot jobs on 127.0.0.1.

    It keeps the documented limits: 10 calls/s per account, 12 running jobs, job ids unique
    for 24 hours, buckets in the call's region. Point apply at it with --endpoint-url.
    Ctrl-C (SIGINT) or SIGTERM stops it and prints what it saw.
    """
    from qslint.emulator.server import Emulator

    try:
        faults = Faults(
            error_rate=error_rate,
            throttle_rate=throttle_rate,
            drop_rate=drop_rate,
            unavailable_rate=unavailable_rate,
            garbage_rate=garbage_rate,
            slow_rate=slow_rate,
            slow_seconds=slow_seconds,
            seed=seed,
            operations=frozenset(fault_operations),
        )
    except ValueError as error:
        raise click.BadParameter(str(error)) from error
    settings = Settings(
        region=region,
        queued_seconds=queued_seconds,
        running_seconds=running_seconds,
        job_failure_rate=job_failure_rate,
        faults=faults,
        definitions=dashboards,
    )
    stopped = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stopped.set())
    try:
        emulator = Emulator(settings, port)
    except OSError as error:
        raise UsageError(_listen_problem(port, error)) from error
    with emulator as running:
        click.echo(f"QuickSight emulator on {running.url} (Ctrl-C stops it)", err=True)
        stopped.wait()
        service = running.service
        calls, jobs = len(service.calls()), len(service.jobs())
        click.echo(
            f"\n{plural(calls, 'call')}, at most {service.max_calls_per_second()} in one second; "
            f"{plural(jobs, 'job')}, at most {service.peak_running()} running at once",
            err=True,
        )


def _listen_problem(port: int, error: OSError) -> str:
    """Why the emulator cannot listen on ``port``, and what to do, in one line."""
    where = f"cannot listen on 127.0.0.1:{port}"
    if error.errno == errno.EADDRINUSE:
        return (
            f"{where}: address already in use (another emulator?); choose another --port, "
            "or --port 0 for any free one"
        )
    return f"{where}: {error.strerror or error}"
