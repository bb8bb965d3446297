/**
 * A streaming CSV reader for campaign recipient imports (RFC 4180: quoted fields, doubled quotes, CRLF or
 * LF, a UTF-8 BOM). It consumes the upload chunk by chunk, so memory stays bounded by one row whatever the
 * file size. The delimiter is `,`, or `;` when the header line has semicolons and no commas (spreadsheets in
 * many European locales export that way).
 *
 * The header names the columns: `phone` (or `to`, `phone_number`, `number`) holds the number, every other
 * column becomes a template variable of that name.
 */
import { ValidationError } from '../errors.ts';
import { VARIABLE_NAME } from './template.ts';

/** The longest row accepted, in characters: protects memory against a file without line breaks. */
export const MAX_ROW_CHARS = 32_768;

const PHONE_COLUMNS = new Set(['phone', 'to', 'phone_number', 'phonenumber', 'number', 'msisdn']);

export class CsvParser {
  private field = '';
  private row: string[] = [];
  private rowChars = 0;
  private quoted = false;
  /** Inside a quoted field, the previous character was a quote (escape or end of the quotes). */
  private quotePending = false;
  private started = false;
  private delimiter: string | undefined;

  /** Feeds text; returns the rows completed by it. */
  push(text: string): string[][] {
    const rows: string[][] = [];
    let input = text;
    if (!this.started) {
      if (input.length === 0) return rows;
      if (input.charCodeAt(0) === 0xfeff) input = input.slice(1);
      this.started = true;
    }
    if (this.delimiter === undefined) {
      const lineEnd = input.search(/\r?\n/);
      const header = lineEnd === -1 ? input : input.slice(0, lineEnd);
      this.delimiter = header.includes(';') && !header.includes(',') ? ';' : ',';
    }
    for (const char of input) {
      if (++this.rowChars > MAX_ROW_CHARS) throw new ValidationError(`A CSV row is longer than ${MAX_ROW_CHARS} characters`, undefined, 'invalid_csv');
      if (this.quoted) {
        if (this.quotePending) {
          this.quotePending = false;
          if (char === '"') {
            this.field += '"';
            continue;
          }
          this.quoted = false;
        } else if (char === '"') {
          this.quotePending = true;
          continue;
        } else {
          this.field += char;
          continue;
        }
      }
      if (char === '"' && this.field.length === 0) this.quoted = true;
      else if (char === this.delimiter) this.endField();
      else if (char === '\n') rows.push(...this.endRow());
      else if (char !== '\r') this.field += char;
    }
    return rows;
  }

  /** Ends the input; returns the last row if it had no line break. */
  end(): string[][] {
    if (this.quoted && !this.quotePending) throw new ValidationError('The CSV ends inside a quoted field', undefined, 'invalid_csv');
    this.quoted = false;
    this.quotePending = false;
    return this.row.length > 0 || this.field.length > 0 ? this.endRow() : [];
  }

  private endField(): void {
    this.row.push(this.field);
    this.field = '';
  }

  private endRow(): string[][] {
    this.endField();
    const row = this.row;
    this.row = [];
    this.rowChars = 0;
    // Blank lines are skipped.
    return row.length === 1 && row[0]!.trim() === '' ? [] : [row];
  }
}

export interface CsvRecipientRow {
  /** 1-based data row number (the header is row 0). */
  readonly row: number;
  readonly to: string;
  readonly variables: Record<string, string>;
}

export interface CsvLayout {
  readonly phoneColumn: number;
  readonly variableColumns: readonly { readonly index: number; readonly name: string }[];
}

/** Reads the header row: which column is the phone number, which are variables. */
export function csvLayout(header: readonly string[]): CsvLayout {
  const names = header.map((name) => name.trim());
  const phoneColumn = names.findIndex((name) => PHONE_COLUMNS.has(name.toLowerCase()));
  if (phoneColumn === -1) {
    throw new ValidationError('The CSV header needs a phone column (phone, to, phone_number or number)', undefined, 'invalid_csv');
  }
  const variableColumns: { index: number; name: string }[] = [];
  names.forEach((name, index) => {
    if (index === phoneColumn || name === '') return;
    if (!VARIABLE_NAME.test(name)) {
      throw new ValidationError(`CSV column "${name.slice(0, 64)}" is not a valid variable name (letters, digits, underscore)`, undefined, 'invalid_csv');
    }
    variableColumns.push({ index, name });
  });
  return { phoneColumn, variableColumns };
}

/** Recipient rows of a CSV byte stream, header applied. */
export async function* readCsvRecipients(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<CsvRecipientRow> {
  const decoder = new TextDecoder('utf-8');
  const parser = new CsvParser();
  let layout: CsvLayout | undefined;
  let row = 0;
  const toRecipients = function* (rows: string[][]): Generator<CsvRecipientRow> {
    for (const fields of rows) {
      if (!layout) {
        layout = csvLayout(fields);
        continue;
      }
      row += 1;
      const variables: Record<string, string> = {};
      for (const column of layout.variableColumns) {
        const value = fields[column.index]?.trim();
        if (value) variables[column.name] = value;
      }
      yield { row, to: fields[layout.phoneColumn]?.trim() ?? '', variables };
    }
  };
  for await (const chunk of chunks) yield* toRecipients(parser.push(decoder.decode(chunk, { stream: true })));
  yield* toRecipients(parser.push(decoder.decode()));
  yield* toRecipients(parser.end());
  if (!layout) throw new ValidationError('The CSV is empty', undefined, 'invalid_csv');
}
