#!/usr/bin/env node
// `npx grantlab-as` and `npm run as`: runs the TypeScript command line (src/mock-as/node/cli.ts)
// through tsx, a dev dependency, so a checkout needs no build step after `npm ci`.
import { register } from 'tsx/esm/api'

register()
const { runCli } = await import('../src/mock-as/node/cli.ts')
const code = await runCli(process.argv.slice(2), process.env)
// -1: the server is running and stops on SIGINT or SIGTERM.
if (code >= 0) process.exit(code)
