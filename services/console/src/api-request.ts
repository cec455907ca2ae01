import { z } from 'zod';

/** A request the API refuses, with the status and a message that says what to send instead. */
export class ApiError extends Error {
  readonly status: number;
  readonly extra: Record<string, unknown>;
  constructor(status: number, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.extra = extra;
  }
}

/** A query, path or body parsed by its schema; the first problem becomes a 400 naming the field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '');
  throw new ApiError(
    400,
    issue.code === 'unrecognized_keys' ? `unknown ${where} parameter ${field}` : `${where} parameter ${field}: ${issue.message}`,
  );
}
