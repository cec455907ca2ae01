import { describe, expect, it } from 'vitest';
import avro from 'avsc';
import { AvroCodec, registryEndpoint, RegistryCredentialsError } from './avro-codec.ts';

describe('the registry URL and its credentials', () => {
  it('takes basic-auth credentials out of the URL, percent-decoded, and keeps the rest as written', () => {
    expect(registryEndpoint('http://seg:s3cret@registry:8081/apis/ccompat/v7')).toEqual({
      url: 'http://registry:8081/apis/ccompat/v7',
      credentials: { username: 'seg', password: 's3cret' },
    });
    expect(registryEndpoint('https://seg%40ops:p%3Aw%2Fd%40x@registry.example.com')).toEqual({
      url: 'https://registry.example.com',
      credentials: { username: 'seg@ops', password: 'p:w/d@x' },
    });
  });

  it('leaves a URL without credentials alone, an @ in its path included', () => {
    expect(registryEndpoint('http://127.0.0.1:8081/apis/ccompat/v7')).toEqual({ url: 'http://127.0.0.1:8081/apis/ccompat/v7' });
    expect(registryEndpoint('http://registry:8081/a@b')).toEqual({ url: 'http://registry:8081/a@b' });
  });

  it("shows the codec's registry without the password", () => {
    const codec = new AvroCodec('http://seg:s3cret@registry:8081/apis/ccompat/v7');
    expect(codec.registryUrl).toBe('http://registry:8081/apis/ccompat/v7');
  });

  it('says what to fix when the registry refuses, naming the setting', () => {
    const refused = new RegistryCredentialsError('http://registry:8081', 401, true);
    expect(refused.message).toBe(
      'Schema Registry at http://registry:8081 refused the user and password of SCHEMA_REGISTRY_URL (HTTP 401): check them',
    );
    expect(refused.status).toBe(401);
    expect(new RegistryCredentialsError('http://registry:8081', 401, false).message).toContain(
      'wants credentials (HTTP 401): give them in SCHEMA_REGISTRY_URL',
    );
  });
});

describe('encoding', () => {
  const schema = JSON.stringify({
    type: 'record',
    name: 'Note',
    namespace: 'test',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'text', type: 'string' },
    ],
  });
  const type = avro.Type.forSchema(JSON.parse(schema) as avro.Schema);
  const read = (b: Buffer) => ({ magic: b.readUInt8(0), schemaId: b.readUInt32BE(1), value: type.fromBuffer(b.subarray(5)) as unknown });

  it('writes the wire format (magic byte, schema id, Avro body), each record in a buffer of its own', () => {
    const codec = new AvroCodec('http://127.0.0.1:1');
    const small = codec.encode(42, schema, { id: 'a', text: 'short' });
    const large = codec.encode(43, schema, { id: 'b', text: '长'.repeat(30_000) }); // past the scratch buffer: it grows
    const after = codec.encode(44, schema, { id: 'c', text: 'again' });
    expect(read(small)).toEqual({ magic: 0, schemaId: 42, value: { id: 'a', text: 'short' } });
    expect(read(large)).toEqual({ magic: 0, schemaId: 43, value: { id: 'b', text: '长'.repeat(30_000) } });
    expect(read(after)).toEqual({ magic: 0, schemaId: 44, value: { id: 'c', text: 'again' } });
    expect(small.length).toBe(5 + type.toBuffer({ id: 'a', text: 'short' }).length);
  });
});
