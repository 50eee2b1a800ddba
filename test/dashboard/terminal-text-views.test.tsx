// The dashboard's drawing of text others control, component by component: a file name and a table cell with escape
// sequences come out escaped, the table's columns measured after escaping (ink-testing-library, real components).
import React from 'react';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { FilesPane } from '../../src/views/FilesPane.js';
import { TableCells } from '../../src/views/TableCells.js';
import { Text } from '../../src/views/Text.js';
import { fitColumns, type TableColumn } from '../../src/app/view-layout.js';

/** ESC not starting a colour (SGR) sequence, C1 or bidi: anything but what Ink itself draws colours with. */
const OBEYED = /\x1b(?!\[[0-9;]*m)|[\x00-\x09\x0b-\x1a\x1c-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
const EVIL = 'f\x1b]0;TITLE\x07\x1b[2K\u009b2J\u202eexe';

describe('dashboard text others control', () => {
  it('the Files tab shows a container file name escaped', () => {
    const entries = [{ name: EVIL, type: 'file' as const, size: 3, mode: 0o644 }, { name: 'plain', type: 'file' as const, size: 1, mode: 0o644 }];
    const app = render(<FilesPane snapshot={{ path: '/tmp', entries, cursor: 1, loading: false, truncated: false }} height={6} width={60} focused />);
    const frame = app.lastFrame() ?? '';
    app.unmount();
    expect(frame).toContain('f\\e]0;TITLE\\a\\e[2K\\x9b2J\\u202eexe');
    expect(frame).not.toMatch(OBEYED);
  });

  it('a table cell is escaped and its column measured as drawn', () => {
    const columns: TableColumn<string>[] = [
      { header: 'NAME', priority: 0, min: 4, max: 80, cell: (r) => ({ text: r }) },
      { header: 'END', priority: 1, min: 3, max: 3, cell: () => ({ text: 'end' }) },
    ];
    const rows = [EVIL, 'short'];
    const fitted = fitColumns(columns, rows, 100, undefined);
    expect(fitted[0]!.width).toBe('f\\e]0;TITLE\\a\\e[2K\\x9b2J\\u202eexe'.length);
    const app = render(
      <>
        {rows.map((r) => (
          <Text key={r}>
            <TableCells columns={fitted} row={r} ctx={undefined} />
          </Text>
        ))}
      </>,
    );
    const lines = (app.lastFrame() ?? '').split('\n');
    app.unmount();
    expect(lines.map((l) => l.indexOf('end'))).toEqual([fitted[0]!.width + 1, fitted[0]!.width + 1]);
    expect(lines.join('\n')).not.toMatch(OBEYED);
  });

  it('Text keeps colours only where asked (log lines)', () => {
    const line = '\x1b[31mred\x1b[0m \x1b]52;c;eA==\x07';
    const app = render(
      <>
        <Text sgr>{line}</Text>
        <Text>{line}</Text>
      </>,
    );
    const [kept, escaped] = (app.lastFrame() ?? '').split('\n');
    app.unmount();
    expect(kept).toContain('\x1b[31mred');
    expect(kept).toContain('\\e]52;c;eA==\\a');
    expect(escaped).toContain('\\e[31mred\\e[0m \\e]52;c;eA==\\a');
    expect(`${kept}${escaped}`).not.toMatch(/\x1b\]/);
  });
});
