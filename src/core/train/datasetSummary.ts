/** The `dataset` block of a `started` event, the same for every engine: real users and items (no OOV row) and the split's sizes. */
import type { StartedEvent } from '../../shared/events';
import type { Dataset } from '../data/dataset';

export function datasetSummary(dataset: Dataset): StartedEvent['dataset'] {
  return {
    users: dataset.users.size - 1,
    items: dataset.items.size - 1,
    trainPositives: dataset.train.users.length,
    testPositives: dataset.test.users.length,
    droppedTestUnseen: dataset.stats.droppedTestUnseen,
  };
}
