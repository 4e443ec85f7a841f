import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { utils } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AupError } from '../../errors.js';
import { formatProblems } from '../../config/config-problem.js';
import { normalizeConfig } from '../../config/normalize-config.js';
import { loadNodeHosts, parseNodeEntry } from './node-hosts.js';

let dir: string;
let key: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aup-node-hosts-'));
  const pair = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  key = join(dir, 'id_rsa');
  writeFileSync(key, pair.privateKey);
  const parsed = utils.parseKey(pair.privateKey);
  if (parsed instanceof Error || Array.isArray(parsed)) throw new Error('test key');
  writeFileSync(join(dir, 'id_rsa.pub'), `ssh-rsa ${parsed.getPublicSSH().toString('base64')} test\n`);
  const encrypted = generateKeyPairSync('rsa', {
    modulusLength: 1024,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  writeFileSync(join(dir, 'locked'), encrypted.privateKey);
  writeFileSync(join(dir, 'not-a-key'), 'hello\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseNodeEntry', () => {
  it("reads Auptimizer's forms: user@host, :port, a key file, IPv6 in brackets", () => {
    expect(parseNodeEntry('ann@gpu1.lab', '/cfg')).toEqual({
      entry: 'ann@gpu1.lab',
      user: 'ann',
      host: 'gpu1.lab',
      port: 22,
      label: 'ann@gpu1.lab',
      where: 'gpu1.lab',
    });
    expect(parseNodeEntry('  bob@10.0.0.5:2222   keys/id_ed25519 ', '/cfg')).toMatchObject({
      user: 'bob',
      host: '10.0.0.5',
      port: 2222,
      keyFile: '/cfg/keys/id_ed25519',
      label: 'bob@10.0.0.5:2222',
      where: '10.0.0.5:2222',
    });
    expect(parseNodeEntry('c@[fe80::1]:23 /k', '/cfg')).toMatchObject({
      host: 'fe80::1',
      port: 23,
      keyFile: '/k',
      label: 'c@[fe80::1]:23',
    });
  });

  it.each([
    ['gpu1', /no "user@"/],
    ['@gpu1', /empty user name/],
    ['ann@', /no host after "@"/],
    ['ann@gpu 1', /is not a host name|key file/],
    ['ann@gpu1:0', /port "0" is not a number from 1 to 65535/],
    ['ann@gpu1:70000', /port "70000"/],
    ['ann@gpu1:ssh', /port "ssh"/],
    ['ann@gpu_1', /"gpu_1" is not a host name/],
    ['ann@[fe80::1', /not closed/],
    ['a b@gpu1', /no "user@"/],
  ])('says what is wrong with %j', (entry, why) => {
    const parsed = parseNodeEntry(entry, '/cfg');
    if (entry === 'ann@gpu 1') {
      // "1" is taken as the key file: the form is right, and the missing key file is reported later.
      expect(parsed).toMatchObject({ host: 'gpu', keyFile: '/cfg/1' });
      return;
    }
    expect(parsed).toHaveProperty('error');
    expect((parsed as { error: string }).error).toMatch(why);
  });
});

describe('loadNodeHosts', () => {
  it('names each bad entry by its JSON path, with the expected form and what was found', () => {
    const { hosts, problems } = loadNodeHosts({ nodes: ['ann@gpu1', 'gpu2', 42, `bob@gpu3 ${key}`] }, dir);
    expect(hosts.map((h) => h.label)).toEqual(['ann@gpu1', 'bob@gpu3']);
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      [
        'resource_args.nodes[1]',
        expect.stringMatching(/^expected "user@host\[:port\] \[key file\]", e\.g\. .*, found "gpu2" \(no "user@" before the host\)$/),
      ],
      ['resource_args.nodes[2]', expect.stringMatching(/^expected "user@host\[:port\] \[key file\]".*, found 42$/)],
    ]);
  });

  it('names a missing, unreadable, encrypted or public key file', () => {
    const { problems } = loadNodeHosts(
      { nodes: ['a@h1 missing_key', 'a@h2 locked', 'a@h3 not-a-key', 'a@h4 id_rsa.pub', `a@h5 ${key}`] },
      dir,
    );
    expect(problems.map((p) => p.path)).toEqual([
      'resource_args.nodes[0]',
      'resource_args.nodes[1]',
      'resource_args.nodes[2]',
      'resource_args.nodes[3]',
    ]);
    expect(problems[0]!.message).toBe(
      `expected an existing private key file, found ${join(dir, 'missing_key')}, which does not exist (the key file of a@h1)`,
    );
    expect(problems[1]!.message).toMatch(/without a passphrase .*ssh-agent.*, found .*locked, which is encrypted/);
    expect(problems[2]!.message).toMatch(
      /expected a private key file \(OpenSSH, PEM or PPK format\), found .*not-a-key: Unsupported key format/,
    );
    expect(problems[3]!.message).toMatch(/this is a public key/);
  });

  it('reads nodes_file, one host a line, with comments; problems name the file and line', () => {
    writeFileSync(join(dir, 'hosts.txt'), `# lab machines\nann@gpu1\n\nann@gpu1   # twice: two slots\nbroken\nbob@gpu2:2200 ${key}\n`);
    const { hosts, problems } = loadNodeHosts({ nodes: ['zed@first'], nodes_file: 'hosts.txt' }, dir);
    expect(hosts.map((h) => h.label)).toEqual(['zed@first', 'ann@gpu1', 'ann@gpu1', 'bob@gpu2:2200']);
    expect(problems).toEqual([
      expect.objectContaining({ path: 'line 5', file: join(dir, 'hosts.txt'), message: expect.stringMatching(/found "broken"/) }),
    ]);
    expect(formatProblems(problems, undefined)).toMatch(/hosts\.txt: line 5: expected "user@host\[:port\] \[key file\]"/);
    expect(loadNodeHosts({ nodes_file: 'nope.txt' }, dir).problems[0]!.message).toMatch(
      /expected a readable file of hosts.*, found .*nope\.txt, which does not exist/,
    );
  });

  it("takes an Auptimizer user's hosts from .aup/env.ini (node_mapping) when the config lists none", () => {
    const project = join(dir, 'auptimizer-project');
    mkdirSync(join(project, '.aup'), { recursive: true });
    writeFileSync(
      join(project, '.aup', 'env.ini'),
      '[Auptimizer]\nSQL_ENGINE = sqlite\nnode_mapping = {"1": "bob@gpu2", "0": "ann@gpu1:2200",\n  "2": "nobody"}\n',
    );
    const { hosts, problems } = loadNodeHosts({}, project);
    expect(hosts.map((h) => h.label)).toEqual(['ann@gpu1:2200', 'bob@gpu2']);
    expect(problems).toEqual([
      expect.objectContaining({
        path: 'node_mapping entry 3',
        file: join(project, '.aup', 'env.ini'),
        message: expect.stringMatching(/found "nobody"/),
      }),
    ]);
    // Listed hosts win over the environment file.
    expect(loadNodeHosts({ nodes: ['zed@h'] }, project).hosts.map((h) => h.label)).toEqual(['zed@h']);
  });

  it('asks for hosts when there are none, and checks env names and the known_hosts file', () => {
    expect(loadNodeHosts({}, dir).problems.map((p) => p.path)).toEqual(['resource_args.nodes']);
    expect(loadNodeHosts({ nodes: [] }, dir).problems[0]!.message).toBe(
      'expected at least one host, "user@host[:port] [key file]", e.g. "ubuntu@10.0.0.5:2222 ~/.ssh/id_ed25519", found []',
    );
    const { problems } = loadNodeHosts({ nodes: ['a@h'], env: { OK_1: 'x', 'BAD-NAME': 'y' }, known_hosts: 'no_such_file' }, dir);
    expect(problems.map((p) => p.path)).toEqual(['resource_args.env["BAD-NAME"]', 'resource_args.known_hosts']);
  });
});

