"""Running workers from tests: one process directly, W processes through torchrun (gloo)."""
import os
import subprocess
import sys

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TORCHRUN_FLAGS = ["--standalone", "--nnodes=1", "--redirects", "1", "--tee", "1"]


def worker_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = PYTHON_DIR + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_NUM_THREADS"] = "1"
    env["TWO_TOWER_LAB_DEVICE"] = "cpu"
    env.pop("RANK", None)
    env.pop("WORLD_SIZE", None)
    return env


def run_worker(run_dir, processes=1, resume=False, timeout=300):
    """Trains the run folder with `processes` workers; returns the CompletedProcess."""
    args = ["-m", "two_tower_lab.worker", "--run-dir", run_dir] + (["--resume"] if resume else [])
    if processes == 1:
        cmd = [sys.executable] + args
    else:
        # torchrun as `python -m torch.distributed.run`, with the flags torch 1.13 needs (TESTING.md).
        cmd = [sys.executable, "-m", "torch.distributed.run"] + TORCHRUN_FLAGS + [f"--nproc_per_node={processes}", "--log_dir", os.path.join(run_dir, "torchrun")] + args
    return subprocess.run(cmd, env=worker_env(), capture_output=True, text=True, timeout=timeout)
