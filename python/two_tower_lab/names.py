"""The names both engines must spell the same way, defined once on the Python side.

Each one mirrors a TypeScript constant (named beside it); test/conformance checks that they agree.
"""

# src/shared/events.ts EVENTS_SCHEMA_VERSION
EVENTS_SCHEMA_VERSION = 1
# src/core/train/checkpoint.ts CHECKPOINT_FORMAT, STATE_FILE
CHECKPOINT_FORMAT = "two-tower-lab/checkpoint@1"
STATE_FILE = "state.json"
# src/core/train/weightsFile.ts
WEIGHTS_FILE = "weights.bin"
MODEL_FILE = "model.json"
# src/trainer/torch/prepare.ts PREPARED_FORMAT, PREPARED_DIR
PREPARED_FORMAT = "two-tower-lab/prepared@1"
PREPARED_DIR = "prepared"
# The run folder (src/core/train/runFolder.ts, src/core/runs/runsDir.ts EVENTS_FILE).
EVENTS_FILE = "events.jsonl"
CHECKPOINT_DIR = "checkpoint"
EMBEDDINGS_DIR = "embeddings"
# src/core/train/checkpoint.ts BEST_DIR: the best epoch's model in checkpoint/ and embeddings/.
BEST_DIR = "best"
# Beside the TS checkpoint files: what only the torch engine needs to resume.
TORCH_STATE_FILE = "torch_state.pt"
ENGINE = "torch"

# src/core/sampling/types.ts NEGATIVE_KIND_CODES: the index is the kind code.
NEGATIVE_KIND_CODES = ("uniform", "popularity", "in_batch", "hard_log", "hard_mined")
UNIFORM_CODE = NEGATIVE_KIND_CODES.index("uniform")
POPULARITY_CODE = NEGATIVE_KIND_CODES.index("popularity")
IN_BATCH_CODE = NEGATIVE_KIND_CODES.index("in_batch")
HARD_LOG_CODE = NEGATIVE_KIND_CODES.index("hard_log")
HARD_MINED_CODE = NEGATIVE_KIND_CODES.index("hard_mined")

# src/core/sampling/popularity.ts NO_GROUP: the decile of the OOV row.
NO_GROUP = 255

# src/core/losses/inBatchSoftmax.ts MASKED_LOGIT
MASKED_LOGIT = -1e9

# src/core/config/schema.ts LOSSES_BY_MODE, DEFAULT_MARGIN, DEFAULT_LOGISTIC_SCALE (from core/config/modeDefaults.ts)
LOSSES_BY_MODE = {"pointwise": ("bce",), "pairwise": ("hinge", "logistic"), "listwise": ("softmax",)}
DEFAULT_MARGIN = 0.18
DEFAULT_LOGISTIC_SCALE = 4.8
# src/core/config/schema.ts DEFAULT_PAIRWISE_REDUCTION
DEFAULT_PAIRWISE_REDUCTION = "mean"

# src/core/eval/retrieval.ts RetrievalMetric
RETRIEVAL_METRICS = ("recall", "ndcg", "hit_rate", "mrr", "coverage")

# src/core/model/twoTowerModel.ts STEP_KEY, RNG_KEY
STEP_KEY = "optimizer/step"
RNG_KEY = "rng/dropout"

# src/core/train/optimizer.ts slot names
SLOT_NAMES = {"adam": ("adam_m", "adam_v"), "adagrad": ("adagrad_accum",)}

# src/trainer/torch/annEvalService.ts ANN_EVAL_DIR, ANN_EVAL_ENV: rank 0 asks the front door for the
# figures through the ANN index there; the variable holds the front door's pid when it answers.
ANN_EVAL_DIR = "ann-eval"
ANN_EVAL_ENV = "TWO_TOWER_LAB_ANN_EVAL"
