// The `node` resource against a REAL OpenSSH server (test/setup/sshd.ts starts Debian's sshd on
// 127.0.0.1 on a free port, with keys made by ssh-keygen). The "remote" working directory is a
// different temp folder from the local one, so every file the jobs see got there over SSH/SFTP.
// Remote processes are processes of this machine, so the tests can check (in /proc) that stop,
// job_timeout and a lost connection leave none behind. Without sshd the tests skip, unless
// AUP_REQUIRE_SSHD=1 (CI), when they fail.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, runExperimentFile, type ExperimentResult } from '@aup/core';
import { forEachDatabase } from '../setup/databases.js';
import { descendants, exeOf, isAlive, parentPid, sshdOrSkip, startSshd, type TestSshd } from '../setup/sshd.js';

const sshd = sshdOrSkip();
const aupBin = fileURLToPath(new URL('../../packages/core/bin/aup.js', import.meta.url));

function folder(prefix: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function writeConfig(dir: string, config: Record<string, unknown>): string {
  const file = join(dir, 'experiment.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** Polls until `check` answers something, or fails after `ms`. */
async function waitFor<T>(what: string, check: () => T | undefined, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The pids a job printed as `pid N` / `child N` lines in its local attempt log. */
function pidsInLog(log: string): number[] {
  return [...log.matchAll(/^(?:pid|child) (\d+)$/gm)].map((m) => Number(m[1]));
}

/** The experiment's own job folder under `dir`, relative to it (each test runs one experiment per folder). */
function jobDirIn(dir: string): string | undefined {
  const jobs = join(dir, 'jobs');
  const own = existsSync(jobs) ? readdirSync(jobs).filter((n) => /^e\d+-[0-9a-f]+$/.test(n)) : [];
  return own.length === 1 ? join('jobs', own[0]!) : undefined;
}

function readLog(dir: string, jobId: number, attempt: number): string {
  const jobDir = jobDirIn(dir);
  const file = jobDir === undefined ? undefined : join(dir, jobDir, `${jobId}.${attempt}.out`);
  return file !== undefined && existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** Processes under the test sshd that are not sshd itself: remote jobs still running. */
function remoteJobs(server: TestSshd): number[] {
  const sshdExe = exeOf(server.pid);
  return descendants(server.pid).filter((p) => isAlive(p) && exeOf(p) !== sshdExe);
}

// An Auptimizer-style Python job: @aup_args, print_result with extra values once per epoch,
// add_scalar, and a file written in its working directory (which must be the remote one).
const trainPy = `import os
import sys

import aup


@aup.aup_args
def main(x, k, epochs=3):
    with open("ran-%d.txt" % aup.job_id(), "w") as f:
        f.write(os.getcwd())
    print("hello from", os.getcwd(), "python", sys.version_info[0])
    for e in range(epochs):
        aup.add_scalar("loss", x * x / (e + 1), step=e)
        aup.print_result([x * x + k + (epochs - 1 - e), 2 * x, k])


if __name__ == "__main__":
    main(sys.argv[1])
`;

describe.skipIf(!sshd.available)('node resource (real sshd)', () => {
  let server: TestSshd;
  let knownHosts: string;
  beforeAll(async () => {
    server = await startSshd();
    // The server's key under both names the tests use, so host keys are checked, not waved through.
    knownHosts = join(server.dir, 'known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${server.port},[localhost]:${server.port} ${server.hostPublicKey}\n`);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const nodeConfig = (remote: string, extra: Record<string, unknown> = {}, args: Record<string, unknown> = {}) => ({
    resource: 'node',
    resource_args: {
      nodes: [server.hostSpec()],
      remote_workingdir: remote,
      known_hosts: knownHosts,
      strict_host_key_checking: true,
      max_retries: 3,
      reconn_wait_time: 0.5,
      ...args,
    },
    ...extra,
  });

  forEachDatabase('node resource', (db) => {
    it('runs every job on two SSH hosts: files in the remote folder, results and logs recorded here', async () => {
      const url = await db.fresh();
      const local = folder('aup-node-local-', { 'train.py': trainPy });
      const remote = folder('aup-node-remote-');
      const a = `${server.user}@127.0.0.1:${server.port}`;
      const b = `${server.user}@localhost:${server.port}`;
      const file = writeConfig(local, {
        name: 'remote python',
        script: 'train.py',
        proposer: 'random',
        n_samples: 6,
        n_parallel: 2,
        random_seed: 3,
        target: 'min',
        parameter_config: [
          { name: 'x', range: [-2, 2], type: 'float' },
          { name: 'k', range: [1, 5], type: 'int' },
        ],
        ...nodeConfig(
          remote,
          {},
          {
            nodes: [`${a} ${server.keyFile}`, `${b} ${server.keyFile}`],
            multi_res_labels: ['double', 'k'],
            track_intermediate_results: true,
            env: { AUP_TEST_FLAG: 'on' },
          },
        ),
      });
      const result = await runExperimentFile(file, { db: url });
      expect(result.status, result.error ?? '').toBe('finished');
      expect(result.jobs).toHaveLength(6);

      // The script and the Python client went to the remote folder; the jobs ran there, not here.
      expect(readFileSync(join(remote, 'train.py'), 'utf8')).toBe(trainPy);
      expect(existsSync(join(remote, '.aup/python/aup.py'))).toBe(true);
      const store = await openStore(url);
      try {
        const slots = new Set<string>();
        for (const job of result.jobs) {
          expect(job.status).toBe('finished');
          expect(readFileSync(join(remote, `ran-${job.id}.txt`), 'utf8')).toBe(remote);
          expect(existsSync(join(local, `ran-${job.id}.txt`))).toBe(false);
          // The same layout there: the experiment's folder, named as here.
          const remoteJob = JSON.parse(readFileSync(join(remote, jobDirIn(local)!, `${job.id}.json`), 'utf8')) as Record<string, unknown>;
          expect(remoteJob).toEqual(job.params);
          // The attempt log here holds what the job printed there.
          const log = readLog(local, job.id, 1);
          expect(log).toContain(`hello from ${remote} python 3`);
          expect(log).toContain('#Auptimizer:');

          const x = job.params.x as number;
          const k = job.params.k as number;
          expect(job.score).toBeCloseTo(x * x + k, 9);
          expect(job.metrics.double).toBeCloseTo(2 * x, 9);
          expect(job.metrics.k).toBe(k);
          const scores = await store.listIntermediate(job.id, 'score');
          expect(scores.map((r) => r.value)).toEqual([0, 1, 2].map((e) => expect.closeTo(x * x + k + (2 - e), 9)));
          const loss = await store.listIntermediate(job.id, 'loss');
          expect(loss.map((r) => r.step)).toEqual([0, 1, 2]);

          const [attempt] = await store.listAttempts(job.id);
          expect([a, b]).toContain(attempt!.slot);
          expect(attempt!.host).toBe(attempt!.slot!.split('@')[1]);
          expect(attempt!.pid).toBeGreaterThan(0);
          slots.add(attempt!.slot!);
        }
        // Both hosts ran jobs.
        expect([...slots].sort()).toEqual([a, b].sort());
        expect(result.best?.score).toBe(Math.min(...result.jobs.map((j) => j.score!)));
      } finally {
        await store.close();
      }
      expect(remoteJobs(server)).toEqual([]);
    });
  });

  it('stop kills the remote jobs and everything they started (their process group)', async () => {
    const local = folder('aup-node-local-', { 'job.sh': '#!/bin/sh\necho "pid $$"\nsleep 60 &\necho "child $!"\nwait\n' });
    chmodSync(join(local, 'job.sh'), 0o755);
    const remote = folder('aup-node-remote-');
    const file = writeConfig(local, {
      script: 'job.sh',
      n_samples: 4,
      n_parallel: 2,
      parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
      ...nodeConfig(remote, {}, { nodes: [server.hostSpec(), server.hostSpec()] }),
    });
    const controller = new AbortController();
    const run = runExperimentFile(file, { db: join(local, 'runs.db'), signal: controller.signal });
    const pids = await waitFor('both jobs to start their child', () => {
      const logs = [1, 2].map((j) => pidsInLog(readLog(local, j, 1)));
      return logs.every((p) => p.length === 2) ? logs.flat() : undefined;
    });
    expect(pids.every(isAlive)).toBe(true);
    controller.abort();
    const result: ExperimentResult = await run;
    expect(result.status).toBe('stopped');
    expect(result.jobs.map((j) => j.status)).toEqual(['interrupted', 'interrupted']);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(remoteJobs(server)).toEqual([]);
  });

  it('job_timeout kills the remote job', async () => {
    const local = folder('aup-node-local-', { 'job.sh': 'echo "pid $$"\nsleep 60 &\necho "child $!"\nwait\necho "#Auptimizer:1"\n' });
    const remote = folder('aup-node-remote-');
    const file = writeConfig(local, {
      script: 'job.sh',
      n_samples: 1,
      job_timeout: 1,
      job_failure: { job_retries: 0, ignore_fail: true },
      ...nodeConfig(remote),
    });
    const result = await runExperimentFile(file, { db: join(local, 'runs.db') });
    expect(result.status).toBe('finished');
    const [job] = result.jobs;
    expect(job!.status).toBe('failed');
    const store = await openStore(join(local, 'runs.db'));
    try {
      const [attempt] = await store.listAttempts(job!.id);
      expect(attempt!.error).toMatch(/timed out after 1 s \(job_timeout\)/);
    } finally {
      await store.close();
    }
    const pids = pidsInLog(readLog(local, job!.id, 1));
    expect(pids).toHaveLength(2);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('early stopping kills the remote job as soon as its streamed result says so', async () => {
    // Job 1 (x=10) reports 10; job 2 (x=1) reports 1 and would then sleep a minute: bandit stops it.
    const script = `case "$AUP_PARAMS" in
  *'"x":10'*) echo "#Auptimizer:10" ;;
  *) echo "pid $$"; sleep 60 & echo "child $!"; echo "#Auptimizer:1"; wait; echo "#Auptimizer:100" ;;
esac
`;
    const local = folder('aup-node-local-', { 'job.sh': script });
    const remote = folder('aup-node-remote-');
    const file = writeConfig(local, {
      script: 'job.sh',
      proposer: 'sequence',
      n_samples: 2,
      parameter_config: [{ name: 'x', range: [10, 1], type: 'choice' }],
      ...nodeConfig(remote, {}, { early_stop: { aup_policy: 'bandit', bandit_factor: 0.5 } }),
    });
    const result = await runExperimentFile(file, { db: join(local, 'runs.db') });
    expect(result.status, result.error ?? '').toBe('finished');
    expect(result.jobs.map((j) => [j.params.x, j.status, j.score])).toEqual([
      [10, 'finished', 10],
      [1, 'early_stopped', 1],
    ]);
    const pids = pidsInLog(readLog(local, result.jobs[1]!.id, 1));
    expect(pids).toHaveLength(2);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('a connection killed mid-job fails the attempt; the retry runs again and succeeds; the orphan is killed', async () => {
    // Attempt 1 hangs (until its connection is cut); attempt 2 reports at once.
    const script = 'if [ "$AUP_ATTEMPT" = 1 ]; then echo "pid $$"; sleep 60 & echo "child $!"; wait; fi\necho "#Auptimizer:7"\n';
    const local = folder('aup-node-local-', { 'job.sh': script });
    const remote = folder('aup-node-remote-');
    const file = writeConfig(local, { script: 'job.sh', n_samples: 1, job_failure: { job_retries: 1 }, ...nodeConfig(remote) });
    const run = runExperimentFile(file, { db: join(local, 'runs.db') });
    const pids = await waitFor('the first attempt to start', () => {
      const p = pidsInLog(readLog(local, 1, 1));
      return p.length === 2 ? p : undefined;
    });
    // The sshd process serving this job's connection: the ancestor of the job whose parent is the listener.
    let session = pids[0]!;
    for (let up = parentPid(session); up !== undefined && up !== server.pid; up = parentPid(session)) session = up;
    expect(parentPid(session)).toBe(server.pid);
    process.kill(session, 'SIGKILL');

    const result = await run;
    expect(result.status, result.error ?? '').toBe('finished');
    const [job] = result.jobs;
    expect(job!.status).toBe('finished');
    expect(job!.score).toBe(7);
    const store = await openStore(join(local, 'runs.db'));
    try {
      const attempts = await store.listAttempts(job!.id);
      expect(attempts.map((a) => a.status)).toEqual(['failed', 'finished']);
      expect(attempts[0]!.error).toMatch(/connection to .* lost while the job ran/);
    } finally {
      await store.close();
    }
    expect(readLog(local, 1, 2)).toContain('#Auptimizer:7');
    // The first attempt's processes outlived their connection; aup killed them once it reconnected.
    await waitFor('the orphaned job to be killed', () => (pids.some(isAlive) ? undefined : true), 5_000);
  });

  it('save_model re-runs the best job there and fetches aup_models back', async () => {
    const save = `import sys

import aup


def save(value):
    with open("model.txt", "w") as f:
        f.write("x=%r" % value)


@aup.aup_args
def main(x):
    aup.aup_save_model(save, x)
    return -(x - 0.3) ** 2


if __name__ == "__main__":
    main(sys.argv[1])
`;
    const local = folder('aup-node-local-', { 'fit.py': save });
    const remote = folder('aup-node-remote-');
    const file = writeConfig(local, {
      script: 'fit.py',
      n_samples: 3,
      parameter_config: [{ name: 'x', range: [0, 1], type: 'float' }],
      ...nodeConfig(remote, {}, { save_model: true }),
    });
    const result = await runExperimentFile(file, { db: join(local, 'runs.db') });
    expect(result.status, result.error ?? '').toBe('finished');
    const folderName = `models_${result.experimentId}`;
    const best = result.jobs.find((j) => j.id === result.best!.jobId)!;
    // Python's repr and JavaScript's String both print a float's shortest round-trip form.
    expect(readFileSync(join(local, 'aup_models', folderName, 'model.txt'), 'utf8')).toBe(`x=${String(best.params.x)}`);
    expect(existsSync(join(remote, 'aup_models', folderName, 'model.txt'))).toBe(true);
    // The model save is the best job's second attempt, not a job of its own.
    expect(result.jobs).toHaveLength(3);
    const store = await openStore(join(local, 'runs.db'));
    try {
      expect((await store.listAttempts(best.id)).map((a) => [a.kind, a.status])).toEqual([
        ['trial', 'finished'],
        ['save_model', 'finished'],
      ]);
    } finally {
      await store.close();
    }
  });

  it('copies the script only when the host lacks it, or always with overwrite', async () => {
    const local = folder('aup-node-local-', { 'job.sh': 'echo "#Auptimizer:2"\n' });
    const remote = folder('aup-node-remote-', { 'job.sh': 'echo "#Auptimizer:1"\n' });
    const db = join(local, 'runs.db');
    const kept = await runExperimentFile(writeConfig(local, { script: 'job.sh', n_samples: 1, ...nodeConfig(remote) }), { db });
    expect(kept.jobs[0]!.score).toBe(1);
    const replaced = await runExperimentFile(
      writeConfig(local, { script: 'job.sh', n_samples: 1, ...nodeConfig(remote, {}, { overwrite: true }) }),
      { db },
    );
    expect(replaced.jobs[0]!.score).toBe(2);
    expect(readFileSync(join(remote, 'job.sh'), 'utf8')).toBe('echo "#Auptimizer:2"\n');
  });

  it('runs prescript, the job and postscript in order, with env (through the aup CLI)', async () => {
    const local = folder('aup-node-local-', { 'job.sh': 'echo "job in $(pwd) flag=$AUP_TEST_FLAG pre=$PRE"\necho "#Auptimizer:3"\n' });
    const remote = folder('aup-node-remote-');
    const file = writeConfig(local, {
      script: 'job.sh',
      n_samples: 1,
      ...nodeConfig(
        remote,
        {},
        { prescript: 'export PRE=yes; echo "pre in $(pwd)"', postscript: 'echo "post status ok"', env: { AUP_TEST_FLAG: 42 } },
      ),
    });
    // As a user runs it: Node's own ESM loader (not vitest's) loads ssh2 here.
    const cli = spawnSync(process.execPath, [aupBin, 'run', file, '--db', join(local, 'runs.db')], {
      cwd: local,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/best.*3/i);
    const log = readLog(local, 1, 1);
    const lines = log.split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(at(/^pre in /)).toBeGreaterThanOrEqual(0);
    expect(lines[at(/^job in /)]).toBe(`job in ${remote} flag=42 pre=yes`);
    expect(at(/^pre in /)).toBeLessThan(at(/^job in /));
    expect(at(/^job in /)).toBeLessThan(at(/^post status ok$/));
  });

  it('refuses a host whose key is not the one known_hosts lists, without retrying', async () => {
    const local = folder('aup-node-local-', { 'job.sh': 'echo "#Auptimizer:1"\n' });
    const remote = folder('aup-node-remote-');
    const wrong = join(local, 'known_hosts');
    // Another server's key (the client key's public half) listed for this address.
    writeFileSync(wrong, `[127.0.0.1]:${server.port} ${readFileSync(`${server.keyFile}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
    const file = writeConfig(local, { script: 'job.sh', n_samples: 1, ...nodeConfig(remote, {}, { known_hosts: wrong }) });
    const result = await runExperimentFile(file, { db: join(local, 'runs.db') });
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/host key of .*127\.0\.0\.1.* is not the one .*known_hosts lists for it \(line 1\)/);
    expect(readLog(local, 1, 1)).not.toMatch(/attempt 2 of/);
    expect(readdirSync(remote)).toEqual([]);
  });
});
