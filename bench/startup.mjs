// Start-up: `berth --help` and `berth room list`, side by side with `docker ps`, `docker --help` and bare node.
import { berthBin, compare, ensureBuilt, node, table } from './lib.mjs';

ensureBuilt();
const runs = Number(process.env.BENCH_RUNS ?? 20);
const rows = compare(
  [
    { name: "node -e ''", cmd: node, args: ['-e', ''] },
    { name: 'berth --help', cmd: node, args: [berthBin, '--help'] },
    { name: 'berth --version', cmd: node, args: [berthBin, '--version'] },
    { name: 'berth room list', cmd: node, args: [berthBin, 'room', 'list'] },
    { name: 'docker --help', cmd: 'docker', args: ['--help'] },
    { name: 'docker ps', cmd: 'docker', args: ['ps'] },
  ],
  runs,
);
console.log(`## Start-up (${runs} runs each, interleaved)\n`);
console.log(table(rows, "node -e ''"));
const ratio = (a, b) => (rows.find((r) => r.name === a).median / rows.find((r) => r.name === b).median).toFixed(2);
console.log(`\nberth room list / docker ps: ${ratio('berth room list', 'docker ps')}×`);
console.log(`berth --help / docker --help: ${ratio('berth --help', 'docker --help')}×`);
