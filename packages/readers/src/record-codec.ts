import { decodeRecord, encodeRecord } from '@segmentation/segmentation';

/** How a customer's record is stored in Redis (the segmentation package's binary state codec). */
export const customerRecordCodec = { encode: encodeRecord, decode: decodeRecord };
