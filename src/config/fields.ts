/**
 * Field schemas shared by every section of the configuration: names, durations with bounds, and
 * directory settings. Bounds matter: a `statement_timeout: 25d` passed to a driver's timer overflows
 * it and the process never exits, and an empty directory setting writes into the working directory.
 */
import * as z from 'zod';
import { formatDurationMs, parseDuration } from './duration.js';

/** Names that are properties of every JavaScript object: as a source or connection name they would
 * pass lookups they should fail (`sources["constructor"]`) and name files like `constructor.json`. */
const RESERVED = new Set(Object.getOwnPropertyNames(Object.prototype));

/** A name for a source, connection, schedule, channel or check: letters, digits and _. */
export const nameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected a name of letters, digits and _' })
  .refine((s) => !RESERVED.has(s), {
    error: (i) => `"${String(i.input)}" is a reserved word; choose another name`,
  });

/** A duration ("250ms", "30s", "5m", "2h", "1d") between `min` and `max` milliseconds. */
export function durationSchema(max: number, min = 0) {
  return z
    .string()
    .superRefine((s, ctx) => {
      const ms = parseDuration(s);
      if (ms === undefined)
        ctx.addIssue({
          code: 'custom',
          message: 'expected a duration such as "250ms", "30s", "5m", "2h" or "1d"',
        });
      else if (ms > max)
        ctx.addIssue({ code: 'custom', message: `expected at most ${formatDurationMs(max)}` });
      else if (ms < min)
        ctx.addIssue({ code: 'custom', message: `expected at least ${formatDurationMs(min)}` });
    })
    .meta({
      description: `A duration: a number followed by ms, s, m, h or d, e.g. "30s" (at most ${formatDurationMs(max)}).`,
    });
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A directory setting: not empty, no surrounding whitespace, no NUL byte. */
export const directorySchema = z
  .string()
  .min(1, { error: 'expected a directory path, found an empty text' })
  .refine((s) => s.trim() === s && s.trim() !== '', {
    error: 'expected a directory path without surrounding spaces',
  })
  .refine((s) => !s.includes('\0'), { error: 'a path cannot contain a NUL byte' })
  .meta({ description: 'A directory, relative to the project directory (the one holding config/).' });
