import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';

import { initWizard } from './init-wizard.js';

describe('aup init wizard', () => {
  it('offers the resources a config may run on, in the order users know, and takes cpu by default', async () => {
    // Every question answered with its default: eight settings, one parameter's four, and the count.
    const input = Readable.from(['\n'.repeat(13)]);
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const config = await initWizard(input, output, { interactive: false });
    expect(printed).toContain('Resource (cpu, gpu, node, passive) [cpu]: ');
    expect(config.resource).toBe('cpu');
  });
});
