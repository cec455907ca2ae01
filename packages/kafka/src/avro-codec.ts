import avro from 'avsc';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { ConfigError, ServiceUnavailableError } from '@segmentation/runtime';

const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;
type Resolver = ReturnType<avro.Type['createResolver']>; // magic byte + 4-byte schema id (Confluent wire format)

/** The bytes cannot be read as one of our records; never worth retrying. */
export class UndecodableError extends Error {
  override name = 'UndecodableError';
  /** Which dead-letter reason it is. */
  readonly reason: 'undecodable' | 'unknown_schema' | 'schema_mismatch';

  constructor(reason: UndecodableError['reason'], message: string) {
    super(message);
    this.reason = reason;
  }
}

export type Compatibility = keyof typeof COMPATIBILITY;

/** The user and password of HTTP basic auth to the registry. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

/**
 * Splits `http://user:password@host:port/path` into the URL without its userinfo (safe to show in
 * a message or a log) and the credentials, percent-decoded. A URL without userinfo comes back as is.
 */
export function registryEndpoint(registryUrl: string): { url: string; credentials?: RegistryCredentials } {
  // The userinfo ends at the authority's last '@' (the WHATWG URL parser's rule); the rest of the
  // string is kept as written, so `${url}/subjects` joins the way it did without credentials.
  const userinfo = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#\\]*@/i.exec(registryUrl);
  if (!userinfo) return { url: registryUrl };
  const url = userinfo[1]! + registryUrl.slice(userinfo[0].length);
  let parsed: URL;
  try {
    parsed = new URL(registryUrl);
  } catch {
    return { url }; // not a URL (the settings refuse it first): nothing to authenticate with
  }
  return { url, credentials: { username: percentDecoded(parsed.username), password: percentDecoded(parsed.password) } };
}

function percentDecoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The registry refused a request for want of credentials, or refused the ones given (HTTP 401 or
 * 403): a setting to correct, not a service to wait for, so it is neither retried nor dead-lettered.
 * No cause is kept: the client's error quotes whatever the registry answered.
 */
export class RegistryCredentialsError extends ConfigError {
  override name = 'RegistryCredentialsError';
  readonly status: number;

  constructor(registryUrl: string, status: number, withCredentials: boolean) {
    super(
      withCredentials
        ? `Schema Registry at ${registryUrl} refused the user and password of SCHEMA_REGISTRY_URL (HTTP ${status}): check them`
        : `Schema Registry at ${registryUrl} wants credentials (HTTP ${status}): give them in SCHEMA_REGISTRY_URL as http://user:password@host:port/…`,
    );
    this.status = status;
  }
}

const refusesCredentials = (status: number | undefined): status is 401 | 403 => status === 401 || status === 403;

/**
 * Avro in the Confluent wire format against a Confluent-compatible Schema Registry.
 * Decoding resolves the writer's schema (by the id in the message) into the reader's contract,
 * so old records stay readable after a compatible schema change. Parsed types and resolvers
 * are cached per schema id: decoding a record costs no registry call after the first.
 */
export class AvroCodec {
  private readonly registry: SchemaRegistry;
  private readonly readers = new Map<string, avro.Type>();
  /** By reader schema, then writer schema id: keyed by the schema string itself, whose hash V8
   *  keeps, not by a string concatenated per message (hashing 10 kB per decode cost 3 % of the segmenter). */
  private readonly resolvers = new Map<string, Map<number, Resolver | 'same'>>();
  private scratch = Buffer.allocUnsafe(16 * 1024);

  /** The registry's URL without the credentials: what messages show. */
  readonly registryUrl: string;
  private readonly credentials: RegistryCredentials | undefined;

  /** `registryUrl` may carry basic-auth credentials: `http://user:password@host:port/apis/ccompat/v7`. */
  constructor(registryUrl: string) {
    const { url, credentials } = registryEndpoint(registryUrl);
    this.registryUrl = url;
    this.credentials = credentials;
    this.registry = new SchemaRegistry({
      host: url,
      auth: credentials && { ...credentials },
      retry: { retries: 3, initialRetryTimeInSecs: 0.2 },
    });
  }

  /** Sets the subject's compatibility mode and registers the schema (a no-op when already there). */
  async register(subject: string, schema: string, compatibility: Compatibility = 'BACKWARD'): Promise<number> {
    await this.setCompatibility(subject, compatibility);
    try {
      const { id } = await this.registry.register(
        { type: SchemaType.AVRO, schema },
        { subject, compatibility: COMPATIBILITY[compatibility] },
      );
      return id;
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (refusesCredentials(status)) throw new RegistryCredentialsError(this.registryUrl, status, this.credentials !== undefined);
      throw err;
    }
  }