describe('config validation of resource "node"', () => {
  const base = { script: 'train.py', resource: 'node' };

  it('reports every bad host entry and the missing key file, with the config file name', () => {
    const file = join(dir, 'experiment.json');
    let error: unknown;
    try {
      normalizeConfig({ ...base, resource_args: { nodes: ['ann@gpu1:99999', 'ann@gpu2 keys/missing'] } }, { baseDir: dir, file });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AupError);
    expect((error as AupError).code).toBe('AUP_ERR_CONFIG_INVALID');
    const lines = (error as AupError).message.split('\n');
    expect(lines).toContainEqual(
      expect.stringMatching(
        /resource_args\.nodes\[0\]: expected "user@host\[:port\] \[key file\]".*, found "ann@gpu1:99999" \(port "99999" is not a number from 1 to 65535\)/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /resource_args\.nodes\[1\]: expected an existing private key file, found .*keys\/missing, which does not exist/,
      ),
    );
  });

  it('accepts a good host list and leaves other resources alone', () => {
    expect(
      normalizeConfig(
        { ...base, resource_args: { nodes: [`ann@gpu1 ${key}`], remote_workingdir: '~/exp', max_retries: 2 } },
        { baseDir: dir },
      ).resource_args.nodes,
    ).toEqual([`ann@gpu1 ${key}`]);
    writeFileSync(join(dir, 'train.py'), '');
    expect(() =>
      normalizeConfig({ script: 'train.py', resource: 'cpu', resource_args: { nodes: ['not checked for cpu'] } }, { baseDir: dir }),
    ).not.toThrow();
  });

  it('checks the types of the node keys through the schema', () => {
    expect(() => normalizeConfig({ ...base, resource_args: { nodes: ['a@h'], max_retries: 0 } }, { baseDir: dir })).toThrow(
      /resource_args\.max_retries: expected an integer ≥ 1, found 0/,
    );
  });
});
