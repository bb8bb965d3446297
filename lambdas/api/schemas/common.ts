/**
 * Schemas shared by every route: the error body, path ids, paging. Each schema with a `meta({ id })`
 * becomes a named component of the OpenAPI document.
 */
import * as z from 'zod';

/** A path id: what our ids (ULIDs) and any future id scheme look like. Anything else cannot exist (404). */
export const idParam = z
  .string()
  .regex(/^[0-9A-Za-z_-]{1,64}$/)
  .meta({ description: 'Resource id', example: '01J9Z3K6Q8V2N4P7R5T1W3Y6ZA' });

export const sessionParams = z.object({ id: idParam });

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).meta({ description: 'Items per page (1-100).' }),
  cursor: z.string().min(1).max(2048).optional().meta({ description: 'The `nextCursor` of the previous page.' }),
});

export const errorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable, machine-readable code, e.g. `session_not_found`.' }),
      message: z.string().meta({ description: 'Human-readable explanation.' }),
      requestId: z.string().meta({ description: 'Quote it when asking for help.' }),
      details: z
        .unknown()
        .optional()
        .meta({ description: 'For validation errors, a list of `{ in, path, message }` naming each offending field.' }),
    }),
  })
  .meta({ id: 'Error' });

export const timestamp = z.iso.datetime().meta({ description: 'ISO 8601 instant (UTC).' });
