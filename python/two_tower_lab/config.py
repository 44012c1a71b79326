"""What the resolved experiment (prepared/config.json) decides once, in the words of the TS engine.
No torch here: the samplers and the metrics use it too."""


def batch_columns(training: dict) -> bool:
    """src/core/sampling/columns.ts batchColumns: the listwise softmax takes its columns from the batch
    (`in_batch`, and `mixed`, which adds shared extra columns)."""
    return training["mode"] == "listwise" and training["negatives"]["source"] in ("in_batch", "mixed")


def headline_metric(config: dict) -> str:
    """The metric runs are compared on: early stopping's, else recall at the smallest K (runEval.ts)."""
    es = config["training"].get("early_stopping")
    return es["metric"] if es and es.get("metric") else f"recall@{min(int(k) for k in config['evaluation']['k'])}"
