#!/usr/bin/env -S node --max-semi-space-size=64 --no-memory-reducer
// The `flowtab` command: runs the TypeScript CLI through tsx, so there is no build step.
//
// Node starts with a young generation of 64 MB semi-spaces (its default on this machine: 16 MB). A list request
// allocates its rows, their mapped objects and the JSON; with small semi-spaces they were scavenged every few
// milliseconds under load and much of them promoted, to be collected again by a major collection. On 2 cores, 20
// concurrent requests for the newest flows: 1,732 → 2,146 req/s, p99 30.6 → 20.3 ms (README, Benchmarks). A V8 flag
// set once the process runs does not resize the heap, so it is on this line; `npm start`, `npm run flowtab` and the
// tests' and benches' server processes come through here too.
//
// And without V8's memory reducer, which starts a major collection in a process that has had none for 100 s: under a
// steady load the heap grows too slowly to need one, so the reducer's came ~100 s after the start-up's, in every API
// process at once (they start together), and bench:soak's second 98 had 14-49 requests over 100 ms in four of six
// runs. Without it the heap is collected when it reaches its limit, at each process's own time: a ten-minute soak
// had every minute under 40 ms at p99, each API process at 310-338 MB (154-291 MB in two-minute runs with the reducer).
//
// Where `env -S` is missing (BusyBox), run `node --max-semi-space-size=64 --no-memory-reducer bin/flowtab.js <command>`.
import { register } from 'tsx/esm/api';

register();
await import('../src/server/cli.ts');
