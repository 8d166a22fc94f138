import { inspect } from 'node:util';

/**
 * A credential read from configuration. It prints as `***` everywhere (toString, JSON, util.inspect,
 * template strings), so a password cannot reach a log line or an error message by accident; code
 * that really needs the value calls `reveal()`. Every Secret registers its value with the global
 * redactor, which scrubs it from any text we print (driver error messages can echo connection strings).
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    registerSecretValue(value);
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '***';
  }

  toJSON(): string {
    return '***';
  }

  [inspect.custom](): string {
    return 'Secret(***)';
  }
}

const secretValues = new Set<string>();

/** Remember a value that must never be printed. Short values are ignored: they would scrub ordinary words. */
export function registerSecretValue(value: string): void {
  if (value.length >= 4) secretValues.add(value);
}

/** Replace every registered secret value (and its URL-encoded form) in `text` with `***`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const value of secretValues) {
    for (const form of new Set([value, encodeURIComponent(value)])) {
      if (out.includes(form)) out = out.split(form).join('***');
    }
  }
  return out;
}
