#!/usr/bin/env node
/**
 * The predecessor's entry point, kept for muscle memory and cron lines:
 *   node dist/scripts/run_extraction.js --sources attendances diagnoses --start-date 2025-01-01 --end-date 2025-01-31
 * is exactly `moh-etl extract …`.
 */
import { main } from '../src/cli/main.js';

process.exitCode = await main([process.argv[0]!, process.argv[1]!, 'extract', ...process.argv.slice(2)]);
