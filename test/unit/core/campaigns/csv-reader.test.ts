import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../core/errors.ts';
import { CsvParser, readCsvRecipients } from '../../../../core/campaigns/csv-reader.ts';

async function* chunks(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function read(text: string, size = 7) {
  const rows = [];
  for await (const row of readCsvRecipients(chunks(text, size))) rows.push(row);
  return rows;
}

describe('CSV recipient imports', () => {
  it('parses quotes, doubled quotes, embedded delimiters and line breaks, CRLF and a BOM', () => {
    const parser = new CsvParser();
    const rows = [...parser.push('\uFEFFa,"b,1","say ""hi""\r\nthere"\r\nx,,z\n'), ...parser.end()];
    expect(rows).toEqual([
      ['a', 'b,1', 'say "hi"\r\nthere'],
      ['x', '', 'z'],
    ]);
  });

  it('maps the phone column and turns the other columns into variables, across chunk boundaries', async () => {
    const text = 'name,phone,city\n"Ana, Jr.",+49 151 12345678,Köln\n\nBo,+14155550123,\n';
    for (const size of [1, 3, 7, 1000]) {
      expect(await read(text, size)).toEqual([
        { row: 1, to: '+49 151 12345678', variables: { name: 'Ana, Jr.', city: 'Köln' } },
        { row: 2, to: '+14155550123', variables: { name: 'Bo' } },
      ]);
    }
  });

  it('accepts semicolon-separated files and a last line without a break', async () => {
    expect(await read('Phone;first_name\n+4915112345678;Eva')).toEqual([{ row: 1, to: '+4915112345678', variables: { first_name: 'Eva' } }]);
  });

  it('refuses a file without a phone column, with bad column names, an open quote, or a runaway row', async () => {
    await expect(read('name,city\nA,B\n')).rejects.toThrow(ValidationError);
    await expect(read('phone,first name\n1,2\n')).rejects.toThrow(ValidationError);
    await expect(read('phone,name\n1,"open\n')).rejects.toThrow(ValidationError);
    await expect(read(`phone,name\n1,${'x'.repeat(40_000)}\n`, 4096)).rejects.toThrow(ValidationError);
    await expect(read('')).rejects.toThrow(ValidationError);
  });
});
