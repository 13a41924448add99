// Usage: node bench.js DATA.bin QUERIES.bin DIMS M EF_CONSTRUCTION K
// Builds an hnswlib cosine index over DATA (float32 rows) and prints {"ready", "buildSeconds"}. Then, for each
// ef read from stdin (one per line), runs every query once, sequentially, and prints one JSON line:
// {"ef", "qps", "ids": [[...], ...]}. Interactive so the caller can interleave these rounds with its own and
// both sides see the same machine load.
const fs = require('fs');
const readline = require('readline');
const { HierarchicalNSW } = require('hnswlib-node');
const [dataPath, queryPath, dimsArg, mArg, efcArg, kArg] = process.argv.slice(2);
const dims = Number(dimsArg), k = Number(kArg);
const read = p => { const b = fs.readFileSync(p); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };
const data = read(dataPath), queries = read(queryPath);
const n = data.length / dims, q = queries.length / dims;
const index = new HierarchicalNSW('cosine', dims);
let t = process.hrtime.bigint();
index.initIndex(n, Number(mArg), Number(efcArg), 100);
for (let i = 0; i < n; i++) index.addPoint(Array.from(data.subarray(i * dims, (i + 1) * dims)), i);
const buildSeconds = Number(process.hrtime.bigint() - t) / 1e9;
const qs = [];
for (let j = 0; j < q; j++) qs.push(Array.from(queries.subarray(j * dims, (j + 1) * dims)));
console.log(JSON.stringify({ ready: true, buildSeconds }));
const lines = readline.createInterface({ input: process.stdin });
lines.on('line', line => {
  const ef = Number(line.trim());
  if (!ef) { lines.close(); return; }
  index.setEf(ef);
  for (let j = 0; j < Math.min(20, q); j++) index.searchKnn(qs[j], k);
  const ids = [];
  t = process.hrtime.bigint();
  for (let j = 0; j < q; j++) ids.push(index.searchKnn(qs[j], k).neighbors);
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(JSON.stringify({ ef, qps: q / seconds, ids }));
});
