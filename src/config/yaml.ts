// The `yaml` package's parser as the config stage uses it, loaded from the package's own ES build (browser/dist):
// the same version and sources as its Node build (dist), less the debug switches that build reads from
// process.env, one of them (LOG_TOKENS) for every token. Each read of process.env is a call into C++: ~20 % of the
// CPU of parsing a large config (bench/README.md, "Offline validate + diff"). Should a later yaml ship no ES
// build, the Node build is used. In the action's bundle (action/build.mjs) esbuild resolves `yaml` to that ES
// build at build time, and nothing is looked up on disk.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type * as Yaml from 'yaml';

/** `true` in the action's bundle only (esbuild's define); never declared anywhere else. */
declare const ZTSYNC_BUNDLED: boolean | undefined;

async function fromNodeModules(): Promise<typeof Yaml> {
  const nodeBuild = pathToFileURL(createRequire(import.meta.url).resolve('yaml')); // …/node_modules/yaml/dist/index.js
  return import(new URL('../browser/dist/index.js', nodeBuild).href).catch(() => import('yaml'));
}

const yaml: typeof Yaml = typeof ZTSYNC_BUNDLED === 'boolean' ? await import('yaml') : await fromNodeModules();

export const { parseDocument, LineCounter, Schema, visit, isAlias, isCollection, isMap, isNode, isPair, isScalar, isSeq } = yaml;
