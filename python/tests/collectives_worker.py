"""Run by test_collectives under torchrun (2 gloo ranks): sums over ranks through both of
sum_tensor's paths and DDP's gradient hook, printed as JSON by rank 0."""
import json

import torch

from two_tower_lab import distributed as d_mod
from two_tower_lab.distributed import Distributed


def main():
    import faulthandler, sys
    faulthandler.dump_traceback_later(40, exit=True, file=sys.stderr)
    d = Distributed("cpu")
    r = d.rank
    out = {}
    # Rank r contributes (r + 1) · [1, 2, 3, 4]: the sum over 2 ranks is 3 · [1, 2, 3, 4].
    base = torch.tensor([1.0, 2.0, 3.0, 4.0])
    out["gathered"] = d.sum_tensor(base * (r + 1)).tolist()
    out["gathers_small"] = d._gathers_sum(base)
    saved = d_mod.GATHER_SUM_MAX_BYTES
    d_mod.GATHER_SUM_MAX_BYTES = 0  # every sum too large: the all_reduce path
    out["reduced"] = d.sum_tensor(base * (r + 1)).tolist()
    out["gathers_when_large"] = d._gathers_sum(base)
    d_mod.GATHER_SUM_MAX_BYTES = saved
    # DDP with the hook: a linear layer y = w·x with loss y on rank r's input x = r + 1; the averaged
    # gradient of w is (1 + 2) / 2 = 1.5 on both ranks.
    from torch.nn.parallel import DistributedDataParallel

    torch.manual_seed(0)
    layer = torch.nn.Linear(1, 1, bias=False)
    ddp = DistributedDataParallel(layer)
    ddp.register_comm_hook(None, d.ddp_comm_hook())
    ddp(torch.tensor([[float(r + 1)]])).sum().backward()
    out["ddp_grad"] = layer.weight.grad.item()
    if r == 0:
        print(json.dumps(out), flush=True)
    # DDP goes before its process group (the worker's loop drops it when run() returns): deleting it
    # after destroy_process_group hung at exit in about one run of five.
    del ddp
    d.close()


if __name__ == "__main__":
    main()
