import { describe, expect, it } from 'vitest';
import { formatRecord, parseAuptimizerNumber, parseLine, recordFromJson, type ProtocolRecord, type ReportRecord } from './protocol.js';

function reasonOf(line: string): string {
  const rec = parseLine(line);
  if (rec?.type !== 'malformed') throw new Error(`expected a malformed record for ${line}, got ${JSON.stringify(rec)}`);
  return rec.reason;
}

describe('parseLine: ordinary output', () => {
  it.each([
    '',
    'epoch 3 loss 0.41',
    '#',
    '#aup',
    '#aup ',
    '#Aup:{"type":"result","value":1}',
    '#auptimizer:0.5',
    '#Auptimizer 0.5',
    ' #Auptimizer:0.5',
    ' #aup:{"type":"result","value":1}',
    '# comment',
    '#include <stdio.h>',
    '#aupx:{}',
    'result #Auptimizer:0.5',
  ])('%j is not a protocol line', (line) => {
    expect(parseLine(line)).toBeNull();
  });
});

describe('parseLine: #Auptimizer: lines', () => {
  it.each<[string, number[]]>([
    ['#Auptimizer:0.93', [0.93]],
    ['#Auptimizer: 0.93', [0.93]],
    ['#Auptimizer:\t0.93 ', [0.93]],
    ['#Auptimizer:0.93\r', [0.93]],
    ['#Auptimizer:18.0,3.5', [18, 3.5]],
    ['#Auptimizer:1, 2 ,3', [1, 2, 3]],
    ['#Auptimizer:-1e-05', [-0.00001]],
    ['#Auptimizer:1e+16', [1e16]],
    ['#Auptimizer:+.5', [0.5]],
    ['#Auptimizer:7', [7]],
    ['#Auptimizer:12345678901234567890', [1.2345678901234567e19]],
  ])('%j', (line, values) => {
    expect(parseLine(line)).toEqual({ type: 'auptimizer', values });
  });

  it('reads the non-finite spellings Python and JavaScript print', () => {
    expect(parseLine('#Auptimizer:nan')).toEqual({ type: 'auptimizer', values: [NaN] });
    expect(parseLine('#Auptimizer:inf,-inf,NaN,Infinity,-Infinity,+INF')).toEqual({
      type: 'auptimizer',
      values: [Infinity, -Infinity, NaN, Infinity, -Infinity, Infinity],
    });
  });

  it('marks a line without a value as malformed', () => {
    expect(reasonOf('#Auptimizer:')).toMatch(/has no value/);
    expect(reasonOf('#Auptimizer:  \r')).toMatch(/has no value/);
  });

  it.each([
    ['#Auptimizer:None', /the value is not a number: found "None"/],
    ['#Auptimizer:0.5,', /value 2 of 2 is not a number: found ""/],
    ['#Auptimizer:0x10', /found "0x10"/],
    ['#Auptimizer:tensor(0.5)', /found "tensor\(0\.5\)"/],
    ['#Auptimizer:0.5 epoch 3', /found "0\.5 epoch 3"/],
    ['#Auptimizer:[0.5 0.3]', /found "\[0\.5 0\.3\]"/],
    ['#Auptimizer:True', /found "True"/],
    ['#Auptimizer:-', /found "-"/],
    ['#Auptimizer:1e', /found "1e"/],
  ])('%j is malformed', (line, reason) => {
    expect(reasonOf(line)).toMatch(reason);
  });

  it('parseAuptimizerNumber refuses what Number() would wrongly accept', () => {
    for (const text of ['', ' ', '0b1', '0o7', '0x1f', '1_000', 'Infinityx', 'nanx']) {
      expect(parseAuptimizerNumber(text), text).toBeUndefined();
    }
    expect(parseAuptimizerNumber(' -2.5E3 ')).toBe(-2500);
  });
});

