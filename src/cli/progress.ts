/** A progress bar on a terminal; silent when output goes to a file or pipe. */
import cliProgress from 'cli-progress';

export interface ProgressBar {
  update(done: number, total: number): void;
  /** Ends the bar full, saying on a line of its own what is still being done; later updates are ignored. */
  finish(next: string): void;
  stop(): void;
}

export function progressBar(label: string): ProgressBar {
  if (!process.stderr.isTTY) return { update() {}, finish() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} images | {eta}s left`, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let state: 'waiting' | 'running' | 'stopped' = 'waiting';
  const stop = () => {
    if (state === 'running') bar.stop();
    state = 'stopped';
  };
  return {
    update(done, total) {
      if (state === 'stopped') return;
      if (state === 'waiting') {
        bar.start(total, 0);
        state = 'running';
      }
      bar.update(done);
    },
    finish(next) {
      if (state === 'stopped') return;
      if (state === 'running') bar.update(bar.getTotal());
      stop();
      process.stderr.write(`${next}\n`);
    },
    stop,
  };
}
