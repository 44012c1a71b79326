/** The loss an experiment text writes, before defaults: a mode chosen alone keeps it when it suits (choiceOverrides). */
import { parseExperimentText } from './document';

/** Undefined when the text writes no loss or does not parse. */
export function writtenLoss(text: string): unknown {
  try {
    return parseExperimentText(text).doc.getIn(['training', 'loss']);
  } catch (error) {
    // Unreadable here means unreadable for the check too, which reports it properly.
    void error;
    return undefined;
  }
}
