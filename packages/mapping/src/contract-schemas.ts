import { z } from 'zod';
import { complaintSchema, orderSchema, profileSchema, shipmentSchema } from '@segmentation/contracts';
import type { ImportKind } from './columns.ts';

/** The contract schema of each kind (packages/contracts): the canonical enum values, and every issue of a record. */
export const contractSchemas: Record<ImportKind, z.ZodObject> = {
  orders: orderSchema,
  shipments: shipmentSchema,
  complaints: complaintSchema,
  profiles: profileSchema,
};

/** The canonical values of an enum field, or undefined for a field that is not one. */
export function enumOptions(kind: ImportKind, field: string): readonly string[] | undefined {
  const type: unknown = contractSchemas[kind].shape[field];
  return type instanceof z.ZodEnum ? (type.options as string[]) : undefined;
}
