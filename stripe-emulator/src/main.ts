import { startEmulator } from './server.js';

// CLI entry: `npm run stripe-emulator`. STRIPE_EMULATOR_PORT (default 12111), STRIPE_EMULATOR_STATE_FILE,
// STRIPE_EMULATOR_HOST (default 127.0.0.1); STRIPE_EMULATOR_BUSINESS_NAME is read by startEmulator itself.

const port = Number(process.env.STRIPE_EMULATOR_PORT ?? 12111);
const emulator = await startEmulator({
  port,
  host: process.env.STRIPE_EMULATOR_HOST ?? '127.0.0.1',
  ...(process.env.STRIPE_EMULATOR_STATE_FILE ? { stateFile: process.env.STRIPE_EMULATOR_STATE_FILE } : {}),
  logger: (line) => console.log(`[stripe-emulator] ${line}`),
});

const shutdown = () => {
  void emulator.close().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
