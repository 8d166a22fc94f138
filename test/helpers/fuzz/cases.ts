/**
 * The case generator: case `index` of seed `seed` is always the same project and command line
 * (its own PRNG stream, `Rng.of(seed, index)`), so any failure reruns alone with
 * MOH_FUZZ_SEED and MOH_FUZZ_ONLY. A case is the shipped config, maybe decorated with a canary
 * connection, alert channels and a dated job, then one mutation, then a command.
 */
import { Rng, Weighted } from '../../../src/synth/prng.js';
import { flagMutation } from './flag-mutations.js';
import type { Applied, Expectation, Mutator } from './mutation.js';
import { projectMutation } from './project-mutations.js';
import { rawMutation } from './raw-mutations.js';
import { targetMutator, type Target } from './target.js';
import { REFERENCE_TARGETS } from './targets-references.js';
import { VALUE_TARGETS } from './targets-values.js';
import { probedMistake, TEMPLATE_MUTATORS } from './template-mutations.js';
import { TREE_MUTATORS } from './tree-mutations.js';
import { addAlertChannels, addClinicalConnection, addRangeSchedule, Workspace } from './workspace.js';

export interface FuzzCase {
  index: number;
  seed: number;
  /** The mutation (and decorations), for the failure message. */
  label: string;
  /** The command line after `moh-etl`. */
  args: string[];
  expect: Expectation;
  /** The command writes nothing whatever its outcome (a rejected one never writes). */
  readOnly: boolean;
  /** Point MOH_DEMO_DB at the shared demo database, so check and dry-run probe the templates. */
  probe: boolean;
  ws: Workspace;
}

interface CommandChoice {
  args: string[];
  readOnly: boolean;
  /** Reads the demo database when it is there (check probes templates; a dry run counts rows). */
  probes: boolean;
}

/** Commands for config cases: mostly `check`, and every other command that loads the config. */
const COMMANDS = new Weighted<CommandChoice>([
  [{ args: ['check'], readOnly: true, probes: true }, 40],
  [{ args: ['extract', '--dry-run'], readOnly: true, probes: true }, 12],
  [{ args: ['status'], readOnly: true, probes: false }, 10],
  [{ args: ['schedule', '--list'], readOnly: true, probes: false }, 6],
  [{ args: ['schedule', '--print', 'crontab'], readOnly: true, probes: false }, 1],
  [{ args: ['schedule', '--print', 'systemd'], readOnly: true, probes: false }, 1],
  [{ args: ['validate'], readOnly: false, probes: false }, 7],
  [{ args: ['run'], readOnly: false, probes: false }, 4],
  [{ args: ['extract'], readOnly: false, probes: false }, 4],
  [{ args: ['state', 'reset', 'patients'], readOnly: false, probes: false }, 5],
  [{ args: ['state', 'reset', 'x'], readOnly: true, probes: false }, 3],
]);

/** Commands that never write, whatever the config says (for cases that bring their own command). */
const READ_ONLY = new Set(['check', 'status', 'schedule']);

const groupMutator = (groups: readonly (readonly Target[])[]): Mutator => {
  const mutators = groups.map((g) => targetMutator(g));
  return (ws, rng) => rng.pick(mutators)(ws, rng);
};
const fromWeighted = (entries: readonly (readonly [Mutator, number])[]): Mutator => {
  const w = new Weighted(entries);
  return (ws, rng) => w.pick(rng)(ws, rng);
};

/** Mutation families and their shares of the cases. */
const FAMILIES = new Weighted<Mutator>([
  [fromWeighted(TREE_MUTATORS), 30],
  [groupMutator(VALUE_TARGETS), 14],
  [groupMutator(REFERENCE_TARGETS), 12],
  [fromWeighted(TEMPLATE_MUTATORS), 8],
  [probedMistake, 4],
  [rawMutation, 12],
  [flagMutation, 14],
  [projectMutation, 6],
]);

export function generateCase(seed: number, index: number): FuzzCase {
  const rng = Rng.of('moh-etl-fuzz', seed, index);
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  // 36 characters of a variable-name alphabet: it could pass for a pseudonymisation key.
  const canary = `FzCanary_${hex(seed)}_${String(index).padStart(6, '0')}_${hex(rng.int(0, 2 ** 31))}_Zq`;
  const ws = new Workspace(canary);
  if (rng.chance(0.5)) addClinicalConnection(ws);
  if (rng.chance(0.4)) addAlertChannels(ws);
  if (rng.chance(0.2)) addRangeSchedule(ws);

  const applied: Applied = FAMILIES.pick(rng)(ws, rng);
  let args: string[];
  let probe = false;
  let readOnly: boolean;
  if (applied.probe) {
    args = ['check'];
    probe = true;
    readOnly = true;
  } else if (applied.args) {
    args = applied.args;
    readOnly = READ_ONLY.has(args[0] ?? '') || args.includes('--dry-run');
  } else {
    const command = COMMANDS.pick(rng);
    args = [...command.args];
    readOnly = command.readOnly;
    probe = command.probes && ws.env.MOH_DEMO_DB === undefined && rng.chance(0.6);
    if (rng.chance(0.2)) args.push('--log-level', rng.pick(['trace', 'debug', 'silent']));
    if (rng.chance(0.1)) args.push('--config', rng.pick(['config/database.yml', './config/database.yml']));
  }
  const decorations = ws.decorations.length ? ` [+${ws.decorations.join(', ')}]` : '';
  return {
    index,
    seed,
    label: `${applied.label}${decorations}`,
    args,
    expect: applied.expect,
    readOnly,
    probe,
    ws,
  };
}
