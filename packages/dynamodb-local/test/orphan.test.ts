import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const holder = fileURLToPath(new URL('./fixtures/hold-engine.ts', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** How long the kernel may take to deliver the parent-death signal and reap the JVM. */
const DEATH_BOUND_MS = 10_000;

describe('a DynamoDB Local started by a process', () => {
  it.runIf(process.platform === 'linux')(
    'dies with it, even when that process is SIGKILLed and runs no exit hook',
    { timeout: 60_000 },
    async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', holder], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      while (!output.includes('\n')) {
        if (child.exitCode !== null) throw new Error(`holder exited early: ${output}`);
        await once(child.stdout!, 'data');
      }
      const { pid } = JSON.parse(output.trim()) as { pid: number };
      expect(alive(pid)).toBe(true);

      child.kill('SIGKILL');
      await once(child, 'exit');
      const deadline = Date.now() + DEATH_BOUND_MS;
      while (alive(pid) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
      const outlived = alive(pid);
      if (outlived) process.kill(pid, 'SIGKILL'); // leave nothing behind, even when failing
      expect(outlived, `the JVM ${pid} outlived its parent`).toBe(false);
    },
  );
});
