import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatOf, ImportInputError, readRows, type FileFormat, type SourceRow } from './read-rows.ts';

const dir = mkdtempSync(join(tmpdir(), 'importer-read-'));
let n = 0;
function file(content: string | Buffer, ext: string): string {
  const path = join(dir, `f${n++}${ext}`);
  writeFileSync(path, content);
  return path;
}
async function rows(path: string, format: FileFormat, encoding = 'utf-8', onHeader?: (c: string[]) => void): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const row of readRows(path, format, { encoding, onHeader })) out.push(row);
  return out;
}

describe('formatOf', () => {
  it('tells the format from the extension, whatever its case', () => {
    expect(['a.csv', 'b.TSV', 'c.jsonl', 'd.ndjson', 'e.xlsx'].map(formatOf)).toEqual(['csv', 'tsv', 'jsonl', 'jsonl', undefined]);
  });
});

describe('readRows, JSON Lines', () => {
  it('yields one row per object line, numbered as an editor numbers them, skipping blank lines', async () => {
    const path = file('{"a":1}\r\n\n   \n{"a":"two","b":[1,2]}\n', '.jsonl');
    expect(await rows(path, 'jsonl')).toEqual([
      { line: 1, values: { a: 1 } },
      { line: 4, values: { a: 'two', b: [1, 2] } },
    ]);
  });

  it('reports a line that is not JSON, or not an object, and goes on', async () => {
    const path = file('{"a":1\n[1,2]\n{"a":3}', '.jsonl');
    const [bad, notObject, good] = await rows(path, 'jsonl');
    expect(bad).toMatchObject({ line: 1, raw: '{"a":1' });
    expect((bad as { problem: string }).problem).toMatch(/^is not valid JSON/);
    expect(notObject).toEqual({ line: 2, problem: 'is not a JSON object', raw: [1, 2] });
    expect(good).toEqual({ line: 3, values: { a: 3 } });
  });
});

describe('readRows, CSV', () => {
  it('keys each row by the header, drops a UTF-8 BOM and rows of empty cells, keeps line numbers', async () => {
    const path = file('\uFEFFid,name\n1,"Ningbo, Zhoushan"\n,\n2,"two\nlines"\n', '.csv');
    let header: string[] = [];
    expect(
      await rows(path, 'csv', 'utf-8', (c) => {
        header = c;
      }),
    ).toEqual([
      { line: 2, values: { id: '1', name: 'Ningbo, Zhoushan' } },
      { line: 4, values: { id: '2', name: 'two\nlines' } },
    ]);
    expect(header).toEqual(['id', 'name']);
  });

  it('reports a row whose field count differs from the header', async () => {
    const [row] = await rows(file('a,b\n1,2,3\n', '.csv'), 'csv');
    expect(row).toEqual({ line: 2, problem: 'has 3 fields but the header has 2', raw: ['1', '2', '3'] });
  });

  it('reads TSV files', async () => {
    expect(await rows(file('a\tb\n1\t2\n', '.tsv'), 'tsv')).toEqual([{ line: 2, values: { a: '1', b: '2' } }]);
  });

  it('reads a GBK export (Excel on Chinese Windows) when told the encoding', async () => {
    // "客户编号,金额\nC-1,100\n" in GBK.
    const gbk = Buffer.from('bfcdbba7b1e0bac52cbdf0b6ee0a432d312c3130300a', 'hex');
    expect(await rows(file(gbk, '.csv'), 'csv', 'gbk')).toEqual([{ line: 2, values: { 客户编号: 'C-1', 金额: '100' } }]);
  });

  it('refuses the whole file when its bytes are not in the encoding, and suggests gbk', async () => {
    const gbk = Buffer.from('bfcdbba7b1e0bac52cbdf0b6ee0a432d312c3130300a', 'hex');
    await expect(rows(file(gbk, '.csv'), 'csv')).rejects.toThrow(/is not valid utf-8 text .*--encoding gbk/);
  });

  it('refuses a GBK file with bytes that are not GBK, instead of importing replacement characters', async () => {
    // "客户编号,金额\nC-1," then 0xFF 0xFF, which no GBK character starts with.
    const broken = Buffer.concat([
      Buffer.from('bfcdbba7b1e0bac52cbdf0b6ee0a432d312c', 'hex'),
      Buffer.from([0xff, 0xff]),
      Buffer.from('\n'),
    ]);
    await expect(rows(file(broken, '.csv'), 'csv', 'gbk')).rejects.toThrow(/is not valid gbk text near byte/);
  });

  it('reads GB18030, and UTF-8 characters split across the chunks a file is read in', async () => {
    // "客户编号,金额\nC-1,100\n" is the same in GB18030 as in GBK.
    const gb18030 = Buffer.from('bfcdbba7b1e0bac52cbdf0b6ee0a432d312c3130300a', 'hex');
    expect(await rows(file(gb18030, '.csv'), 'csv', 'GB18030')).toEqual([{ line: 2, values: { 客户编号: 'C-1', 金额: '100' } }]);
    const long = 'name\n' + '宁波舟山港'.repeat(60_000) + '\n';
    const [row] = await rows(file(long, '.csv'), 'csv');
    expect(row).toEqual({ line: 2, values: { name: '宁波舟山港'.repeat(60_000) } });
  });

  it('refuses a header that names a column twice, and a file without a header', async () => {
    await expect(rows(file('id,amount,id\n1,2,3\n', '.csv'), 'csv')).rejects.toThrow(ImportInputError);
    await expect(rows(file('id,amount,id\n1,2,3\n', '.csv'), 'csv')).rejects.toThrow(/column "id" appears twice/);
    await expect(rows(file('\n\n', '.csv'), 'csv')).rejects.toThrow(/has no header row/);
  });
});
