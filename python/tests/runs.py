"""Running workers from tests: one process directly, W processes through torchrun (gloo)."""
import os
import socket
import subprocess
import sys
import uuid

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TORCHRUN_FLAGS = ["--nnodes=1", "--redirects", "1", "--tee", "1"]


def rendezvous_flags():
    """A rendezvous of this run's own: torch 1.13's --standalone always takes port 29400, which another
    torchrun on the machine may hold (the runs would share, or lose, its store)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return ["--rdzv_backend=c10d", f"--rdzv_endpoint=127.0.0.1:{port}", f"--rdzv_id={uuid.uuid4()}"]


def worker_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = PYTHON_DIR + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_NUM_THREADS"] = "1"
    env["TWO_TOWER_LAB_DEVICE"] = "cpu"
    env.pop("RANK", None)
    env.pop("WORLD_SIZE", None)
    return env


def start_torchrun(run_dir, processes, run_id):
    """W workers under torchrun in the background (stdout and stderr to files in the run folder)."""
    args = ["-m", "two_tower_lab.worker", "--run-dir", run_dir]
    flags = [f for f in rendezvous_flags() if not f.startswith("--rdzv_id")] + [f"--rdzv_id={run_id}"]
    cmd = [sys.executable, "-m", "torch.distributed.run"] + TORCHRUN_FLAGS + flags + [f"--nproc_per_node={processes}", "--log_dir", os.path.join(run_dir, "torchrun")] + args
    out = open(os.path.join(run_dir, "torchrun.out"), "w")
    return subprocess.Popen(cmd, env=worker_env(), stdout=out, stderr=subprocess.STDOUT), out


def worker_pid(run_id, rank):
    """The pid of the worker of torchrun run `run_id` with RANK `rank`, from /proc (None when gone)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
        except OSError:
            continue
        if env.get(b"TORCHELASTIC_RUN_ID") == run_id.encode() and env.get(b"RANK") == str(rank).encode() and b"LOCAL_RANK" in env:
            return int(entry)
    return None


def run_worker(run_dir, processes=1, resume=False, timeout=300):
    """Trains the run folder with `processes` workers; returns the CompletedProcess."""
    args = ["-m", "two_tower_lab.worker", "--run-dir", run_dir] + (["--resume"] if resume else [])
    if processes == 1:
        cmd = [sys.executable] + args
    else:
        # torchrun as `python -m torch.distributed.run`, with the flags torch 1.13 needs (TESTING.md).
        cmd = [sys.executable, "-m", "torch.distributed.run"] + TORCHRUN_FLAGS + rendezvous_flags() + [f"--nproc_per_node={processes}", "--log_dir", os.path.join(run_dir, "torchrun")] + args
    return subprocess.run(cmd, env=worker_env(), capture_output=True, text=True, timeout=timeout)
