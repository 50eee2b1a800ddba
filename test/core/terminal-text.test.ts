// terminalText, the one escaping of text a container, image or agent controls: each class of sequence, shown as text.
import { describe, expect, it } from 'vitest';
import { cutVisible, terminalText, truncate, visibleLength } from '../../src/runtime/core/index.js';
import { jsonText } from '../../src/commands/output.js';

describe('terminalText', () => {
  it.each([
    ['OSC 0 title (BEL)', '\x1b]0;PWNED-TITLE\x07', '\\e]0;PWNED-TITLE\\a'],
    ['OSC 52 clipboard (ST)', '\x1b]52;c;ZWNobyBwd25lZA==\x1b\\', '\\e]52;c;ZWNobyBwd25lZA==\\e\\'],
    ['CSI cursor and erase', '\x1b[G\x1b[2K\x1b[10;1H\x1b[2J', '\\e[G\\e[2K\\e[10;1H\\e[2J'],
    ['DCS', '\x1bP1$r0m\x1b\\', '\\eP1$r0m\\e\\'],
    ['APC, PM, SOS', '\x1b_x\x1b\\\x1b^y\x1b\\\x1bXz\x1b\\', '\\e_x\\e\\\\e^y\\e\\\\eXz\\e\\'],
    ['C1 CSI and OSC', '\u009b2J\u009d0;t\u009c', '\\x9b2J\\x9d0;t\\x9c'],
    ['bidi override and isolates', 'a\u202egpj.exe\u2066b\u2069', 'a\\u202egpj.exe\\u2066b\\u2069'],
    ['carriage return, backspace, lone ESC', 'safe\rrm -rf ~\b\x1b', 'safe\\rrm -rf ~\\b\\e'],
    ['other C0 and DEL', '\x00\x01\x7f\t\n', '\\x00\\x01\\x7f\\t\\n'],
  ])('%s is shown escaped', (_name, raw, shown) => {
    expect(terminalText(raw)).toBe(shown);
    // Nothing a terminal obeys is left: no C0, DEL, C1 or bidi character.
    expect(terminalText(raw)).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
  });

  it('keeps colour sequences only when asked, and nothing that merely starts like one', () => {
    const line = '\x1b[1;31mred\x1b[0m \x1b[38;5;208mo\x1b[m \x1b[2J \x1b[31;1H \x1b]0;t\x07';
    expect(terminalText(line)).toBe('\\e[1;31mred\\e[0m \\e[38;5;208mo\\e[m \\e[2J \\e[31;1H \\e]0;t\\a');
    expect(terminalText(line, { sgr: true })).toBe('\x1b[1;31mred\x1b[0m \x1b[38;5;208mo\x1b[m \\e[2J \\e[31;1H \\e]0;t\\a');
  });

  it('keeps line feeds only when asked; is idempotent; leaves plain and wide text alone', () => {
    expect(terminalText('a\nb\rc', { newlines: true })).toBe('a\nb\\rc');
    const once = terminalText('\x1b]0;x\x07\x1b[31mr\u202e', { sgr: true });
    expect(terminalText(once, { sgr: true })).toBe(once);
    const plain = 'héllo wörld │ 日本 ✓';
    expect(terminalText(plain)).toBe(plain);
  });

  it('is measured after escaping: truncate, visibleLength and cutVisible count what is drawn', () => {
    expect(truncate('ab\x1b[2Jcd', 6)).toBe('ab\\e[…');
    const colored = terminalText('\x1b[31mabc\x1b[0m\x1b[2Jd', { sgr: true });
    expect(visibleLength(colored)).toBe('abc\\e[2Jd'.length);
    expect(cutVisible(colored, 2)).toBe('\x1b[31mab');
    expect(cutVisible(colored, 3)).toBe('\x1b[31mabc\x1b[0m');
  });

  it('JSON output keeps its value and leaves no C1 or bidi character raw', () => {
    const value = { text: '\x1b]0;t\x07 \u009b2J \u202e' };
    const json = jsonText(value);
    expect(JSON.parse(json)).toEqual(value);
    expect(json).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202a-\u202e]/);
  });
});

describe('the dashboard draws text through one Text', () => {
  it('no module imports Ink\'s Text except src/views/Text.tsx', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const offenders: string[] = [];
    for (const dir of ['src/views', 'src/app']) {
      for (const f of readdirSync(dir)) {
        if (!/\.tsx?$/.test(f) || `${dir}/${f}` === 'src/views/Text.tsx') continue;
        const src = readFileSync(`${dir}/${f}`, 'utf8');
        for (const m of src.matchAll(/import\s*\{([^}]*)\}\s*from\s*'ink'/g)) if (/\bText\b/.test(m[1]!)) offenders.push(`${dir}/${f}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
