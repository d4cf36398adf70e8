#!/usr/bin/env node
import { buildProgram } from './program.js';

// `tranche results <job> | head`: a reader that stops early is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

await buildProgram().parseAsync(process.argv);
