/**
 * The command line: `npm run as -- [options]`, `npx grantlab-as [options]` (bin/grantlab-as.mjs).
 * A mistake in the options, the configuration or the data directory is reported in one sentence
 * that names the option or field, with exit code 2, before anything listens (docs/decisions/117).
 */
import { parseArgs } from 'node:util'
import { demoAdminInitialAccessToken } from '../core/demo-data'
import {
  ConfigError,
  DataDirError,
  defaultCliPort,
  defaultHost,
  type RunningMockAuthorizationServer,
  startMockAuthorizationServer,
} from '../node.ts'

export const usage = `Grantlab mock authorization server

Usage: npm run as -- [options]
       npx grantlab-as [options]

Options:
  --port N         port to listen on (default ${defaultCliPort}; the PORT variable also sets it)
  --host H         address to listen on (default ${defaultHost}; 0.0.0.0 in a container)
  --issuer URL     issuer identifier, used byte for byte in metadata, iss and tokens
                   (default http://<host>:<port>/as)
  --config FILE    users, clients, CORS origins, lifetimes (JSON, see the README); without
                   it the demo users and clients are served
  --data DIR       keep clients, signing keys, sessions and tokens on disk in DIR, so they
                   survive a restart (default: in memory)
  --cors LIST      origins allowed to call the API from a browser, comma-separated;
                   "loopback" stands for http(s)://localhost, 127.0.0.1 and [::1] on any port.
                   Default: loopback without --config, none with it (unless the file lists some)
  --help           show this text

Scripts can wait for GET <issuer>/health (http://127.0.0.1:${defaultCliPort}/as/health by default).
Exit codes: 0 stopped, 1 could not listen, 2 bad options, configuration or data directory.
`

export class UsageError extends Error {
  override name = 'UsageError'
}

export interface CliOptions {
  help: boolean
  port: number
  host: string
  issuer?: string
  config?: string
  data?: string
  cors?: string[]
}

function parsePort(value: string, where: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new UsageError(
      `${where}: ${JSON.stringify(value)} is not a port (a whole number 0-65535).`,
    )
  }
  return Number(value)
}

/** Reads the arguments (and PORT); throws a {@link UsageError} naming the option at fault. */
export function parseCliArguments(args: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  let parsed: ReturnType<typeof parse>
  function parse() {
    return parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        issuer: { type: 'string' },
        config: { type: 'string' },
        data: { type: 'string' },
        cors: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  }
  try {
    parsed = parse()
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'Bad arguments.')
  }
  const { values } = parsed
  for (const name of ['host', 'issuer', 'config', 'data', 'cors'] as const) {
    if (values[name] === '') throw new UsageError(`--${name} needs a value.`)
  }
  const port =
    values.port !== undefined
      ? parsePort(values.port, '--port')
      : env.PORT !== undefined && env.PORT !== ''
        ? parsePort(env.PORT, 'PORT')
        : defaultCliPort
  return {
    help: values.help ?? false,
    port,
    host: values.host ?? defaultHost,
    ...(values.issuer === undefined ? {} : { issuer: values.issuer }),
    ...(values.config === undefined ? {} : { config: values.config }),
    ...(values.data === undefined ? {} : { data: values.data }),
    ...(values.cors === undefined
      ? {}
      : {
          cors: values.cors
            .split(',')
            .map((entry) => entry.trim())
            .filter((entry) => entry !== ''),
        }),
  }
}

/** What the server prints when it is up: where it is, and who can sign in. */
export function describeServer(server: RunningMockAuthorizationServer): string {
  const lines = [
    'Grantlab mock authorization server',
    `  issuer     ${server.issuer}`,
    `  discovery  ${server.issuer}/.well-known/openid-configuration`,
    `  health     ${server.issuer}/health`,
    `  logout     ${server.issuer}/logout (RP-Initiated Logout 1.0)`,
    `  state      ${server.store === 'disk' ? 'on disk (--data)' : 'in memory'}`,
    `  CORS       ${server.cors.length === 0 ? 'none' : server.cors.join(', ')}`,
  ]
  // The resources are named by the issuer's origin (their RFC 8707 resource identifiers).
  const origin = new URL(server.issuer).origin
  if (server.config.demo) {
    lines.push(
      `  demo API   ${origin}/api/profile, ${origin}/api/orders`,
      `  MCP server ${origin}/mcp (RFC 9728: ${origin}/.well-known/oauth-protected-resource/mcp)`,
      `  demo agent client_id ${origin}/demo-agent/client-metadata.json`,
      `  attack lab ${origin}/evil-as (malicious issuer), ${origin}/attacker/ (attacker)`,
      '  demo users alice / alice-password, bob / bob-password',
      `  admin      initial access token ${demoAdminInitialAccessToken} (demo shortcut)`,
      '  demo clients: see the README (grantlab-spa, grantlab-web, grantlab-m2m, ...)',
    )
  }
  for (const user of server.config.users)
    lines.push(`  user       ${user.username} (sub ${user.sub})`)
  for (const client of server.config.clients) {
    lines.push(
      `  client     ${client.client_id} (${client.token_endpoint_auth_method}) grants=${client.grant_types.join(',')}`,
    )
  }
  return lines.join('\n')
}

/** Runs the command line; resolves to the exit code when it fails to start. */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let options: CliOptions
  try {
    options = parseCliArguments(args, env)
  } catch (error) {
    console.error(`grantlab-as: ${(error as Error).message}\nRun with --help for the options.`)
    return 2
  }
  if (options.help) {
    process.stdout.write(usage)
    return 0
  }
  let server: RunningMockAuthorizationServer
  try {
    server = await startMockAuthorizationServer({
      port: options.port,
      host: options.host,
      ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
      ...(options.config === undefined ? {} : { config: options.config }),
      ...(options.data === undefined ? {} : { dataDir: options.data }),
      ...(options.cors === undefined ? {} : { cors: options.cors }),
      ...(env.APP_ORIGIN ? { appOrigin: env.APP_ORIGIN } : {}),
    })
  } catch (error) {
    if (error instanceof ConfigError || error instanceof DataDirError) {
      console.error(`grantlab-as: ${error.message}\nNothing was started.`)
      return 2
    }
    console.error(`grantlab-as: ${(error as Error).message}`)
    return 1
  }
  console.log(describeServer(server))
  const stop = () => {
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  return -1
}
