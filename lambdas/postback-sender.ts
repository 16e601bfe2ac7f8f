import { postbackSenderFunction } from '../src/composition/postback-sender.js';

/** SQS entry point of the postback sender (SPEC §7). */
export const handler = postbackSenderFunction();
