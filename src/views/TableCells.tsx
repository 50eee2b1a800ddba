// One table row's cells as fitted by view-layout's fitColumns (the containers, agents, records and audit tables),
// each in its own colour when it has one.
import React from 'react';
import { Text } from './Text.js';
import { tableCells, type FittedColumn } from '../app/view-layout.js';

export function TableCells<R, C>({ columns, row, ctx }: { columns: readonly FittedColumn<R, C>[]; row: R; ctx: C }) {
  return (
    <>
      {tableCells(columns, row, ctx).map((cell) => (
        <Text key={cell.key} color={cell.color}>
          {cell.text}
        </Text>
      ))}
    </>
  );
}