describe('parseLine: #aup: records', () => {
  it.each<[string, ProtocolRecord]>([
    ['#aup:{"type":"result","value":0.93}', { type: 'result', value: 0.93 }],
    ['#aup:{"type":"result","value":0.93,"metrics":{"f1":0.9}}', { type: 'result', value: 0.93, metrics: { f1: 0.9 } }],
    ['#aup: {"type":"result","value":1,"metrics":null}', { type: 'result', value: 1 }],
    ['#aup:{"type":"result","value":[0.91,12.5]}', { type: 'result', value: 0.91, values: [0.91, 12.5] }],
    ['#aup:{"type":"result","value":["NaN",2],"metrics":{"f1":1}}', { type: 'result', value: NaN, values: [NaN, 2], metrics: { f1: 1 } }],
    ['#aup:{"type":"scalar","name":"loss","step":3,"value":0.41}', { type: 'scalar', name: 'loss', step: 3, value: 0.41 }],
    ['#aup:{"type":"scalar","name":"loss","value":0.41}\r', { type: 'scalar', name: 'loss', value: 0.41 }],
    ['#aup:{"type":"scalar","name":"loss","step":null,"value":0}', { type: 'scalar', name: 'loss', value: 0 }],
    ['#aup:{"type":"text","name":"notes","text":"a\\nb"}', { type: 'text', name: 'notes', text: 'a\nb' }],
    ['#aup:{"type":"text","name":"notes","text":""}', { type: 'text', name: 'notes', text: '' }],
    [
      '#aup:{"type":"histogram","name":"w","step":3,"values":[1,-2.5,3e-3]}',
      { type: 'histogram', name: 'w', step: 3, values: [1, -2.5, 0.003] },
    ],
    ['#aup:{"type":"histogram","name":"w","values":[0]}', { type: 'histogram', name: 'w', values: [0] }],
    ['#aup:{"type":"image","name":"seg","step":3,"path":"out/seg.png"}', { type: 'image', name: 'seg', step: 3, path: 'out/seg.png' }],
    ['#aup:{"type":"artifact","path":"model.onnx"}', { type: 'artifact', path: 'model.onnx' }],
    ['#aup:{"type":"artifact","path":"model.onnx","name":"model"}', { type: 'artifact', path: 'model.onnx', name: 'model' }],
    ['#aup:{"path":"model.onnx","type":"artifact"}', { type: 'artifact', path: 'model.onnx' }],
  ])('%s', (line, record) => {
    expect(parseLine(line)).toEqual(record);
  });

  it('accepts non-finite values as the strings NaN, Infinity, -Infinity where the spec allows them', () => {
    expect(parseLine('#aup:{"type":"result","value":"NaN","metrics":{"a":"Infinity","b":"-Infinity"}}')).toEqual({
      type: 'result',
      value: NaN,
      metrics: { a: Infinity, b: -Infinity },
    });
    expect(parseLine('#aup:{"type":"scalar","name":"loss","value":"Infinity"}')).toEqual({ type: 'scalar', name: 'loss', value: Infinity });
  });

  it("accepts the bare NaN and Infinity that Python's json.dumps writes, but not inside strings", () => {
    expect(parseLine('#aup:{"type":"scalar","name":"loss","value":NaN}')).toEqual({ type: 'scalar', name: 'loss', value: NaN });
    expect(parseLine('#aup:{"type":"result","value":-Infinity,"metrics":{"NaN":Infinity}}')).toEqual({
      type: 'result',
      value: -Infinity,
      metrics: { NaN: Infinity },
    });
    expect(parseLine('#aup:{"type":"text","name":"NaN \\" Infinity","text":"NaN"}')).toEqual({
      type: 'text',
      name: 'NaN " Infinity',
      text: 'NaN',
    });
    expect(reasonOf('#aup:{"type":"histogram","name":"w","values":[1,NaN]}')).toMatch(
      /"values\[1\]" must be a finite number; found the string "NaN"/,
    );
  });

  it.each([
    ['#aup:', /not valid JSON/],
    ['#aup:{"type":"result","value":1', /not valid JSON/],
    ['#aup:[1,2]', /expected a JSON object, found an array of length 2/],
    ['#aup:null', /expected a JSON object, found null/],
    ['#aup:{"value":1}', /"type" must be one of result, scalar, text, histogram, image, artifact; found nothing/],
    ['#aup:{"type":"metric","value":1}', /unknown record type "metric"/],
    ['#aup:{"type":"result"}', /result record: "value" must be a number .*; found nothing/],
    ['#aup:{"type":"result","value":"0.93"}', /"value" must be a number .*; found the string "0.93"/],
    ['#aup:{"type":"result","value":true}', /"value" must be a number .*; found boolean true/],
    ['#aup:{"type":"result","value":1,"metrics":[1]}', /"metrics" must be an object of numbers; found an array/],
    ['#aup:{"type":"result","value":1,"metrics":{"f1":"high"}}', /"metrics.f1" must be a number/],
    ['#aup:{"type":"result","value":1,"metrics":{"":1}}', /"metrics" must be an object whose keys are non-empty/],
    ['#aup:{"type":"result","value":1,"metrics":{"__proto__":1}}', /not "__proto__"/],
    ['#aup:{"type":"result","value":1,"score":2}', /unknown member "score"; allowed: type, value, metrics/],
    ['#aup:{"type":"scalar","name":"loss","stpe":3,"value":1}', /unknown member "stpe"/],
    ['#aup:{"type":"scalar","name":"","value":1}', /"name" must be a non-empty string of at most 256 characters; found the string ""/],
    [`#aup:{"type":"scalar","name":"${'n'.repeat(257)}","value":1}`, /"name" must be a non-empty string/],
    ['#aup:{"type":"scalar","name":3,"value":1}', /"name" must be a non-empty string .*; found number 3/],
    ['#aup:{"type":"scalar","name":"loss","step":-1,"value":1}', /"step" must be a non-negative integer; found number -1/],
    ['#aup:{"type":"scalar","name":"loss","step":1.5,"value":1}', /"step" must be a non-negative integer; found number 1.5/],
    ['#aup:{"type":"scalar","name":"loss","step":"3","value":1}', /"step" must be a non-negative integer/],
    ['#aup:{"type":"scalar","name":"loss","step":1e300,"value":1}', /"step" must be a non-negative integer/],
    ['#aup:{"type":"text","name":"notes"}', /"text" must be a string; found nothing/],
    [
      '#aup:{"type":"histogram","name":"w","values":[]}',
      /"values" must be a non-empty array of finite numbers; found an array of length 0/,
    ],
    ['#aup:{"type":"histogram","name":"w","values":[1,"2"]}', /"values\[1\]" must be a finite number/],
    ['#aup:{"type":"histogram","name":"w","values":{"0":1}}', /"values" must be a non-empty array/],
    ['#aup:{"type":"image","name":"seg","path":""}', /"path" must be a non-empty string/],
    ['#aup:{"type":"image","path":"a.png"}', /image record: "name" must be/],
    ['#aup:{"type":"artifact"}', /artifact record: "path" must be a non-empty string; found nothing/],
    ['#aup:{"type":"artifact","path":"m","name":""}', /"name" must be a non-empty string/],
  ])('%s is malformed', (line, reason) => {
    expect(reasonOf(line)).toMatch(reason);
  });

  it('shortens long values it quotes in a reason', () => {
    const reason = reasonOf(`#aup:{"type":"result","value":"${'x'.repeat(1000)}"}`);
    expect(reason.length).toBeLessThan(200);
    expect(reason).toContain('…');
  });

  it('recordFromJson validates a decoded object the same way', () => {
    expect(recordFromJson({ type: 'scalar', name: 'loss', value: 1 })).toEqual({ type: 'scalar', name: 'loss', value: 1 });
    expect(recordFromJson({ type: 'scalar', name: 'loss', value: NaN })).toEqual({ type: 'scalar', name: 'loss', value: NaN });
    expect(recordFromJson('result').type).toBe('malformed');
  });
});

