import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.ts';

const fields = async (text: string, delimiter = ',') => (await parseCsv(text, delimiter)).map((r) => r.fields);

describe('parseCsv (RFC 4180, through csv-parse)', () => {
  it('splits plain records on commas and line breaks', async () => {
    expect(await fields('a,b,c\n1,2,3\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
  });

  it('keeps commas, doubled quotes and line breaks inside quoted fields', async () => {
    expect(await fields('id,remark\n1,"Shanghai, Pudong"\n2,"say ""hi"""\n3,"two\nlines"\n')).toEqual([
      ['id', 'remark'],
      ['1', 'Shanghai, Pudong'],
      ['2', 'say "hi"'],
      ['3', 'two\nlines'],
    ]);
  });

  it('reads empty fields, quoted or not, and a last record without a line break', async () => {
    expect(await fields('a,,""\n,x,')).toEqual([
      ['a', '', ''],
      ['', 'x', ''],
    ]);
  });

  it('numbers each record by the physical line it starts on, across quoted line breaks and blank lines', async () => {
    const records = await parseCsv('h\r\n"one\r\ntwo"\r\n\r\nthree\r\n');
    expect(records.map((r) => [r.line, r.fields[0]])).toEqual([
      [1, 'h'],
      [2, 'one\ntwo'],
      [5, 'three'],
    ]);
  });

  it('treats CRLF split across chunks as one line break', async () => {
    const records = await parseCsv(['a,b\r', '\n1,2\r', '\n', '3,4']);
    expect(records.map((r) => [r.line, r.fields])).toEqual([
      [1, ['a', 'b']],
      [2, ['1', '2']],
      [3, ['3', '4']],
    ]);
  });

  it('gives the same records whatever the chunk boundaries', async () => {
    const text = 'id,remark\n1,"a ""quoted"", multi\nline"\n2,plain\n';
    const records = await parseCsv([...text]);
    expect(records).toEqual(await parseCsv(text));
  });

  it('reports a quoted field left open at the end instead of guessing', async () => {
    const [, broken] = await parseCsv('a,b\n1,"never closed\n2,3\n');
    expect(broken).toMatchObject({ line: 2, problem: 'opens a quoted field that is never closed' });
  });

  it('keeps a stray quote in an unquoted field as text, as spreadsheets do', async () => {
    expect(await fields('5" pipe,x\n')).toEqual([['5" pipe', 'x']]);
  });

  it('splits on another delimiter (TSV)', async () => {
    expect(await fields('a\tb,c\n1\t"x\ty"\n', '\t')).toEqual([
      ['a', 'b,c'],
      ['1', 'x\ty'],
    ]);
  });
});
