// Several containers in one command (`berth container stop a b c`, as docker takes them): each acted on in turn and
// reported, and the command fails when any of them did.
import { BerthError, terminalText, plural } from '../../runtime/core/index.js';
import type { CliContext } from '../context.js';

/**
 * Runs `act` for every container named, in order. One container: its error is the command's. Several: each failure
 * is printed as it happens (`berth: …`), the others go on, and the command ends with how many failed, with the exit
 * code of the first failure.
 */
export async function eachContainer(ctx: CliContext, refs: string[], act: (ref: string) => Promise<void>): Promise<void> {
  if (refs.length === 1) return act(refs[0]!);
  const failures: unknown[] = [];
  for (const ref of refs) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    try {
      await act(ref);
    } catch (err) {
      failures.push(err);
      const masked = ctx.rt.mask.error(err);
      const message = masked instanceof Error ? masked.message : String(masked);
      ctx.io.stderr.write(`berth: ${terminalText(message.split('\n')[0]!)}\n`);
    }
  }
  if (failures.length) {
    const first = failures[0];
    const kind = first instanceof BerthError ? first.kind : 'failure';
    throw new BerthError(`${failures.length} of ${plural(refs.length, 'container')} failed`, kind);
  }
}