describe('several objectives in a result record', () => {
  it('refuses an empty list and a list holding a non-number, naming the entry', () => {
    expect(parseLine('#aup:{"type":"result","value":[]}')).toEqual({
      type: 'malformed',
      reason: '#aup: result record: "value" must be a number or a non-empty list of numbers; found an array of length 0',
    });
    const bad = parseLine('#aup:{"type":"result","value":[1,"x"]}');
    expect(bad?.type).toBe('malformed');
    expect((bad as { reason: string }).reason).toContain('"value[1]" must be a number');
  });
});

describe('formatRecord', () => {
  const records: ReportRecord[] = [
    { type: 'auptimizer', values: [0.93] },
    { type: 'auptimizer', values: [18, 3.5, -1e-7] },
    { type: 'auptimizer', values: [NaN, Infinity, -Infinity] },
    { type: 'result', value: 0.93 },
    { type: 'result', value: 0.91, values: [0.91, 12.5, -Infinity] },
    { type: 'result', value: NaN, metrics: { f1: 0.9, worst: -Infinity } },
    { type: 'scalar', name: 'loss', step: 3, value: 0.41 },
    { type: 'scalar', name: 'loss', value: Infinity },
    { type: 'text', name: 'notes', text: 'two\nlines, "quoted", \u2028 and é' },
    { type: 'histogram', name: 'w', step: 0, values: [1, -2.5, 1e-300] },
    { type: 'image', name: 'seg', step: 3, path: 'out/seg.png' },
    { type: 'artifact', path: 'model.onnx' },
    { type: 'artifact', path: 'model.onnx', name: 'model' },
  ];

  it.each(records)('parseLine(formatRecord(r)) gives r back: %j', (record) => {
    const line = formatRecord(record);
    expect(line).not.toContain('\n');
    expect(parseLine(line)).toEqual(record);
    expect(parseLine(`${line}\r`)).toEqual(record);
  });

  it('writes the documented wire form', () => {
    expect(formatRecord({ type: 'scalar', name: 'loss', step: 3, value: 0.41 })).toBe(
      '#aup:{"type":"scalar","name":"loss","step":3,"value":0.41}',
    );
    expect(formatRecord({ type: 'result', value: NaN, metrics: { f1: 0.9 } })).toBe(
      '#aup:{"type":"result","value":"NaN","metrics":{"f1":0.9}}',
    );
    expect(formatRecord({ type: 'auptimizer', values: [18, 3.5] })).toBe('#Auptimizer:18,3.5');
  });

  it.each<[unknown, RegExp]>([
    [{ type: 'scalar', name: '', value: 1 }, /"name" must be a non-empty string/],
    [{ type: 'scalar', name: 'loss', value: '1' }, /"value" must be a number/],
    [{ type: 'scalar', name: 'loss', step: 0.5, value: 1 }, /"step" must be a non-negative integer/],
    [{ type: 'histogram', name: 'w', values: [1, NaN] }, /"values\[1\]" must be a finite number; found number NaN/],
    [{ type: 'histogram', name: 'w', values: [] }, /"values" must be a non-empty array/],
    [{ type: 'result', value: 1, metrics: JSON.parse('{"__proto__":1}') }, /not "__proto__"/],
    [{ type: 'auptimizer', values: [] }, /"values" must be a non-empty array of numbers/],
    [{ type: 'malformed', reason: 'x' }, /unknown record type "malformed"/],
  ])('refuses %j', (record, message) => {
    expect(() => formatRecord(record as ReportRecord)).toThrow(message);
  });
});
