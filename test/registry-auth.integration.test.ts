// Schema Registry credentials. The registry is the shared one, behind a proxy of this
// test's own that demands HTTP basic auth, as a registry with authentication does. A codec without
// credentials and one with a wrong password are refused with the status and the setting to fix
// (never the password); one with the credentials in SCHEMA_REGISTRY_URL's userinfo registers,
// checks, encodes and decodes an order through the proxy.
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@segmentation/app';
import { anOrder, avroSchemas, valueSubject, type Order } from '@segmentation/contracts';
import { AvroCodec, probeSchemaRegistry, RegistryCredentialsError } from '@segmentation/kafka';
import { startRegistryProxy, type RegistryProxy } from './harness/registry-proxy.ts';
import { testServices } from './harness/services.ts';
import { uniqueName } from './harness/unique.ts';

const username = 'segmentation';
const password = `pw-${uniqueName('registry')}`;
const wrongPassword = `wrong-${uniqueName('registry')}`;

let proxy: RegistryProxy;
let proxyUrl: string;
const withCredentials = (user: string, pw: string) => proxy.urlWith(user, pw);

beforeAll(async () => {
  proxy = await startRegistryProxy(testServices().schemaRegistryUrl, username, password);
  proxyUrl = proxy.url;
});

afterAll(async () => {
  await proxy?.close();
});

/** The error `promise` rejects with, which must be the registry's refusal of the credentials. */
async function refusal(promise: Promise<unknown>): Promise<RegistryCredentialsError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RegistryCredentialsError);
  const refused = err as RegistryCredentialsError;
  // Nothing of the credentials, wherever the error is printed (its cause included).
  for (const text of [refused.message, String(refused.stack), inspect(refused, { depth: 10 })]) {
    for (const secret of [password, wrongPassword, Buffer.from(`${username}:${wrongPassword}`).toString('base64')])
      expect(text).not.toContain(secret);
  }
  return refused;
}

describe('a Schema Registry that demands credentials', () => {
  it('refuses a codec without credentials, saying so with the status and the setting', async () => {
    const subject = valueSubject(`${uniqueName('auth')}.orders`);
    const refused = await refusal(new AvroCodec(proxyUrl).register(subject, avroSchemas.order));
    expect(refused.status).toBe(401);
    expect(refused.message).toBe(
      `Schema Registry at ${proxyUrl} wants credentials (HTTP 401): give them in SCHEMA_REGISTRY_URL as http://user:password@host:port/…`,
    );
    expect((await refusal(probeSchemaRegistry(proxyUrl))).status).toBe(401);
  });

  it('refuses the wrong password, showing the registry without it', async () => {
    const url = withCredentials(username, wrongPassword);
    const codec = new AvroCodec(url);
    expect(codec.registryUrl).toBe(proxyUrl);
    const subject = valueSubject(`${uniqueName('auth')}.orders`);
    const refused = await refusal(codec.register(subject, avroSchemas.order));
    expect(refused.status).toBe(401);
    expect(refused.message).toBe(
      `Schema Registry at ${proxyUrl} refused the user and password of SCHEMA_REGISTRY_URL (HTTP 401): check them`,
    );
    await refusal(codec.checkCompatibility(subject, avroSchemas.order));
    await refusal(probeSchemaRegistry(url));
  });

  it('registers, checks, encodes and decodes an order with the credentials of SCHEMA_REGISTRY_URL', async () => {
    // Through the pipeline's settings: the password percent-encoded in the userinfo.
    const settings = loadConfig({ SCHEMA_REGISTRY_URL: withCredentials(username, password) });
    await probeSchemaRegistry(settings.SCHEMA_REGISTRY_URL);
    const before = { ...proxy.seen };

    const topic = `${uniqueName('auth')}.orders`;
    const writer = new AvroCodec(settings.SCHEMA_REGISTRY_URL);
    const schemaId = await writer.register(valueSubject(topic), avroSchemas.order);
    expect(await writer.checkCompatibility(valueSubject(topic), avroSchemas.order)).toBe('compatible');
    const order = anOrder({ customerId: uniqueName('C'), amount: 4200, currency: 'USD' });
    const bytes = writer.encode(schemaId, avroSchemas.order, order);

    // A codec that has cached nothing fetches the writer's schema by id, through the proxy.
    const reader = new AvroCodec(settings.SCHEMA_REGISTRY_URL);
    expect(await reader.decode<Order>(bytes, avroSchemas.order)).toEqual(order);
    expect(proxy.seen.forwarded - before.forwarded).toBeGreaterThanOrEqual(4); // config, register, check, schema by id
    expect(proxy.seen.refused).toBe(before.refused); // every request carried the credentials

    // The same bytes, without credentials: the registry's refusal, not an undecodable record.
    expect((await refusal(new AvroCodec(proxyUrl).decode(bytes, avroSchemas.order))).status).toBe(401);
  });
});
