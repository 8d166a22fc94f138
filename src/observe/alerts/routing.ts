/**
 * Which channels an event goes to: the union of the routes that list its kind and whose severity
 * floor it meets. Without routes, every event goes to every channel. A `test` event is never
 * routed: `alert test` names its channels itself.
 */
import type { AlertsConfig } from '../../config/alerts-schema.js';
import { atLeast, type AlertEvent } from './event.js';

export function channelsFor(event: AlertEvent, config: Pick<AlertsConfig, 'channels' | 'routes'>): string[] {
  const all = Object.keys(config.channels);
  if (event.kind === 'test') return [];
  if (!config.routes) return all;
  const kind = event.kind;
  const chosen = new Set<string>();
  for (const route of config.routes) {
    if (!route.events.includes(kind) || !atLeast(event.severity, route.min_severity)) continue;
    for (const c of route.channels) if (config.channels[c]) chosen.add(c);
  }
  // Keep the configured order, so messages and outcomes come out in a stable order.
  return all.filter((c) => chosen.has(c));
}

/** Events grouped by the channel they go to. */
export function routeEvents(
  events: readonly AlertEvent[],
  config: Pick<AlertsConfig, 'channels' | 'routes'>,
): Map<string, AlertEvent[]> {
  const out = new Map<string, AlertEvent[]>();
  for (const e of events)
    for (const c of channelsFor(e, config)) {
      const list = out.get(c) ?? [];
      list.push(e);
      out.set(c, list);
    }
  return out;
}
