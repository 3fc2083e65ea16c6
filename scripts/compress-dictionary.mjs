#!/usr/bin/env node
// Writes the segmentation dictionary (assets/jieba/dict.txt) gzip-compressed
// as dict.txt.gz, the file the key-term worker fetches and inflates with the
// browser's DecompressionStream. Run by Trunk after each build (Trunk.toml),
// into its staging folder; by hand: node scripts/compress-dictionary.mjs [folder]
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = process.argv[2] ?? process.env.TRUNK_STAGING_DIR ?? join(root, 'dist');
const text = readFileSync(join(root, 'assets', 'jieba', 'dict.txt'));
// The gzip header carries no time stamp (zlib writes 0), so builds are byte for byte the same.
const gz = gzipSync(text, { level: 9, memLevel: 9 });
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'dict.txt.gz'), gz);
console.log(`dict.txt.gz: ${gz.length} bytes (${text.length} inflated)`);
