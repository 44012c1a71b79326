"""Sums over ranks (distributed.py): the all_gather + local sum that small gloo sums take, the
all_reduce that large ones keep, and DDP's gradient average through the hook, on 2 real gloo ranks."""
import json
import os
import signal
import subprocess
import sys
import unittest

from .runs import PYTHON_DIR, TORCHRUN_FLAGS, rendezvous_flags, worker_env
from .support import requires_torch


@requires_torch
class SumOverRanks(unittest.TestCase):
    def test_both_paths_and_the_ddp_hook(self):
        script = os.path.join(PYTHON_DIR, "tests", "collectives_worker.py")
        cmd = [sys.executable, "-m", "torch.distributed.run"] + TORCHRUN_FLAGS + rendezvous_flags() + ["--nproc_per_node=2", script]
        # Its own process group, so that a hang kills the workers too, not only torchrun.
        proc = subprocess.Popen(cmd, env=worker_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            stdout, stderr = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            stdout, stderr = proc.communicate()
            self.fail(f"the 2 ranks did not finish within 120 s: {stderr[-3000:]}")
        done = subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)
        self.assertEqual(done.returncode, 0, done.stderr[-3000:])
        line = next(l for l in done.stdout.splitlines() if l.lstrip().startswith("{") or "]:{" in l)
        out = json.loads(line[line.index("{"):])
        self.assertEqual(out["gathered"], [3.0, 6.0, 9.0, 12.0])
        self.assertEqual(out["reduced"], [3.0, 6.0, 9.0, 12.0])
        self.assertTrue(out["gathers_small"])
        self.assertFalse(out["gathers_when_large"])
        self.assertEqual(out["ddp_grad"], 1.5)


if __name__ == "__main__":
    unittest.main()
