"""The event stream (src/core/train/events.ts): each event one JSON line appended to
`<run>/events.jsonl` with a single write() (a killed worker leaves at most a truncated last line),
with the fields every event carries (schemaVersion, time, runId). Only rank 0 writes."""
import json
import math
import os
import time
from datetime import datetime, timezone
from typing import Callable, Optional, Tuple

from .names import EVENTS_SCHEMA_VERSION


def iso_now() -> str:
    """The time as JavaScript's Date.toISOString writes it: UTC, milliseconds, `Z`."""
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def finite_or_null(value):
    """JSON has no NaN or Infinity: a diverged loss is written as null (as the TS writer does)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite_or_null(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_null(v) for v in value]
    return value


class EventWriter:
    def __init__(self, path: str, run_id: str):
        self.path = path
        self.run_id = run_id
        self.fd: Optional[int] = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, body: dict) -> dict:
        if self.fd is None:
            raise RuntimeError(f"Event writer for run {self.run_id} is closed; cannot write a '{body.get('type')}' event.")
        event = {"schemaVersion": EVENTS_SCHEMA_VERSION, "time": iso_now(), "runId": self.run_id, **body}
        line = (json.dumps(finite_or_null(event), ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n").encode("utf-8")
        written = os.write(self.fd, line)
        while written < len(line):  # a regular file takes it whole; a pipe may not
            written += os.write(self.fd, line[written:])
        return event

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class NullWriter:
    """What ranks other than 0 write: nothing."""

    def write(self, body: dict) -> dict:
        return body

    def close(self) -> None:
        pass


class StepThrottle:
    """A `step` event is due every `every_steps` steps or `every_ms` milliseconds, whichever comes first."""

    def __init__(self, every_ms: float = 250, every_steps: int = 100, now: Callable[[], float] = time.perf_counter):
        self.every = every_ms / 1000.0
        self.every_steps = every_steps
        self.now = now
        self.since = now()
        self.loss_sum = 0.0
        self.steps = 0
        self.examples = 0

    def add(self, loss: float, examples: int) -> Optional[Tuple[float, float]]:
        """Records one step; (mean loss, examples per second) when an event is due."""
        self.loss_sum += loss
        self.steps += 1
        self.examples += examples
        t = self.now()
        if self.steps < self.every_steps and t - self.since < self.every:
            return None
        return self.flush(t)

    def start_window(self) -> None:
        """Training steps begin again after work that is not training (evaluation, mining): the next rate
        is measured from now, so that work does not show as a dip in examples/s. Pending steps keep their window."""
        if self.steps == 0:
            self.since = self.now()

    def flush(self, t: Optional[float] = None) -> Optional[Tuple[float, float]]:
        if self.steps == 0:
            return None
        t = self.now() if t is None else t
        out = (self.loss_sum / self.steps, self.examples / max(1e-9, t - self.since))
        self.loss_sum, self.steps, self.examples, self.since = 0.0, 0, 0, t
        return out
