import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { waitUntil } from './wait.js';

export type ReceivedMail = ParsedMail & { envelopeTo: string[] };

export type TestSmtp = {
  /** For SMTP_URL. */
  url: string;
  received: ReceivedMail[];
  /** Mails refused so far (451 after DATA). */
  refusals: number;
  /** Refuse the next `count` messages with a temporary error, as a server under load does. */
  refuseNext(count: number): void;
  to(address: string): ReceivedMail[];
  /** Waits until `predicate` holds for the received mails, or fails (listing them) after `timeoutMs`. */
  waitForMail(predicate: (mails: ReceivedMail[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

/** A real SMTP server on loopback (no TLS, no auth) that parses every message it accepts. */
export async function startTestSmtp(): Promise<TestSmtp> {
  let toRefuse = 0;
  const state: TestSmtp = {
    url: '',
    received: [],
    refusals: 0,
    refuseNext(count) {
      toRefuse = count;
    },
    to(address) {
      return state.received.filter((mail) => mail.envelopeTo.includes(address.toLowerCase()));
    },
    async waitForMail(predicate, timeoutMs = 15_000) {
      await waitUntil(() => predicate(state.received), {
        message: 'mail',
        timeoutMs,
        intervalMs: 25,
        explain: () => ({ received: state.received.map((m) => [m.envelopeTo, m.subject]) }),
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (toRefuse > 0) {
          toRefuse--;
          state.refusals++;
          return callback(Object.assign(new Error('Service busy, try again later'), { responseCode: 451 }));
        }
        simpleParser(Buffer.concat(chunks))
          .then((parsed) => {
            state.received.push(Object.assign(parsed, { envelopeTo: session.envelope.rcptTo.map((r) => r.address.toLowerCase()) }));
            callback();
          })
          .catch((error: Error) => callback(error));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return state;
}
