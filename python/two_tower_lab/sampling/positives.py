"""Each user's training positives, sorted (userPositives.ts), and "which of these items are positives
of which of these users" as one boolean matrix, the question accidental-hit masks, in-batch negatives,
mixed extra columns and hard-negative pools all ask."""
import numpy as np


class UserPositiveIndex:
    """Items of user u are items[offsets[u] : offsets[u + 1]], sorted ascending, without repeats."""

    def __init__(self, users: np.ndarray, items: np.ndarray, user_count: int, item_count: int):
        users = np.asarray(users, dtype=np.int64)
        items = np.asarray(items, dtype=np.int64)
        if users.size and (users.min() < 0 or users.max() >= user_count):
            bad = int(np.flatnonzero((users < 0) | (users >= user_count))[0])
            raise ValueError(f"Positive pair {bad}: user index {users[bad]} is outside [0, {user_count}); the train pairs and the user vocabulary disagree.")
        self.user_count = user_count
        self.item_count = item_count
        self.keys = np.unique(users * item_count + items)
        self.items = self.keys % item_count
        self.offsets = np.searchsorted(self.keys // item_count, np.arange(user_count + 1), side="left").astype(np.int64)
        # Scratch for positive_matrix: item → its column among a batch's distinct items (−1: not among
        # them), filled and cleared per call; a gather per positive instead of a binary search.
        self._column_of = np.full(max(item_count, 0), -1, dtype=np.int64)

    def has(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Elementwise: is items[k] a training positive of users[k]?"""
        users = np.asarray(users, dtype=np.int64)
        items = np.asarray(items, dtype=np.int64)
        ok = (users >= 0) & (users < self.user_count) & (items >= 0) & (items < self.item_count)
        keys = np.where(ok, users * self.item_count + items, -1)
        at = np.searchsorted(self.keys, keys)
        at = np.minimum(at, max(0, len(self.keys) - 1))
        return ok & (self.keys[at] == keys) if len(self.keys) else np.zeros(keys.shape, dtype=bool)

    def users_with_positives(self) -> np.ndarray:
        return np.flatnonzero(np.diff(self.offsets) > 0)


def positive_matrix(index: UserPositiveIndex, users: np.ndarray, items: np.ndarray) -> np.ndarray:
    """len(users) × len(items) booleans: entry (r, k) is True when items[k] is a positive of users[r].

    Computed per distinct user and distinct item: a user's positives are visited once, whatever the
    number of rows it holds, so the cost is O(positives of the distinct users + rows × columns).
    """
    users = np.asarray(users, dtype=np.int64)
    items = np.asarray(items, dtype=np.int64)
    if users.size == 0 or items.size == 0:
        return np.zeros((users.size, items.size), dtype=bool)
    uniq_items, item_inv = np.unique(items, return_inverse=True)
    uniq_users, user_inv = np.unique(users, return_inverse=True)
    valid = (uniq_users >= 0) & (uniq_users < index.user_count)
    starts = np.where(valid, index.offsets[np.clip(uniq_users, 0, index.user_count - 1)], 0)
    ends = np.where(valid, index.offsets[np.clip(uniq_users, 0, index.user_count - 1) + 1], 0)
    lens = ends - starts
    total = int(lens.sum())
    groups = np.zeros((len(uniq_users), len(uniq_items)), dtype=bool)
    if total > 0:
        seg = np.repeat(np.arange(len(uniq_users)), lens)
        first = np.repeat(np.cumsum(lens) - lens, lens)
        pos = index.items[np.repeat(starts, lens) + (np.arange(total) - first)]
        inside = np.flatnonzero((uniq_items >= 0) & (uniq_items < index.item_count))
        column_of = index._column_of
        column_of[uniq_items[inside]] = inside
        try:
            at = column_of[pos]
        finally:
            column_of[uniq_items[inside]] = -1
        hit = at >= 0
        groups[seg[hit], at[hit]] = True
    return groups[user_inv][:, item_inv]


def accidental_hit_mask(index: UserPositiveIndex, batch_users: np.ndarray, batch_items: np.ndarray, lo: int = 0, hi=None) -> np.ndarray:
    """Rows lo..hi of the B×B mask of inBatch.ts accidentalHitMask: (i, j) is True when j ≠ i and
    item j is a training positive of user i (the same item as row i's positive included)."""
    b = len(batch_items)
    hi = b if hi is None else hi
    rows_users = batch_users[lo:hi]
    rows_items = np.asarray(batch_items[lo:hi])
    mask = positive_matrix(index, rows_users, batch_items)
    r = np.arange(hi - lo)
    # Columns holding row i's own item are already True when row i's pair is a training positive (the
    # usual case: the batch is drawn from them); only the other rows need the comparison.
    odd = np.flatnonzero(~mask[r, lo + r])
    if odd.size:
        mask[odd] |= rows_items[odd, None] == np.asarray(batch_items)[None, :]
    mask[r, lo + r] = False
    return mask
