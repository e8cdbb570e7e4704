/**
 * RFC 4180 CSV: fields with a comma, a quote or a line break are quoted (inner quotes doubled), records end with CRLF.
 * Text cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) get a
 * leading apostrophe (OWASP's CSV injection guard); numbers are written as they are.
 */
export type CsvCell = string | number | null;

function toField(cell: CsvCell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return String(cell);
  const guarded = /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

export function toCsv(records: readonly (readonly CsvCell[])[]): string {
  return records.map((record) => record.map(toField).join(',') + '\r\n').join('');
}
