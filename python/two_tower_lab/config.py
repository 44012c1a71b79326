"""What the resolved experiment (prepared/config.json) decides once, in the words of the TS engine.
No torch here: the samplers and the metrics use it too."""


def batch_columns(training: dict) -> bool:
    """src/core/sampling/columns.ts batchColumns: the listwise softmax takes its columns from the batch
    (`in_batch`, and `mixed`, which adds shared extra columns)."""
    return training["mode"] == "listwise" and training["negatives"]["source"] in ("in_batch", "mixed")


def headline_metric(config: dict) -> str:
    """The metric runs are compared on (src/shared/headline.ts): early stopping's, else recall@50,
    else recall at the largest K <= 100, else at the smallest K."""
    es = config["training"].get("early_stopping")
    if es and es.get("metric"):
        return es["metric"]
    ks = [int(k) for k in config["evaluation"]["k"]]
    if 50 in ks:
        return "recall@50"
    within = [k for k in ks if k <= 100]
    return f"recall@{max(within) if within else min(ks)}"
