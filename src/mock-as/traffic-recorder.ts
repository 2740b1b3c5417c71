/**
 * How the service worker records the exchanges it answered (docs/decisions/132, 140): after the
 * answer, and only once the worker is idle, so that no request waits for the recording of the one
 * before it. Worker-safe and host-agnostic: the worker passes in where the records go (the
 * traffic log, the BroadcastChannel); the tests pass in arrays.
 */
import type { HttpExchange } from './traffic.ts'

export interface TrafficRecorderOptions {
  /**
   * What the log keeps of an exchange (the worker: redacted, pages cut). It costs the worker's
   * thread, so it runs one exchange at a time, between requests. Default: the exchange as it is.
   */
  prepare?(exchange: HttpExchange): HttpExchange
  /** Stores prepared exchanges, all in one go (the traffic log); resolves once they are stored. */
  store(prepared: HttpExchange[]): Promise<void>
  /** Tells the open pages of one exchange, as it was (the live channel). */
  announce(exchange: HttpExchange): void
  /** How long no request may have started or ended before the worker counts as idle. */
  quietMs?: number
  /** The longest an exchange waits for an idle worker; under steady load it is recorded then. */
  maxWaitMs?: number
  /** Milliseconds, for the two delays above. */
  now?: () => number
}

export interface TrafficRecorder {
  /**
   * A fetch event has come in (every one counts, the app's own files too: the worker is busy).
   * The returned function is called once it is answered, with what builds its record if it is to
   * be recorded; its promise settles once the exchange is stored and announced (or its recording
   * failed, which is logged): the worker passes it to `waitUntil`.
   */
  begin(): (build?: () => Promise<HttpExchange>) => Promise<void>
  /** An exchange that was no request of the worker's (the host's internal ones). */
  record(build: () => Promise<HttpExchange>): Promise<void>
  /**
   * Other work that can wait for the same idle moment (the app cache's copy of a file the worker
   * fetched): run after the batch's exchanges are recorded, one task at a time, giving way to
   * requests as the recording does. Resolves once it ran (a failure is logged).
   */
  later(task: () => Promise<void>): Promise<void>
}

type Queued = (
  | { kind: 'exchange'; build: () => Promise<HttpExchange> }
  | { kind: 'task'; run: () => Promise<void> }
) & { queuedAt: number; done: () => void }

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

export function createTrafficRecorder(options: TrafficRecorderOptions): TrafficRecorder {
  const quietMs = options.quietMs ?? 10
  const maxWaitMs = options.maxWaitMs ?? 100
  const now = options.now ?? (() => Date.now())
  const prepare = options.prepare ?? ((exchange: HttpExchange) => exchange)
  let queue: Queued[] = []
  let answering = 0
  let lastActivity = Number.NEGATIVE_INFINITY
  let timer: ReturnType<typeof setTimeout> | undefined
  /** A drain that paused for a request: resumed when none is left, or at its deadline. */
  let resume: (() => void) | undefined

  /** (Re)sets the one timer: the idle moment, or the oldest exchange's deadline under load. */
  function arm(): void {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    const oldest = queue[0]
    if (!oldest) return
    const deadline = oldest.queuedAt + maxWaitMs
    const at = answering > 0 ? deadline : Math.min(deadline, lastActivity + quietMs)
    timer = setTimeout(() => void drain(), Math.max(0, at - now()))
  }

  /**
   * Between two pieces of recording work: lets a request that came in meanwhile go first, and
   * waits while requests are being answered, unless the batch is due (`deadline`).
   */
  async function turn(deadline: number): Promise<void> {
    await nextTask()
    if (answering === 0 || now() >= deadline) return
    await new Promise<void>((resolve) => {
      const due = setTimeout(resolve, Math.max(0, deadline - now()))
      resume = () => {
        clearTimeout(due)
        resolve()
      }
    })
    resume = undefined
  }

  async function drain(): Promise<void> {
    timer = undefined
    const batch = queue
    queue = []
    const deadline = (batch[0]?.queuedAt ?? now()) + maxWaitMs
    const recorded: Array<{ exchange: HttpExchange; prepared: HttpExchange }> = []
    for (const queued of batch) {
      if (queued.kind !== 'exchange') continue
      await turn(deadline)
      try {
        const exchange = await queued.build()
        recorded.push({ exchange, prepared: prepare(exchange) })
      } catch (error) {
        console.error('mock authorization server: could not record traffic', error)
      }
    }
    // The log first, then the channel: a page subscribes before it reads the log, so it either
    // reads an exchange from the log or hears it live, never neither.
    if (recorded.length > 0) {
      await options.store(recorded.map(({ prepared }) => prepared)).catch((error: unknown) => {
        console.error('mock authorization server: could not log traffic', error)
      })
    }
    for (const { exchange } of recorded) {
      try {
        options.announce(exchange)
      } catch (error) {
        console.error('mock authorization server: could not publish traffic', error)
      }
    }
    for (const queued of batch) if (queued.kind === 'exchange') queued.done()
    for (const queued of batch) {
      if (queued.kind !== 'task') continue
      await turn(deadline)
      await queued.run().catch((error: unknown) => {
        console.error('mock authorization server: deferred work failed', error)
      })
      queued.done()
    }
    arm()
  }

  function enqueue(build: () => Promise<HttpExchange>): Promise<void> {
    return new Promise<void>((done) => {
      queue.push({ kind: 'exchange', build, queuedAt: now(), done })
      arm()
    })
  }

  return {
    begin() {
      answering += 1
      lastActivity = now()
      // Under load the timer now points at the oldest exchange's deadline only.
      arm()
      let finished = false
      return (build) => {
        if (!finished) {
          finished = true
          answering -= 1
          lastActivity = now()
          if (answering === 0) resume?.()
        }
        if (build) return enqueue(build)
        arm()
        return Promise.resolve()
      }
    },
    record: enqueue,
    later(run) {
      return new Promise<void>((done) => {
        queue.push({ kind: 'task', run, queuedAt: now(), done })
        arm()
      })
    },
  }
}

/**
 * Lets the core and the traffic record share one read of a request's body. `clone()` would tee
 * the body's stream, which in the worker cost more than the read itself (decision 140); instead
 * the request's own `arrayBuffer` and `text` are replaced by ones that read the body once and
 * give every caller the same bytes. Returns what reads the body for the record (the bytes the
 * core read, or, if it read none, the body now): null when there is none or it cannot be read.
 */
export function shareRequestBody(request: Request): () => Promise<string | null> {
  if (request.body === null) return async () => null
  const readBytes = request.arrayBuffer.bind(request)
  let read: Promise<ArrayBuffer> | undefined
  const once = () => {
    read ??= readBytes()
    return read
  }
  Object.defineProperty(request, 'arrayBuffer', { value: once, configurable: true })
  Object.defineProperty(request, 'text', {
    value: async () => new TextDecoder().decode(await once()),
    configurable: true,
  })
  return async () => {
    try {
      const text = new TextDecoder().decode(await once())
      return text === '' ? null : text
    } catch {
      // Read some other way (a stream, formData) and so gone: the record shows no body.
      return null
    }
  }
}
