import { describe, expect, it } from 'vitest';
import { fillConnector, parseConnectorFile } from './kafka-connect.ts';

describe('a connector file', () => {
  const file = parseConnectorFile(
    JSON.stringify({
      name: 'cdc-postgres',
      config: {
        'database.hostname': '${CDC_POSTGRES_HOST}',
        'database.port': '${CDC_POSTGRES_PORT:-5432}',
        'topic.prefix': '${TOPIC_PREFIX:-}cdc-postgres',
        'snapshot.mode': 'no_data',
      },
    }),
    'postgres.json',
  );

  it('is filled from the environment, with the defaults it names', () => {
    expect(fillConnector(file, { CDC_POSTGRES_HOST: 'db.internal', TOPIC_PREFIX: 'acme.' })).toEqual({
      name: 'cdc-postgres',
      config: {
        'database.hostname': 'db.internal',
        'database.port': '5432',
        'topic.prefix': 'acme.cdc-postgres',
        'snapshot.mode': 'no_data',
      },
    });
    expect(fillConnector(file, { CDC_POSTGRES_HOST: 'db.internal', CDC_POSTGRES_PORT: '6432' })).toMatchObject({
      config: { 'database.port': '6432', 'topic.prefix': 'cdc-postgres' },
    });
  });

  it('names the variables it misses instead of registering a half-filled connector', () => {
    expect(fillConnector(file, {})).toEqual({ name: 'cdc-postgres', missing: ['CDC_POSTGRES_HOST'] });
  });

  it('is refused with the file and the setting when it is not what Kafka Connect takes', () => {
    expect(() => parseConnectorFile('{', 'a.json')).toThrow(/^a\.json: not JSON/);
    expect(() => parseConnectorFile('{"name": "a b", "config": {}}', 'b.json')).toThrow('b.json: "name" must be a connector name');
    expect(() => parseConnectorFile('{"name": "a", "config": {"tasks.max": 1}}', 'c.json')).toThrow(
      'c.json: config "tasks.max" must be a string',
    );
  });
});
