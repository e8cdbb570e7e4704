#!/usr/bin/env -S node --max-semi-space-size=64
// The `flowtab` command: runs the TypeScript CLI through tsx, so there is no build step.
//
// Node starts with a young generation of 64 MB semi-spaces (its default on this machine: 16 MB). A list request
// allocates its rows, their mapped objects and the JSON; with small semi-spaces they were scavenged every few
// milliseconds under load and much of them promoted, to be collected again by a major collection. On 2 cores, 20
// concurrent requests for the newest flows: 1,732 → 2,146 req/s, p99 30.6 → 20.3 ms (README, Benchmarks). A V8 flag
// set once the process runs does not resize the heap, so it is on this line; `npm start`, `npm run flowtab` and the
// tests' and benches' server processes come through here too. Where `env -S` is missing (BusyBox), run
// `node --max-semi-space-size=64 bin/flowtab.js <command>`.
import { register } from 'tsx/esm/api';

register();
await import('../src/server/cli.ts');
