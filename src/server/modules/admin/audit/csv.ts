// CSV for the console's exports: RFC 4180 (CRLF rows; a field with a comma, a quote or a line break is quoted, its
// quotes doubled) and no formula injection: a spreadsheet runs a cell that starts with = + - @ (or a tab or carriage
// return, which some strip before looking), so such a cell gets a leading single quote and is shown as text.

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(values: readonly (string | number | boolean | null | undefined)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
