"""The worker entry that torchrun starts on every rank:

    python -m two_tower_lab.worker --run-dir <run> [--resume]

SIGTERM (or SIGINT) asks for a stop: the ranks agree on it at the end of the step, rank 0 checkpoints
and writes `ended` `stopped`, every rank exits 0. A repeated signal changes nothing: the front door
signals the whole process group and torchrun's agent then sends its own SIGTERM to every worker (and
SIGKILL 30 s later), so each worker sees two; giving up at once is the front door's call. An error writes
`ended` `failed` with what went wrong (rank 0) and exits 1, except when a collective failed because
another rank is gone: then no rank writes `ended`, the worker prints a line starting with
PEER_LOST_MARKER and exits PEER_LOST_EXIT (3), so that the front door names the rank that died and
not the ones that lost it.
"""
import argparse
import gc
import os
import signal
import sys
import traceback

from .events import EventWriter, NullWriter
from .names import EVENTS_FILE

PEER_LOST_EXIT = 3
PEER_LOST_MARKER = "two-tower-lab worker: another rank is gone"


def error_text(exc: BaseException, rank: int) -> str:
    """For people: the message of an error we raise on purpose, else its type and where it struck."""
    if isinstance(exc, ModuleNotFoundError) and exc.name in ("torch", "numpy"):
        return (
            f"{sys.executable} (Python {sys.version.split()[0]}) has no {exc.name}, which the torch engine needs. Install it (Debian/Ubuntu: "
            "`apt-get install python3-torch python3-numpy`; elsewhere: `pip install torch numpy`), or point training.engine_options.python "
            "(the editor setting twoTowerLab.pythonPath) at a Python that has it."
        )
    if isinstance(exc, (ValueError, FileNotFoundError)) and str(exc):
        return str(exc)
    tb = traceback.extract_tb(exc.__traceback__)
    where = f" at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno}" if tb else ""
    return f"torch worker rank {rank} failed with {type(exc).__name__}: {exc}{where}. The worker's stderr (the run folder's torchrun/ logs) has the whole traceback."


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m two_tower_lab.worker", description="Train one rank of a Two-Tower Lab torch run.")
    parser.add_argument("--run-dir", required=True, help="the run folder, with prepared/ written by the front door")
    parser.add_argument("--resume", action="store_true", help="continue from the run's checkpoint/")
    args = parser.parse_args(argv)
    run_dir = os.path.abspath(args.run_dir)

    stops = []

    def on_signal(signum, _frame):
        stops.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    rank = int(os.environ.get("RANK", "0"))
    writer = None
    progress = None
    dist = None
    try:
        import torch  # noqa: F401  (a missing torch is the first thing to say)

        from .distributed import Distributed
        from .loop import Loop, Progress
        from .prepared import Prepared

        prepared = Prepared(run_dir)
        if rank == 0:
            writer = EventWriter(os.path.join(run_dir, EVENTS_FILE), prepared.run_id)
        config_device = ((prepared.config["training"].get("engine_options") or {}).get("device")) or "auto"
        dist = Distributed(config_device)
        progress = Progress()
        Loop(run_dir, dist, writer or NullWriter(), lambda: bool(stops), resume=args.resume, progress=progress).run()
        return 0
    except BaseException as exc:  # noqa: BLE001  (every failure must end the run visibly)
        traceback.print_exc(file=sys.stderr)
        peer = False
        try:
            from .distributed import is_peer_failure

            peer = dist is not None and dist.distributed and is_peer_failure(exc)
        except ImportError:
            pass
        if peer:
            print(f"{PEER_LOST_MARKER} (rank {rank} saw a collective fail: {str(exc).splitlines()[0][:200]})", file=sys.stderr)
            return PEER_LOST_EXIT
        if rank == 0:
            if writer is None:
                try:
                    writer = EventWriter(os.path.join(run_dir, EVENTS_FILE), _run_id(run_dir))
                except OSError:
                    writer = None
            if writer is not None:
                body = {"type": "ended", "status": "failed", "error": error_text(exc, rank), "epoch": 0, "step": 0, "elapsedSec": 0.0}
                if progress is not None:
                    body.update(epoch=progress.epoch, step=progress.step, elapsedSec=progress.elapsed())
                writer.write(body)
        return 1
    finally:
        if writer is not None:
            writer.close()
        if dist is not None:
            # DDP must be gone before its process group: one freed after destroy_process_group can hang
            # the process at exit (seen with a communication hook). A cycle may still hold it: collect.
            gc.collect()
            try:
                dist.close()
            except Exception as exc:  # noqa: BLE001  (a peer already gone; nothing left to tidy)
                print(f"two_tower_lab.worker: closing the process group: {exc}", file=sys.stderr)


def _run_id(run_dir: str) -> str:
    """The run id when even the prepared folder could not be read: the folder's name."""
    return os.path.basename(os.path.normpath(run_dir))


if __name__ == "__main__":
    sys.exit(main())
