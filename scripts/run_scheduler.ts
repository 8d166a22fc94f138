#!/usr/bin/env node
/** The predecessor's scheduler entry point: exactly `moh-etl schedule …`. */
import { main } from '../src/cli/main.js';

process.exitCode = await main([process.argv[0]!, process.argv[1]!, 'schedule', ...process.argv.slice(2)]);
