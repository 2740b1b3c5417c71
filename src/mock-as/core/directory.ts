import type { ClientRecord } from './clients'
import { buildDemoClients, demoUsers } from './demo-data'

/**
 * A person who can sign in: the demo users, or those a configuration file or a test adds.
 * `claims` are the OpenID Connect claims released about them (OIDC Core §5.1), by scope at the
 * UserInfo endpoint; `sub` is never among them, it is the record's own field.
 */
export interface UserRecord {
  username: string
  password: string
  sub: string
  claims: Record<string, unknown>
}

/**
 * Who the server knows from its configuration rather than from its store: the users and the
 * clients set up before it started (the demo ones, a configuration file's, a test's). Registered
 * clients live in the store instead. A configured client can never be overwritten by
 * registration, which only makes new random ids.
 */
export interface Directory {
  /** Whether the demo users and clients (and the demo administrator's token) are loaded. */
  readonly demo: boolean
  userBySub(sub: string): UserRecord | undefined
  userByUsername(username: string): UserRecord | undefined
  users(): readonly UserRecord[]
  client(clientId: string): ClientRecord | undefined
  clients(): readonly ClientRecord[]
}

/** A directory that a host can add to while the server runs (the programmatic API). */
export interface MutableDirectory extends Directory {
  addUser(user: UserRecord): void
  addClient(client: ClientRecord): void
}

/** The demo users as user records: their profile and email claims. */
export function demoUserRecords(): UserRecord[] {
  return demoUsers.map(({ username, password, sub, ...claims }) => ({
    username,
    password,
    sub,
    claims: { ...claims },
  }))
}

/**
 * The directory. With `demo`, the demo users and clients come first, and no configured user or
 * client may take their names (the host checks that before it starts; `addUser` and `addClient`
 * refuse it with an Error naming the duplicate).
 */
export function createDirectory(init: {
  demo: boolean
  appOrigin: string
  apiAudience: string
  users?: readonly UserRecord[]
  clients?: readonly ClientRecord[]
}): MutableDirectory {
  const users = new Map<string, UserRecord>()
  const subs = new Map<string, UserRecord>()
  const clients = new Map<string, ClientRecord>()

  const addUser = (user: UserRecord) => {
    if (users.has(user.username)) throw new Error(`A user ${user.username} exists already.`)
    if (subs.has(user.sub)) throw new Error(`A user with sub ${user.sub} exists already.`)
    const copy = structuredClone(user)
    users.set(copy.username, copy)
    subs.set(copy.sub, copy)
  }
  const addClient = (client: ClientRecord) => {
    if (clients.has(client.client_id)) {
      throw new Error(`A client ${client.client_id} exists already.`)
    }
    clients.set(client.client_id, structuredClone(client))
  }

  if (init.demo) {
    for (const user of demoUserRecords()) addUser(user)
    for (const client of buildDemoClients(init.appOrigin, init.apiAudience)) addClient(client)
  }
  for (const user of init.users ?? []) addUser(user)
  for (const client of init.clients ?? []) addClient(client)

  return {
    demo: init.demo,
    userBySub: (sub) => subs.get(sub),
    userByUsername: (username) => users.get(username),
    users: () => [...users.values()],
    client: (clientId) => clients.get(clientId),
    clients: () => [...clients.values()],
    addUser,
    addClient,
  }
}

/** A user's display name for the consent page: the `name` claim, or the username. */
export function displayName(user: UserRecord | undefined, fallback: string): string {
  const name = user?.claims.name
  return typeof name === 'string' && name !== '' ? name : (user?.username ?? fallback)
}
