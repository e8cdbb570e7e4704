import nodemailer from 'nodemailer';

export type OutgoingEmail = {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable per outbox row, so a mail re-sent after a crash can be recognised as the same message. */
  messageId: string;
  headers?: Record<string, string>;
};

/** Where mails go: an SMTP server (SMTP_URL). Without one, mails stay in the local outbox (see jobs.ts). */
export type MailTransport = { send(mail: OutgoingEmail): Promise<void> };

export function createMailTransport(smtpUrl: string | undefined): MailTransport | undefined {
  if (!smtpUrl) return undefined;
  // One connection per message (no pool): nothing to close at shutdown, and transactional volume is small.
  // Short timeouts, so a hanging server fails the attempt well within the sender's lease on the row.
  const transport = nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
  return {
    async send(mail) {
      await transport.sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
        headers: mail.headers,
      });
    },
  };
}
