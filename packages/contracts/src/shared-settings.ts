import { accessSync, constants, statSync } from 'node:fs';
import { z } from 'zod';
import { boolSetting, intSetting, listSetting } from '@segmentation/runtime';
import { DEFAULT_BASE_CURRENCY, DEFAULT_CURRENCY_RATES, parseRates } from './money.ts';

/**
 * Settings every process that reads or writes the pipeline's topics shares — the pipeline, the
 * import command, the simulator — with the same names and defaults, so they cannot drift apart.
 */
export const sharedSettings = {
  KAFKA_BROKERS: listSetting.default(['127.0.0.1:9092']),
  ...kafkaSecuritySettings(),
  ...redisSecuritySettings(),
  /** A Confluent-compatible registry; basic-auth credentials as userinfo, percent-encoded: `http://user:password@host:port/…`. */
  SCHEMA_REGISTRY_URL: z
    .url()
    .refine(
      hasWholeCredentials,
      'a user needs a password and a password a user: http://user:password@host:port/… (percent-encode : / ? # @ in them)',
    )
    .default('http://127.0.0.1:8081/apis/ccompat/v7'),
  /** Prepended to every topic name: separates deployments sharing a cluster. */
  TOPIC_PREFIX: z.string().default(''),
  BASE_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as CNY')
    .default(DEFAULT_BASE_CURRENCY),
  /** Units of the base currency per unit of each currency: `USD=7.1,EUR=7.7`. */
  CURRENCY_RATES: z.string().default(DEFAULT_CURRENCY_RATES),
  /** Seconds an event time may be ahead of the wall clock before it is refused (clock skew between systems). */
  MAX_FUTURE_SKEW_SECONDS: intSetting(0).default(300),
};

/** How clients authenticate to Kafka and whether they use TLS (docs/operations.md, "Security"). */
export function kafkaSecuritySettings() {
  return {
    /** SASL mechanism; unset = no SASL. SCRAM is what a broker should offer (PLAIN sends the password as is). */
    KAFKA_SASL_MECHANISM: z.enum(['scram-sha-256', 'scram-sha-512', 'plain']).optional(),
    KAFKA_SASL_USERNAME: z.string().min(1).optional(),
    KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
    /** TLS to the brokers (the system's CAs, or KAFKA_TLS_CA_FILE's). */
    KAFKA_TLS: boolSetting.default(false),
    KAFKA_TLS_CA_FILE: z.string().refine(isReadableFile, 'cannot read this file (the PEM certificate of the CA)').optional(),
  };
}

/**
 * How clients trust a Redis server's TLS certificate. The user and password of an ACL user, and TLS
 * itself (`rediss://`), are in REDIS_URL; connectRedis reads the file and refuses it without `rediss://`.
 */
export function redisSecuritySettings() {
  return {
    /** PEM file of the CA that signed the Redis server's certificate (else the system's CAs are trusted). */
    REDIS_TLS_CA_FILE: z.string().refine(isReadableFile, 'cannot read this file (the PEM certificate of the CA)').optional(),
  };
}

function isReadableFile(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Userinfo, when a URL has some, names both a user and a password (`user:` or `:password` is a slip). */
function hasWholeCredentials(url: string): boolean {
  try {
    const { username, password } = new URL(url);
    return (username === '') === (password === '');
  } catch {
    return true; // z.url() reports it
  }
}

/** SASL needs a user and a password; a CA file needs TLS. For a `superRefine` of a schema using `sharedSettings`. */
export function checkKafkaSecurity(
  c: {
    KAFKA_SASL_MECHANISM?: string;
    KAFKA_SASL_USERNAME?: string;
    KAFKA_SASL_PASSWORD?: string;
    KAFKA_TLS: boolean;
    KAFKA_TLS_CA_FILE?: string;
  },
  ctx: z.RefinementCtx,
): void {
  if (c.KAFKA_SASL_MECHANISM !== undefined) {
    if (c.KAFKA_SASL_USERNAME === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_SASL_USERNAME'],
        message: `required with KAFKA_SASL_MECHANISM=${c.KAFKA_SASL_MECHANISM}`,
      });
    if (c.KAFKA_SASL_PASSWORD === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_SASL_PASSWORD'],
        message: `required with KAFKA_SASL_MECHANISM=${c.KAFKA_SASL_MECHANISM}`,
      });
  } else if (c.KAFKA_SASL_USERNAME !== undefined || c.KAFKA_SASL_PASSWORD !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['KAFKA_SASL_MECHANISM'],
      message: 'required with KAFKA_SASL_USERNAME/KAFKA_SASL_PASSWORD: scram-sha-256, scram-sha-512 or plain',
    });
  }
  if (c.KAFKA_TLS_CA_FILE !== undefined && !c.KAFKA_TLS)
    ctx.addIssue({ code: 'custom', path: ['KAFKA_TLS'], message: 'must be true when KAFKA_TLS_CA_FILE is set' });
}

/** The cross-field check of the rate table, for a `superRefine` of a schema using `sharedSettings`. */
export function checkCurrencySettings(c: { BASE_CURRENCY: string; CURRENCY_RATES: string }, ctx: z.RefinementCtx): void {
  try {
    parseRates(c.BASE_CURRENCY, c.CURRENCY_RATES);
  } catch {
    ctx.addIssue({
      code: 'custom',
      path: ['CURRENCY_RATES'],
      message: `must look like USD=7.1,EUR=7.7 (ISO codes, positive rates in ${c.BASE_CURRENCY}; ${c.BASE_CURRENCY} itself, if listed, at 1)`,
    });
  }
}
