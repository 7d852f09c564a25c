#!/usr/bin/env node
// Runs umap-js on a dataset written by SaeExplorer.Bench and writes its embedding and wall time, so the C# UMAP can
// be compared with an implementation written elsewhere.
//
// usage: node run-umap.js <data.bin> <params.json> <out.json>
//
// data.bin (little-endian): "SXU1", int32 kind (0 dense, 1 sparse CSR), int32 n, int32 d, then
//   dense:  n*d float32 row-major
//   sparse: int32 nnz, int32 rowStarts[n+1], int32 indices[nnz], float32 values[nnz]
// umap-js only takes dense rows, so sparse data is expanded here (outside the timed region).
// params.json: { nNeighbors, minDist, spread, nEpochs, learningRate, negativeSampleRate, repulsionStrength,
//                setOpMixRatio, localConnectivity, metric: "euclidean" | "cosine", seed }
'use strict';
const fs = require('fs');
const { UMAP } = require('umap-js');

function readData(path) {
  const buf = fs.readFileSync(path);
  const magic = buf.toString('ascii', 0, 4);
  if (magic !== 'SXU1') throw new Error(`${path}: not a SaeExplorer bench data file (magic ${magic})`);
  const kind = buf.readInt32LE(4), n = buf.readInt32LE(8), d = buf.readInt32LE(12);
  const rows = new Array(n);
  if (kind === 0) {
    for (let i = 0; i < n; i++) {
      const row = new Array(d);
      const base = 16 + i * d * 4;
      for (let j = 0; j < d; j++) row[j] = buf.readFloatLE(base + 4 * j);
      rows[i] = row;
    }
  } else {
    const nnz = buf.readInt32LE(16);
    const startsAt = 20, indicesAt = startsAt + 4 * (n + 1), valuesAt = indicesAt + 4 * nnz;
    for (let i = 0; i < n; i++) {
      const row = new Array(d).fill(0);
      const s = buf.readInt32LE(startsAt + 4 * i), e = buf.readInt32LE(startsAt + 4 * (i + 1));
      for (let k = s; k < e; k++) row[buf.readInt32LE(indicesAt + 4 * k)] = buf.readFloatLE(valuesAt + 4 * k);
      rows[i] = row;
    }
  }
  return { rows, n, d };
}

// mulberry32: a small seeded PRNG, because umap-js defaults to the unseeded Math.random.
function mulberry32(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// 1 − cos, with umap-learn's conventions for zero vectors.
function cosine(x, y) {
  let dot = 0, nx = 0, ny = 0;
  for (let i = 0; i < x.length; i++) {
    dot += x[i] * y[i];
    nx += x[i] * x[i];
    ny += y[i] * y[i];
  }
  if (nx === 0 && ny === 0) return 0;
  if (nx === 0 || ny === 0) return 1;
  return 1 - dot / Math.sqrt(nx * ny);
}

function euclidean(x, y) {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const t = x[i] - y[i];
    s += t * t;
  }
  return Math.sqrt(s);
}

function main() {
  const [dataPath, paramsPath, outPath] = process.argv.slice(2);
  if (!outPath) {
    console.error('usage: node run-umap.js <data.bin> <params.json> <out.json>');
    process.exit(2);
  }
  const p = JSON.parse(fs.readFileSync(paramsPath, 'utf8'));
  const readStart = process.hrtime.bigint();
  const { rows, n, d } = readData(dataPath);
  const readSeconds = Number(process.hrtime.bigint() - readStart) / 1e9;

  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: p.nNeighbors,
    minDist: p.minDist,
    spread: p.spread,
    nEpochs: p.nEpochs,
    learningRate: p.learningRate,
    negativeSampleRate: p.negativeSampleRate,
    repulsionStrength: p.repulsionStrength,
    setOpMixRatio: p.setOpMixRatio,
    localConnectivity: p.localConnectivity,
    distanceFn: p.metric === 'cosine' ? cosine : euclidean,
    random: mulberry32(p.seed),
  });
  const start = process.hrtime.bigint();
  const embedding = umap.fit(rows);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;

  fs.writeFileSync(outPath, JSON.stringify({
    implementation: 'umap-js',
    version: require('umap-js/package.json').version,
    node: process.version,
    n, d, seconds, readSeconds,
    nEpochs: umap.getNEpochs(),
    embedding,
  }));
  console.error(`umap-js: ${n} x ${d} in ${seconds.toFixed(2)} s (read ${readSeconds.toFixed(2)} s)`);
}

main();
