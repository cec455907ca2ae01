// Opens an embedded ClickHouse folder from a second process: used to show the lock error.
import { connectClickHouse } from '@segmentation/clickhouse';

try {
  const client = await connectClickHouse({ kind: 'embedded', path: process.argv[2]! });
  await client.close();
  console.log('opened');
} catch (err) {
  console.error((err as Error).message);
  process.exit(3);
}
