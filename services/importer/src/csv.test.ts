import { describe, expect, it } from 'vitest';
import { CsvParser, parseCsv } from './csv.ts';

const fields = (text: string, delimiter = ',') => parseCsv(text, delimiter).map((r) => r.fields);

describe('parseCsv (RFC 4180)', () => {
  it('splits plain records on commas and line breaks', () => {
    expect(fields('a,b,c\n1,2,3\n')).toEqual([['a', 'b', 'c'], ['1', '2', '3']]);
  });

  it('keeps commas, doubled quotes and line breaks inside quoted fields', () => {
    expect(fields('id,remark\n1,"Shanghai, Pudong"\n2,"say ""hi"""\n3,"two\nlines"\n')).toEqual([
      ['id', 'remark'], ['1', 'Shanghai, Pudong'], ['2', 'say "hi"'], ['3', 'two\nlines'],
    ]);
  });

  it('reads empty fields, quoted or not, and a last record without a line break', () => {
    expect(fields('a,,""\n,x,')).toEqual([['a', '', ''], ['', 'x', '']]);
  });

  it('numbers each record by the physical line it starts on, across quoted line breaks and blank lines', () => {
    const records = parseCsv('h\r\n"one\r\ntwo"\r\n\r\nthree\r\n');
    expect(records.map((r) => [r.line, r.fields[0]])).toEqual([[1, 'h'], [2, 'one\ntwo'], [5, 'three']]);
  });

  it('treats CRLF split across chunks as one line break', () => {
    const parser = new CsvParser();
    const records = ['a,b\r', '\n1,2\r', '\n', '3,4'].flatMap((chunk) => parser.push(chunk));
    records.push(...parser.end());
    expect(records.map((r) => [r.line, r.fields])).toEqual([[1, ['a', 'b']], [2, ['1', '2']], [3, ['3', '4']]]);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const text = 'id,remark\n1,"a ""quoted"", multi\nline"\n2,plain\n';
    const parser = new CsvParser();
    const records = [...text].flatMap((ch) => parser.push(ch));
    records.push(...parser.end());
    expect(records).toEqual(parseCsv(text));
  });

  it('reports a quoted field left open at the end instead of guessing', () => {
    const [, broken] = parseCsv('a,b\n1,"never closed\n2,3\n');
    expect(broken).toMatchObject({ line: 2, problem: 'opens a quoted field that is never closed' });
  });

  it('keeps a stray quote in an unquoted field as text, as spreadsheets do', () => {
    expect(fields('5" pipe,x\n')).toEqual([['5" pipe', 'x']]);
  });

  it('splits on another delimiter (TSV)', () => {
    expect(fields('a\tb,c\n1\t"x\ty"\n', '\t')).toEqual([['a', 'b,c'], ['1', 'x\ty']]);
  });
});
