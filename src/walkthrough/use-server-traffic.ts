/**
 * What the mock server answered since a moment: the saved traffic log (exchanges that happened
 * while the browser was on the server's own pages) plus live messages from the worker. The log
 * is redacted (docs/decisions/081); a live message is not, and wins over its logged copy.
 */
import { useEffect, useState } from 'react'
import {
  type HttpExchange,
  isHttpExchange,
  readTrafficLog,
  trafficChannelName,
} from '../mock-as/traffic.ts'

function merge(
  current: HttpExchange[],
  incoming: HttpExchange[],
  source: 'live' | 'log',
): HttpExchange[] {
  // Nothing new: the same array, so React skips re-rendering the whole walkthrough.
  if (incoming.length === 0) return current
  const byId = new Map(current.map((exchange) => [exchange.id, exchange]))
  for (const exchange of incoming) {
    if (source === 'live' || !byId.has(exchange.id)) byId.set(exchange.id, exchange)
  }
  return [...byId.values()].sort((a, b) => a.startedAt - b.startedAt)
}

export function useServerTraffic(since: number): HttpExchange[] {
  const [exchanges, setExchanges] = useState<HttpExchange[]>([])

  useEffect(() => {
    let active = true
    setExchanges((current) => (current.length === 0 ? current : []))
    const channel =
      typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(trafficChannelName)
    if (channel) {
      channel.onmessage = (event: MessageEvent<unknown>) => {
        if (isHttpExchange(event.data) && event.data.startedAt >= since) {
          const exchange = event.data
          setExchanges((current) => merge(current, [exchange], 'live'))
        }
      }
    }
    readTrafficLog(since)
      .then((logged) => {
        if (active) setExchanges((current) => merge(current, logged, 'log'))
      })
      .catch(() => {
        // No log (IndexedDB unavailable): live messages still arrive.
      })
    return () => {
      active = false
      channel?.close()
    }
  }, [since])

  return exchanges
}
