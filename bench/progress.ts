/**
 * Progress while the benchmark runs. On a terminal: one bar redrawn in place. Anywhere else (CI logs, a pipe): plain
 * lines, one when a measurement starts, one every few seconds, one when it ends, so a log stays readable.
 */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): boolean;
}

export interface ProgressTick {
  elapsedMs: number;
  done: number;
  errors: number;
}

export interface ProgressBar {
  update(tick: ProgressTick): void;
  finish(summary: string): void;
}

const barWidth = 24;
const plainEveryMs = 5_000;
const redrawEveryMs = 100;

export function createProgress(stream: ProgressStream = process.stdout, startedAt = Date.now()) {
  const tty = stream.isTTY === true;
  let barShown = false;
  // Seconds since the run started, so a log shows where the time went.
  const stamp = () => `[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)}s]`;

  const clearBar = () => {
    if (tty && barShown) stream.write('\r\x1b[2K');
    barShown = false;
  };

  return {
    log(line: string) {
      clearBar();
      stream.write(`${stamp()} ${line}\n`);
    },

    /** Text printed as it is (the final summary). */
    print(text: string) {
      clearBar();
      stream.write(`${text}\n`);
    },

    start(label: string, totalMs: number): ProgressBar {
      const startedAt = Date.now();
      let lastDrawn = 0;
      if (!tty) stream.write(`${stamp()} ${label} ...\n`);
      return {
        update({ elapsedMs, done, errors }) {
          const now = Date.now();
          if (now - lastDrawn < (tty ? redrawEveryMs : plainEveryMs)) return;
          lastDrawn = now;
          const seconds = elapsedMs / 1000;
          const counts = `${done} done${errors ? `, ${errors} errors` : ''}, ${(done / Math.max(seconds, 0.001)).toFixed(1)}/s`;
          if (tty) {
            const line = `${stamp()} ${renderBar(elapsedMs / totalMs)} ${label}  ${seconds.toFixed(1)}/${(totalMs / 1000).toFixed(0)} s  ${counts}`;
            stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 120) - 1)}`);
            barShown = true;
          } else if (now - startedAt >= plainEveryMs) {
            stream.write(`${stamp()}   ${label}: ${seconds.toFixed(0)}/${(totalMs / 1000).toFixed(0)} s, ${counts}\n`);
          }
        },
        finish(summary) {
          clearBar();
          stream.write(`${stamp()} ${label}: ${summary}\n`);
        },
      };
    },
  };
}

export type Progress = ReturnType<typeof createProgress>;

export function renderBar(fraction: number, width = barWidth): string {
  const filled = Math.round(Math.min(Math.max(fraction, 0), 1) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
