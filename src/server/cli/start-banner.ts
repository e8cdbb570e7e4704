import type { Config } from '../config.js';
import { describeDatabase } from '../main.js';
import type { SeedResult } from '../seed/index.js';

/** What a person starting the server needs at hand: where everything is, and how to log in. */
export function startBanner(
  config: Config,
  options: { emulatorUrl: string | undefined; logins: SeedResult['logins']; loginsAreNew: boolean },
): string {
  const row = (label: string, value: string) => `  ${label.padEnd(13)}${value}`;
  const lines = [
    '',
    `Flowtab.Pro is running on ${describeDatabase(config)}.`,
    '',
    row('App', config.publicUrl),
    ...(config.isDocsPublic ? [row('API docs', `${config.publicUrl}/docs`)] : []),
    // /dev/mail exists outside production only (app.ts).
    ...(config.isProduction ? [] : [row('Mail outbox', `${config.publicUrl}/dev/mail${config.smtpUrl ? '' : '  (SMTP_URL unset: mail stays here)'}`)]),
    ...(options.emulatorUrl ? [row('Stripe', `${options.emulatorUrl}  (the local emulator; pay with card 4242 4242 4242 4242)`)] : []),
  ];
  if (options.logins.length > 0) {
    lines.push('', options.loginsAreNew ? 'Demo logins (just created):' : 'Demo logins:');
    for (const login of options.logins) lines.push(`  ${login.username.padEnd(18)} password: ${login.password.padEnd(14)} ${login.role}`);
  }
  lines.push('');
  return lines.join('\n');
}
