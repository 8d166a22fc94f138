/**
 * One message to one channel: a single event, or a group of events sent together (many sources
 * failing at once are one message listing them, not one message each), plus what throttling held
 * back since the last message. Channels format it; the words are chosen here, once.
 */
import { hostname } from 'node:os';
import { worstSeverity, type AlertEvent, type AlertSeverity } from './event.js';

export interface Suppressed {
  count: number;
  /** ISO instant of the first alert held back. */
  since: string;
}

export interface AlertMessage {
  severity: AlertSeverity;
  title: string;
  events: AlertEvent[];
  grouped: boolean;
  /** Per dedupe key: repeats of that alert held back since it was last sent. */
  repeats: Record<string, Suppressed>;
  /** Alerts held back by the channel's rate cap since its last message. */
  rate_suppressed?: Suppressed;
  host: string;
}

/** Events listed by name in a grouped message; the rest are counted. */
export const GROUP_LIST_LIMIT = 40;

export function buildMessage(
  events: AlertEvent[],
  extras: { repeats?: Record<string, Suppressed>; rate_suppressed?: Suppressed; host?: string } = {},
): AlertMessage {
  const grouped = events.length > 1;
  return {
    severity: worstSeverity(events.map((e) => e.severity)),
    title: grouped ? groupTitle(events) : events[0]!.title,
    events,
    grouped,
    repeats: extras.repeats ?? {},
    rate_suppressed: extras.rate_suppressed,
    host: extras.host ?? hostname(),
  };
}

function groupTitle(events: AlertEvent[]): string {
  const kinds = [...new Set(events.map((e) => e.kind))];
  const sources = [...new Set(events.flatMap((e) => (e.source ? [e.source] : [])))];
  const what = kinds.length === 1 ? `${kinds[0]} alerts` : 'alerts';
  const list = sources.length ? `: ${listed(sources, 6)}` : '';
  return `${events.length} ${what}${list}`;
}

/** `[label, value]` pairs describing the message: for cards, and the lines of the plain text. */
export function messageFacts(m: AlertMessage): [string, string][] {
  const facts: [string, string][] = [['Severity', m.severity]];
  const runs = unique(m.events.map((e) => e.run_id));
  const jobs = unique(m.events.map((e) => e.job));
  const commands = jobs.length ? [] : unique(m.events.map((e) => e.command));
  const reports = unique(m.events.map((e) => e.report));
  if (runs.length) facts.push([runs.length === 1 ? 'Run' : 'Runs', listed(runs, 5)]);
  if (jobs.length) facts.push([jobs.length === 1 ? 'Job' : 'Jobs', listed(jobs, 5)]);
  if (commands.length) facts.push(['Command', listed(commands, 5)]);
  if (!m.grouped) {
    const e = m.events[0]!;
    if (e.source) facts.push(['Source', e.source]);
    for (const [k, v] of Object.entries(e.details)) facts.push([k, String(v)]);
  }
  if (reports.length) facts.push([reports.length === 1 ? 'Report' : 'Reports', listed(reports, 3)]);
  const repeats = Object.values(m.repeats);
  if (repeats.length) {
    const n = repeats.reduce((a, r) => a + r.count, 0);
    const since = repeats.map((r) => r.since).sort()[0]!;
    facts.push(['Repeats', `${n} identical alert${n === 1 ? '' : 's'} held back since ${since}`]);
  }
  if (m.rate_suppressed)
    facts.push([
      'Rate limited',
      `${m.rate_suppressed.count} alert${m.rate_suppressed.count === 1 ? '' : 's'} not sent since ${m.rate_suppressed.since}`,
    ]);
  facts.push(['Host', m.host]);
  return facts;
}

/** One line per event of a grouped message (none for a single event: its facts say it all). */
export function eventLines(m: AlertMessage): string[] {
  if (!m.grouped) return [];
  const lines = m.events.slice(0, GROUP_LIST_LIMIT).map((e) => `[${e.severity}] ${e.title}${brief(e)}`);
  const more = m.events.length - GROUP_LIST_LIMIT;
  if (more > 0) lines.push(`… and ${more} more`);
  return lines;
}

/** The whole message as plain text (e-mail body; the fallback text of chat messages). */
export function renderText(m: AlertMessage): string {
  const events = eventLines(m);
  return [
    m.title,
    '',
    ...messageFacts(m).map(([k, v]) => `${k}: ${v}`),
    ...(events.length ? ['', ...events] : []),
  ].join('\n');
}

/** The most telling detail of an event, for its line in a group. */
function brief(e: AlertEvent): string {
  const d = e.details;
  const text = d.error ?? d.checks ?? d.message;
  return text === undefined ? '' : ` — ${String(text)}`;
}

function unique(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))];
}

function listed(values: string[], limit: number): string {
  const shown = values.slice(0, limit).join(', ');
  return values.length > limit ? `${shown} and ${values.length - limit} more` : shown;
}