  async setCompatibility(subject: string, compatibility: Compatibility): Promise<void> {
    const res = await this.fetch(`/config/${encodeURIComponent(subject)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility }),
    });
    if (!res.ok) throw new Error(`registry refused compatibility ${compatibility} for ${subject}: ${res.status} ${await res.text()}`);
  }

  /**
   * Whether the registry would accept `schema` as the subject's next version under its
   * compatibility mode; 'new' when the subject has no version yet.
   */
  async checkCompatibility(subject: string, schema: string): Promise<'compatible' | 'incompatible' | 'new'> {
    // Asked first: Apicurio calls anything compatible with a subject it does not have.
    const versions = await this.fetch(`/subjects/${encodeURIComponent(subject)}/versions`);
    if (versions.status === 404) return 'new';
    const res = await this.fetch(`/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema }),
    });
    if (res.status === 404) return 'new';
    if (!res.ok) throw new Error(`registry could not check ${subject}: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { is_compatible?: boolean };
    return body.is_compatible === true ? 'compatible' : 'incompatible';
  }

  /** Encodes with the given registered schema id; throws if the value does not fit the schema. */
  encode(schemaId: number, schema: string, value: unknown): Buffer {
    const type = this.reader(schema);
    // Written into a scratch buffer that grows to the largest record, then copied once: avsc's
    // toBuffer writes a record over 1 kB twice (its own scratch is 1 kB), and a header joined to
    // the body would allocate twice more.
    for (;;) {
      this.scratch.writeUInt8(MAGIC_BYTE, 0);
      this.scratch.writeUInt32BE(schemaId, 1);
      const end = type.encode(value, this.scratch, HEADER_BYTES);
      if (end > 0) return Buffer.from(this.scratch.subarray(0, end));
      this.scratch = Buffer.allocUnsafe(2 * (this.scratch.length - end)); // `end` is minus the bytes missing
    }
  }

  /**
   * Decodes into the shape of `readerSchema`. Throws UndecodableError for bad bytes, an unknown
   * schema id or an incompatible writer schema; other errors (registry unreachable) are retriable.
   */
  async decode<T>(buffer: Buffer | null, readerSchema: string): Promise<T> {
    if (buffer === null || buffer.length < HEADER_BYTES)
      throw new UndecodableError('undecodable', 'value is empty or shorter than the 5-byte wire-format header');
    if (buffer.readUInt8(0) !== MAGIC_BYTE)
      throw new UndecodableError('undecodable', `magic byte is ${buffer.readUInt8(0)}, expected 0 (Confluent wire format)`);
    const id = buffer.readUInt32BE(1);
    const reader = this.reader(readerSchema);
    const resolver = await this.resolver(id, readerSchema, reader);
    try {
      return (
        resolver === 'same' ? reader.fromBuffer(buffer.subarray(HEADER_BYTES)) : reader.fromBuffer(buffer.subarray(HEADER_BYTES), resolver)
      ) as T;
    } catch (err) {
      throw new UndecodableError('undecodable', `Avro body does not match writer schema ${id}: ${(err as Error).message}`);
    }
  }

  private reader(schema: string): avro.Type {
    let type = this.readers.get(schema);
    if (!type) {
      type = avro.Type.forSchema(JSON.parse(schema) as avro.Schema);
      this.readers.set(schema, type);
    }
    return type;
  }

  private async resolver(id: number, readerSchema: string, reader: avro.Type): Promise<Resolver | 'same'> {
    let forReader = this.resolvers.get(readerSchema);
    if (!forReader) {
      forReader = new Map();
      this.resolvers.set(readerSchema, forReader);
    }
    const cached = forReader.get(id);
    if (cached) return cached;
    let writer: avro.Type;
    try {
      writer = (await this.registry.getSchema(id)) as unknown as avro.Type;
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 404) throw new UndecodableError('unknown_schema', `schema id ${id} is unknown to the registry`);
      if (refusesCredentials(status)) throw new RegistryCredentialsError(this.registryUrl, status, this.credentials !== undefined);
      throw new ServiceUnavailableError('Schema Registry', this.registryUrl, err);
    }
    let resolver: Resolver | 'same';
    try {
      resolver = reader.equals(writer) ? 'same' : reader.createResolver(writer);
    } catch (err) {
      throw new UndecodableError(
        'schema_mismatch',
        `writer schema ${id} cannot be read as ${reader.name ?? 'the contract'}: ${(err as Error).message}`,
      );
    }
    forReader.set(id, resolver);
    return resolver;
  }

  /** A request to the registry with the credentials; a refusal of them is a RegistryCredentialsError. */
  private async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(`${this.registryUrl}${path}`, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), ...authorization(this.credentials) },
    });
    if (refusesCredentials(res.status)) throw new RegistryCredentialsError(this.registryUrl, res.status, this.credentials !== undefined);
    return res;
  }
}

const authorization = (credentials: RegistryCredentials | undefined): Record<string, string> =>
  credentials === undefined
    ? {}
    : { authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` };

/**
 * Fails with a message naming the registry and how to start it unless it answers, or with a
 * RegistryCredentialsError when it wants other credentials than those in `registryUrl`.
 */
export async function probeSchemaRegistry(registryUrl: string): Promise<void> {
  const { url, credentials } = registryEndpoint(registryUrl);
  let res: Response;
  try {
    res = await fetch(`${url}/subjects`, { headers: authorization(credentials), signal: AbortSignal.timeout(5000) });
  } catch (err) {
    throw new ServiceUnavailableError('Schema Registry', url, err);
  }
  if (refusesCredentials(res.status)) throw new RegistryCredentialsError(url, res.status, credentials !== undefined);
  if (!res.ok) throw new ServiceUnavailableError('Schema Registry', url, new Error(`HTTP ${res.status}`));
}
