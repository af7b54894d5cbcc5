/**
 * The tests' S3 server (test/support/s3-test-server.ts) in a process of its own for bench/data.ts, so that the
 * benchmark's own work does not slow it down: reports its port over IPC (its bucket is TEST_BUCKET).
 */
import { startTestS3 } from '../test/support/s3-test-server.js';

if (!process.send) {
  console.error('usage: fork s3-server.ts (needs an IPC channel to report its address)');
  process.exit(2);
}
const s3 = await startTestS3();
process.send({ port: Number(new URL(new URL(s3.url()).searchParams.get('endpoint')!).port) });

// Never outlive the benchmark, whether it stops this process or dies; the server's directory (the bucket) goes with it.
const stop = () => void s3.close().finally(() => process.exit(0));
process.on('disconnect', stop);
process.on('SIGTERM', stop);
