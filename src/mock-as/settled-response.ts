/**
 * The worker's answers, held in memory (docs/decisions/142): the traffic record needs the body as
 * text, and the browser gets the same bytes. They go to the browser as a stream of one chunk:
 * Chromium hands a worker's string or byte body to the page as a blob, which cost 0.5–0.7 ms more
 * per answer than a stream in the worker bench (issue 14); a body-less answer is passed on as is.
 */
export interface SettledResponse {
  response: Response
  /** The body as text, for the traffic record; null when the answer has none. */
  body: string | null
}

export async function settleResponse(response: Response): Promise<SettledResponse> {
  if (response.body === null) return { response, body: null }
  const bytes = new Uint8Array(await response.arrayBuffer())
  const { status, statusText, headers } = response
  if (bytes.byteLength === 0)
    return { response: new Response('', { status, statusText, headers }), body: '' }
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes)
      controller.close()
    },
  })
  return {
    response: new Response(stream, { status, statusText, headers }),
    body: new TextDecoder().decode(bytes),
  }
}
