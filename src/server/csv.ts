// CSV for people's spreadsheets: operators' finance and audit exports, creators' statements.

/** A CSV cell: text is quoted as needed and guarded; numbers and null are written as they are (null: empty). */
export type CsvCell = string | number | null;

/**
 * Text a spreadsheet would run as a formula (= + - @, and tab or carriage return, which some read as the start of
 * one) gets a leading apostrophe (OWASP "CSV injection"). Numbers are never guarded: a negative amount stays -500.
 */
function guard(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** RFC 4180: a field with a comma, a double quote, CR or LF is quoted, its quotes doubled. */
function field(cell: CsvCell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return String(cell);
  const text = guard(cell);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A CSV document (RFC 4180): the header row, then one line per row, each ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map((row) => `${row.map(field).join(',')}\r\n`).join('');
}
