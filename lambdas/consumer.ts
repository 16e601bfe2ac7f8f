import { createConsumerLambda } from '../src/composition/consumer.js';

/** Kinesis entry point of the attribution consumer. */
export const handler = createConsumerLambda();
