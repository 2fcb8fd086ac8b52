import * as z from 'zod/mini';

/** The `{ data, nextCursor }` page every collection endpoint answers. */
export const pageOf = (item: z.ZodMiniType) => z.object({ data: z.array(item), nextCursor: z.nullable(z.string()) });
