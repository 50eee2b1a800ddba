// The dashboard's only Text: Ink's, with every string child escaped by terminalText before Ink measures or draws
// it, so nothing a container, image or agent controls reaches the terminal as an escape sequence.
import React from 'react';
import { Text as InkText, type TextProps as InkTextProps } from 'ink';
import { terminalText } from '../runtime/core/index.js';

export interface TextProps extends InkTextProps {
  /** Keep colour sequences (SGR) in the strings: log lines, whose colours the view shows. */
  sgr?: boolean;
}

function escapeChildren(children: React.ReactNode, sgr: boolean): React.ReactNode {
  if (typeof children === 'string') return terminalText(children, { sgr });
  if (Array.isArray(children)) return children.map((c) => escapeChildren(c, sgr));
  if (React.isValidElement<{ children?: React.ReactNode }>(children) && children.type === React.Fragment) {
    return React.cloneElement(children, undefined, escapeChildren(children.props.children, sgr));
  }
  // Other elements are components: theirs draw their strings through this Text too (a test holds every view to it).
  return children;
}

export function Text({ sgr = false, children, ...props }: TextProps) {
  return <InkText {...props}>{escapeChildren(children, sgr)}</InkText>;
}
